"""Broadcasts: who is in an audience, which texts Telegram accepts, dates staff type."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from handlers.broadcast import parse_when
from mentoring.broadcast import (
    Audience,
    Condition,
    Member,
    Target,
    check_html,
    normalise_text,
)
from mentoring.model import Role

PARIS_STUDENT = Member(1, Role.STUDENT, frozenset({"law_politics"}), "75", waiting=True)
LYON_STUDENT = Member(2, Role.STUDENT, frozenset({"health"}), "69", waiting=False)
PARIS_VOLUNTEER = Member(3, Role.VOLUNTEER, frozenset({"business", "law_politics"}), "92",
                         room=True)
FULL_VOLUNTEER = Member(4, Role.VOLUNTEER, frozenset({"health"}), "69", room=False,
                        at_risk=True)
EVERYONE = (PARIS_STUDENT, LYON_STUDENT, PARIS_VOLUNTEER, FULL_VOLUNTEER)


def admitted(audience: Audience) -> set[int]:
    return {m.user_id for m in EVERYONE if audience.admits(m)}


def test_filters_combine() -> None:
    assert admitted(Audience()) == {1, 2, 3, 4}
    assert admitted(Audience(Target.STUDENTS)) == {1, 2}
    assert admitted(Audience(Target.VOLUNTEERS, regions=frozenset({"11"}))) == {3}
    assert admitted(Audience(families=frozenset({"law_politics"}))) == {1, 3}
    assert admitted(Audience(families=frozenset({"health"}), regions=frozenset({"84"}))) == {2, 4}
    assert admitted(Audience(condition=Condition.WAITING)) == {1}
    assert admitted(Audience(condition=Condition.ROOM)) == {3}
    assert admitted(Audience(condition=Condition.AT_RISK)) == {4}
    # A condition for the other role leaves nobody.
    assert admitted(Audience(Target.VOLUNTEERS, condition=Condition.WAITING)) == set()


def test_audience_round_trips_and_toggles() -> None:
    audience = Audience(Target.VOLUNTEERS).toggled("region", "11").toggled("family", "health")
    assert Audience.from_dict(audience.to_dict()) == audience
    assert audience.toggled("region", "11").regions == frozenset()
    with pytest.raises(LookupError):
        audience.toggled("region", "99")


@pytest.mark.parametrize(("text", "reason", "detail"), [
    ("<b>bold</b> and <i>italic</i>", None, None),
    ('<a href="https://example.org">link</a> &lt;3 &amp; &#128512;', None, None),
    ('<span class="tg-spoiler">secret</span><tg-spoiler>x</tg-spoiler>', None, None),
    ("<b>bold", "not_closed", "<b>"),
    ("<b><i>crossed</b></i>", "not_closed", "<i>"),
    ("text</b>", "not_open", "</b>"),
    ("<script>x</script>", "unknown_tag", "<script>"),
    ("<span>x</span>", "unknown_tag", "<span>"),
    ('<b class="x">x</b>', "unknown_tag", "<b>"),
    ("<br/>", "unknown_tag", "<br/>"),
    ("<b>a</b> < c", "bare_character", "<"),
    ("<b>a</b> > c", "bare_character", ">"),
    ("<b>a</b> &nbsp;", "bare_character", "&"),
    ("<b>" + "x" * 4097 + "</b>", "too_long", "4097"),
])
def test_telegram_html_is_checked(text: str, reason: str | None, detail: str | None) -> None:
    problem = check_html(text)
    assert (problem.reason, problem.detail) == (reason, detail) if reason else problem is None


def test_plain_text_is_escaped_and_formatting_kept() -> None:
    assert normalise_text("Q&A: a < b", None) == ("Q&amp;A: a &lt; b", None)
    assert normalise_text("<b>Q&A</b>", None) == ("<b>Q&amp;A</b>", None)
    assert normalise_text("ignored", "<b>made in the app</b>") == ("<b>made in the app</b>",
                                                                    None)
    assert normalise_text("x" * 4097, None)[1].reason == "too_long"


PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(("text", "expected"), [
    ("28/11 18:30", datetime(2026, 11, 28, 18, 30, tzinfo=PARIS)),
    ("28/11/2026 18h30", datetime(2026, 11, 28, 18, 30, tzinfo=PARIS)),
    ("2026-12-01 9:05", datetime(2026, 12, 1, 9, 5, tzinfo=PARIS)),
    ("1.12 9h", datetime(2026, 12, 1, 9, 0, tzinfo=PARIS)),
    ("3/1 8:00", datetime(2027, 1, 3, 8, 0, tzinfo=PARIS)),  # no year: the next one
    ("25/11 8:00", datetime(2027, 11, 25, 8, 0, tzinfo=PARIS)),
    ("25/11/2026 8:00", datetime(2026, 11, 25, 8, 0, tzinfo=PARIS)),  # past: caller refuses
    ("31/02 10:00", None),
    ("tomorrow", None),
    ("28/11", None),
])
def test_dates_as_staff_type_them(text: str, expected: datetime | None) -> None:
    assert parse_when(text, NOW, PARIS) == expected
