"""Every sentence the code can show is translated in French and in English."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "N_": None, "__": None}


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
    translated = {m.id: m.string for m in catalogue(locale) if m.id and not m.fuzzy}
    missing = sorted(m for m in messages_in_code() if not translated.get(m))
    assert missing == []


@pytest.mark.parametrize("locale", ["fr", "en"])
def test_placeholders_survive_translation(locale: str) -> None:
    import re

    placeholder = re.compile(r"\{[a-z_]*\}")
    wrong = [m.id for m in catalogue(locale) if m.id and m.string
             and sorted(placeholder.findall(m.id)) != sorted(placeholder.findall(m.string))]
    assert wrong == []


def test_french_is_not_a_copy_of_english() -> None:
    french = catalogue("fr")
    sentences = [m for m in french if m.id and " " in m.id]
    copied = [m.id for m in sentences if m.string == m.id]
    assert len(copied) < len(sentences) * 0.05
