"""Small text helpers shared by the domain."""

import unicodedata


def N_(message: str) -> str:
    """Mark ``message`` for the translation catalogues without translating it now.

    Labels defined in the domain are English message ids; the handlers translate them
    into the user's language when they render them.
    """
    return message


def fold(text: str) -> str:
    """Lower-case ``text`` and strip accents and punctuation, for forgiving comparisons."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept = []
    for char in decomposed:
        if unicodedata.combining(char):
            continue
        kept.append(char if char.isalnum() else " ")
    return " ".join("".join(kept).split())
