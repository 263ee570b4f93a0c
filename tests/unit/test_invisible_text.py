"""Invisible characters don't count: padding an answer with them neither reaches a minimum
length nor ends up stored."""

from __future__ import annotations

import sys
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mentoring.errors import InvalidAnswer
from mentoring.form import BIO, FIRST_NAME, GOALS, PLACE, PROFESSION, check_place, check_text
from mentoring.text import JOINERS, TAGS, visible, visible_length

# Zero-width and bidi characters, the byte order mark and the soft hyphen, then every
# other format character and the fillers that show nothing.
NAMED = ("\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad"
         "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
FORMAT = "".join(chr(code) for code in range(sys.maxunicode + 1)
                 if unicodedata.category(chr(code)) == "Cf")
BLANK = "\u3164\u115f\u1160\uffa0\u2800\u034f"
PADDING = sorted(set(NAMED + FORMAT + BLANK))


def padded(text: str, pad: str) -> str:
    """``pad`` before, after and between every character of ``text``."""
    return pad + pad.join(text) + pad


@pytest.mark.parametrize("step", [GOALS, BIO, PROFESSION], ids=lambda step: step.name)
@pytest.mark.parametrize("pad", PADDING, ids=lambda char: f"U+{ord(char):04X}")
def test_invisible_padding_never_reaches_the_minimum_length(step, pad: str) -> None:
    one_short = "a" * (step.min_length - 1)
    raw = padded(one_short, pad) + " "
    assert len(raw) > step.min_length  # long enough if invisible characters counted
    with pytest.raises(InvalidAnswer) as caught:
        check_text(step, raw)
    assert caught.value.reason in ("too_short", "empty")


@pytest.mark.parametrize("step", [GOALS, BIO, PROFESSION], ids=lambda step: step.name)
@pytest.mark.parametrize("pad", PADDING, ids=lambda char: f"U+{ord(char):04X}")
def test_the_minimum_of_visible_characters_is_accepted_and_stored_without_padding(
        step, pad: str) -> None:
    exactly = "a" * step.min_length
    accepted = check_text(step, padded(exactly, pad))
    if pad in JOINERS:  # kept between two letters, where they can shape a word
        assert accepted == pad.join(exactly) and visible_length(accepted) == step.min_length
    else:
        assert accepted == exactly


@pytest.mark.parametrize("raw", ["\u200b", "\ufeff\u200b \u2060", "\u3164\u3164", " \u00ad "])
def test_a_first_name_of_invisible_characters_is_empty(raw: str) -> None:
    with pytest.raises(InvalidAnswer) as caught:
        check_text(FIRST_NAME, raw)
    assert caught.value.reason == "empty"


def test_bidi_controls_and_soft_hyphens_are_dropped_from_a_name() -> None:
    assert check_text(FIRST_NAME, "\u202eL\u00adéa\u202c\u200f ") == "Léa"


def test_joiners_that_build_an_emoji_or_a_word_are_kept_and_not_counted() -> None:
    coder = "\U0001f469\u200d\U0001f4bb"  # 👩‍💻: woman + joiner + laptop
    assert visible(f"\u200b{coder} dev\u200d") == f"{coder} dev"
    assert visible_length(coder) == 2
    persian = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"  # می‌خواهم, with a ZWNJ
    assert visible(persian) == persian
    assert check_text(PROFESSION, f"\u200d{coder} web\u200c") == f"{coder} web"


def test_a_subdivision_flag_keeps_its_tags() -> None:
    scotland = "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"
    assert visible(f" {scotland} ") == scotland
    assert visible("a\U000e0067") == "a"  # a tag anywhere else shows nothing


@given(st.text())
def test_cleaning_twice_changes_nothing_more(text: str) -> None:
    once = visible(text)
    assert visible(once) == once
    assert once == once.strip()


@given(st.text(alphabet=st.characters(blacklist_categories=("Cf", "Cs")), min_size=1),
       st.lists(st.tuples(st.integers(min_value=0),
                          st.sampled_from([c for c in PADDING
                                           if c not in JOINERS and ord(c) not in TAGS]))))
def test_inserting_invisible_characters_anywhere_changes_no_verdict(
        text: str, inserts: list[tuple[int, str]]) -> None:
    noisy = list(text)
    for position, char in inserts:
        noisy.insert(position % (len(noisy) + 1), char)

    def verdict(raw: str) -> str:
        try:
            return "ok:" + check_text(GOALS, raw)
        except InvalidAnswer as error:
            return "refused:" + error.reason

    assert verdict("".join(noisy)) == verdict(visible(text))


def test_a_postal_code_pasted_with_invisible_characters_is_understood() -> None:
    assert check_place(PLACE, "\u200b69003\u2060\ufeff").department.code == "69"
    with pytest.raises(InvalidAnswer) as caught:
        check_place(PLACE, "\u200b\u200e")
    assert caught.value.reason == "empty"
