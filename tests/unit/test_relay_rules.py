"""Which pair a message goes to, and the sender's name within Telegram's limits."""

from __future__ import annotations

from mentoring.relay import (
    MAX_CAPTION,
    Mapped,
    Member,
    Outcome,
    kind_of,
    route,
    utf16_len,
    with_name,
)

LEA, ZOE = Member(1, 11), Member(2, 12)


def test_a_reply_goes_to_the_pair_of_the_message_replied_to() -> None:
    assert route([LEA, ZOE], Mapped(2, 12, 7), choice=1, had_pair=True) == (
        route([ZOE], None, None, True).__class__(Outcome.SEND, ZOE, 7))


def test_a_reply_to_a_message_of_a_pair_one_is_no_longer_in_reaches_nobody() -> None:
    assert route([LEA], Mapped(2, 12, 7), None, True).outcome is Outcome.ENDED
    assert route([LEA], Mapped(1, 99, 7), None, True).outcome is Outcome.ENDED


def test_several_students_need_a_choice_and_a_stale_choice_asks_again() -> None:
    assert route([LEA, ZOE], None, None, False).outcome is Outcome.ASK
    assert route([LEA, ZOE], None, 3, False).outcome is Outcome.ASK
    assert route([LEA, ZOE], None, 2, False).member == ZOE


def test_paused_ended_and_no_pair() -> None:
    assert route([Member(1, 11, frozen=True)], None, None, False).outcome is Outcome.PAUSED
    assert route([], None, None, True).outcome is Outcome.ENDED
    assert route([], None, None, False).outcome is Outcome.NONE


def test_the_name_goes_first_and_entities_move_in_utf16_units() -> None:
    text, entities = with_name("Zoé 🌸", "un *mot*", [{"type": "bold", "offset": 3,
                                                       "length": 5}], 4096) or ("", [])
    assert text == "Zoé 🌸:\nun *mot*"
    prefix = utf16_len("Zoé 🌸:\n")
    assert prefix == 8  # the flower counts twice, as Telegram counts it
    assert entities == [{"type": "bold", "offset": 0, "length": 7},
                        {"type": "bold", "offset": 3 + prefix, "length": 5}]


def test_a_caption_near_the_limit_keeps_its_length_and_gets_no_name() -> None:
    caption = "x" * (MAX_CAPTION - 3)
    assert with_name("Léa", caption, [], MAX_CAPTION) is None
    named = with_name("Léa", "x" * (MAX_CAPTION - 5), [], MAX_CAPTION)
    assert named is not None and utf16_len(named[0]) == MAX_CAPTION


def test_kinds_are_recorded_never_content() -> None:
    assert kind_of({"text": "secret"}) == "text"
    assert kind_of({"document": {}, "caption": "cv"}) == "document"
    assert kind_of({"poll": {}}) == "poll"
    assert kind_of({"voice": {}}) == "voice"
