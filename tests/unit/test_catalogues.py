"""Every sentence the code can show is translated in French and in English."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "N_": None, "__": None, "ngettext": (1, 2), "t": None, "tn": (1, 2)}


def messages_in_code() -> set[str]:
    found = set()
    for package in ("mentoring", "handlers", "bot"):
        for _file, _line, message, _comments, _context in extract_from_dir(
                ROOT / package, method_map=[("**.py", "python")], keywords=KEYWORDS):
            found.add(message if isinstance(message, str) else message[0])
    return found


def catalogue(locale: str):
    with (ROOT / "locales" / locale / "LC_MESSAGES" / "binome.po").open("rb") as source:
        return read_po(source, locale=locale)


def test_the_code_has_sentences_to_translate() -> None:
    assert "What is your first name?" in messages_in_code()


@pytest.mark.parametrize("locale", ["fr", "en"])
def test_every_sentence_is_translated(locale: str) -> None:
    translated = {}
    for m in catalogue(locale):
        if m.id and not m.fuzzy:
            key = m.id if isinstance(m.id, str) else m.id[0]
            strings = [m.string] if isinstance(m.string, str) else list(m.string)
            translated[key] = all(strings) and strings
    missing = sorted(m for m in messages_in_code() if not translated.get(m))
    assert missing == []


@pytest.mark.parametrize("locale", ["fr", "en"])
def test_placeholders_survive_translation(locale: str) -> None:
    import re

    placeholder = re.compile(r"\{[a-z_]*\}")
    wrong = []
    for m in catalogue(locale):
        ids = [m.id] if isinstance(m.id, str) else list(m.id)
        strings = [m.string] if isinstance(m.string, str) else list(m.string)
        wanted = sorted(set(placeholder.findall(ids[-1])))
        wrong += [m.id for text in strings
                  if text and sorted(set(placeholder.findall(text))) != wanted]
    assert wrong == []


def test_french_is_not_a_copy_of_english() -> None:
    french = catalogue("fr")
    sentences = [m for m in french if isinstance(m.id, str) and " " in m.id]
    copied = [m.id for m in sentences if m.string == m.id]
    assert len(copied) < len(sentences) * 0.05
