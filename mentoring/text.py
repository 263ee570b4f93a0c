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


JOINERS = frozenset("\u200c\u200d")
"""Zero-width non-joiner and joiner: they shape Persian or Indic words and glue emoji
sequences such as 👩‍💻, so they stay when they sit between two visible characters."""

BLACK_FLAG = "\U0001f3f4"
TAGS = range(0xE0020, 0xE0080)
"""Tag characters spell a subdivision flag (🏴 followed by tags, e.g. Scotland's)."""

BLANKS = frozenset("\u034f\u115f\u1160\u2800\u3164\uffa0")
"""Characters that are not in category Cf yet show nothing (Hangul fillers pass for
letters), often used to fake an answer."""


def _invisible(char: str) -> bool:
    return unicodedata.category(char) == "Cf" or char in BLANKS


def visible(text: str) -> str:
    """``text`` without what nobody can see: format characters (Unicode category Cf:
    zero-width spaces, soft hyphens, bidi controls, byte order marks…), blank fillers,
    and leading or trailing whitespace. Joiners between two visible characters and the
    tags of a flag are kept, since removing them would change what the text shows."""
    kept: list[str] = []
    for index, char in enumerate(text):
        if not _invisible(char):
            kept.append(char)
            continue
        before = kept[-1] if kept else ""
        after = text[index + 1] if index + 1 < len(text) else ""
        if char in JOINERS and before and after and not (
                before.isspace() or _invisible(before) or after.isspace()
                or _invisible(after)):
            kept.append(char)
        elif ord(char) in TAGS and before and (before == BLACK_FLAG or ord(before) in TAGS):
            kept.append(char)
    return "".join(kept).strip()


def visible_length(text: str) -> int:
    """How many characters of ``text`` one can see: kept joiners and tags do not count."""
    return sum(1 for char in text if not _invisible(char))
