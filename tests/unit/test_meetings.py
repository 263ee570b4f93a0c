"""The meetings' rules: typed dates in French and English, the slots offered, and when the
reminders fall, around daylight-saving changes and overseas."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from mentoring.meetings import (
    BadWhen,
    Kind,
    Meeting,
    Person,
    Stage,
    Status,
    WhenError,
    at_wall,
    day_before,
    due_reminders,
    offered_days,
    offered_times,
    read_when,
    reminder_key,
    reminders,
    still_current,
    with_slot,
)
from mentoring.quiet_hours import QuietHours

PARIS, CAYENNE, REUNION = (ZoneInfo("Europe/Paris"), ZoneInfo("America/Cayenne"),
                           ZoneInfo("Indian/Reunion"))
FRIDAY = datetime(2026, 12, 4, 19, 0, tzinfo=UTC)  # 20:00 in Paris


@pytest.mark.parametrize(("text", "local"), [
    ("mardi 18h30", datetime(2026, 12, 8, 18, 30)),
    ("Mardi 18H30", datetime(2026, 12, 8, 18, 30)),
    ("tuesday 6:30pm", datetime(2026, 12, 8, 18, 30)),
    ("Tue 6pm", datetime(2026, 12, 8, 18, 0)),
    ("demain 9h", datetime(2026, 12, 5, 9, 0)),
    ("tomorrow 10am", datetime(2026, 12, 5, 10, 0)),
    ("12/01 14:00", datetime(2027, 1, 12, 14, 0)),
    ("8 décembre 18h", datetime(2026, 12, 8, 18, 0)),
    ("le 10 dec à 9h15", datetime(2026, 12, 10, 9, 15)),
    ("2026-12-09 17:30", datetime(2026, 12, 9, 17, 30)),
    ("samedi midi", datetime(2026, 12, 5, 12, 0)),
    ("vendredi 20h", datetime(2026, 12, 11, 20, 0)),  # today's 20:00 is now: next week
    ("vendredi 21h", datetime(2026, 12, 4, 21, 0)),
])
def test_typed_dates_are_read_on_the_wall_clock(text: str, local: datetime) -> None:
    assert read_when(text, FRIDAY, PARIS) == local.replace(tzinfo=PARIS).astimezone(UTC)


@pytest.mark.parametrize(("text", "reason"), [
    ("mardi", WhenError.NO_TIME), ("blah 18h", WhenError.UNREADABLE),
    ("31/02 10h", WhenError.UNREADABLE), ("mardi 25h", WhenError.UNREADABLE),
    ("01/12/2026 10h", WhenError.PAST), ("12/06/2027 10h", WhenError.TOO_FAR),
])
def test_a_typed_date_that_does_not_fit_says_why(text: str, reason: WhenError) -> None:
    with pytest.raises(BadWhen) as raised:
        read_when(text, FRIDAY, PARIS)
    assert raised.value.reason is reason


def test_the_hour_skipped_at_the_end_of_march_does_not_exist() -> None:
    before = datetime(2026, 3, 27, 10, 0, tzinfo=UTC)
    with pytest.raises(BadWhen) as raised:
        read_when("dimanche 2h30", before, PARIS)
    assert raised.value.reason is WhenError.SKIPPED
    assert at_wall(date(2026, 3, 29), time(2, 30), PARIS) is None
    # The hour that happens twice at the end of October is the first one (summer time).
    assert at_wall(date(2026, 10, 25), time(2, 30), PARIS) == datetime(
        2026, 10, 25, 0, 30, tzinfo=UTC)


def test_slots_keep_their_wall_time_across_the_change() -> None:
    lea = Person(1, "Léa", PARIS, ("weekday_evening",))
    friday_march = datetime(2026, 3, 27, 8, 0, tzinfo=UTC)
    # 18:30 in Paris is 17:30 UTC before the change and 16:30 UTC after it.
    assert datetime(2026, 3, 27, 17, 30, tzinfo=UTC) in offered_times(
        date(2026, 3, 27), lea, friday_march)
    assert datetime(2026, 3, 30, 16, 30, tzinfo=UTC) in offered_times(
        date(2026, 3, 30), lea, friday_march)
    friday_october = datetime(2026, 10, 23, 8, 0, tzinfo=UTC)
    assert datetime(2026, 10, 23, 16, 30, tzinfo=UTC) in offered_times(
        date(2026, 10, 23), lea, friday_october)
    assert datetime(2026, 10, 26, 17, 30, tzinfo=UTC) in offered_times(
        date(2026, 10, 26), lea, friday_october)
    # Week-ends are offered only to who said so.
    assert date(2026, 3, 28) not in offered_days(lea, friday_march)
    sam = Person(2, "Sam", PARIS, ("saturday",))
    assert offered_days(sam, friday_march)[0] == date(2026, 3, 28)


def test_overseas_slots_are_on_their_own_clock() -> None:
    zoe = Person(3, "Zoé", CAYENNE, ("weekday_evening",))
    now = datetime(2027, 1, 11, 12, 0, tzinfo=UTC)
    assert offered_times(date(2027, 1, 12), zoe, now)[0] == datetime(
        2027, 1, 12, 21, 0, tzinfo=UTC)  # 18:00 in Cayenne
    assert read_when("mardi 18h30", now, REUNION) == datetime(2027, 1, 12, 14, 30, tzinfo=UTC)


def meeting(starts: datetime, sequence: int = 0) -> Meeting:
    return Meeting(7, 1, 1, Kind.VIDEO, Status.CONFIRMED, (starts,), starts, "Europe/Paris",
                   starts, starts, sequence=sequence)


def test_the_day_before_is_the_same_wall_time_across_both_changes() -> None:
    quiet = QuietHours()
    # Sunday 29 March 2026, 11:00 in Paris (summer time): Saturday 11:00 was winter time,
    # 23 hours before.
    sunday = datetime(2026, 3, 29, 9, 0, tzinfo=UTC)
    assert day_before(sunday, PARIS) == datetime(2026, 3, 28, 10, 0, tzinfo=UTC)
    # Sunday 25 October 2026, 11:00 (winter time): Saturday 11:00 was summer time, 25 hours.
    october = datetime(2026, 10, 25, 10, 0, tzinfo=UTC)
    assert day_before(october, PARIS) == datetime(2026, 10, 24, 9, 0, tzinfo=UTC)
    lea = Person(1, "Léa", PARIS)
    assert [(r.stage, r.due_at) for r in reminders(meeting(october), [lea], quiet)] == [
        (Stage.DAY, datetime(2026, 10, 24, 9, 0, tzinfo=UTC)),
        (Stage.HOUR, datetime(2026, 10, 25, 9, 0, tzinfo=UTC))]


def test_a_day_before_in_quiet_hours_waits_for_the_morning_in_each_zone() -> None:
    quiet = QuietHours()
    # Tuesday 18:30 in Cayenne is 22:30 in Paris: Monday 22:30 is quiet for Marc, so his
    # comes on Tuesday at 9:00; Zoé's comes on Monday at 18:30, her time.
    starts = datetime(2027, 1, 12, 21, 30, tzinfo=UTC)
    zoe, marc = Person(1, "Zoé", CAYENNE), Person(2, "Marc", PARIS)
    found = {(r.recipient_id, r.stage): r.due_at
             for r in reminders(meeting(starts), [zoe, marc], quiet)}
    assert found == {(1, Stage.DAY): datetime(2027, 1, 11, 21, 30, tzinfo=UTC),
                     (1, Stage.HOUR): datetime(2027, 1, 12, 20, 30, tzinfo=UTC),
                     (2, Stage.DAY): datetime(2027, 1, 12, 8, 0, tzinfo=UTC),
                     (2, Stage.HOUR): datetime(2027, 1, 12, 20, 30, tzinfo=UTC)}
    # A Monday morning meeting's day before is a Sunday, quiet all day: the morning itself
    # is too close, so only the hour-before reminder is left.
    monday = datetime(2027, 1, 11, 9, 0, tzinfo=UTC)
    assert [r.stage for r in reminders(meeting(monday), [marc], quiet)] == [Stage.HOUR]


def test_reminders_are_due_once_in_their_window_and_keyed_by_version() -> None:
    quiet = QuietHours()
    starts = datetime(2027, 1, 14, 18, 0, tzinfo=UTC)
    lea = Person(1, "Léa", PARIS)
    held = meeting(starts)
    assert due_reminders(held, [lea], quiet, datetime(2027, 1, 13, 17, 59, tzinfo=UTC)) == []
    [day] = due_reminders(held, [lea], quiet, datetime(2027, 1, 13, 18, 0, tzinfo=UTC))
    assert day.stage is Stage.DAY
    # Late (the bot was down): only the hour-before one once its time has come.
    late = due_reminders(held, [lea], quiet, datetime(2027, 1, 14, 17, 30, tzinfo=UTC))
    assert [r.stage for r in late] == [Stage.HOUR]
    assert due_reminders(held, [lea], quiet, starts) == []
    assert reminder_key(held, day) == "meeting-reminder:7:0:day:1"
    assert reminder_key(meeting(starts, sequence=1), day) == "meeting-reminder:7:1:day:1"
    assert still_current(held, 0) and not still_current(meeting(starts, 1), 0)
    assert not still_current(None, 0)


def test_at_most_three_slots_each_once_in_order() -> None:
    a, b, c, d = (datetime(2027, 1, n, 17, tzinfo=UTC) for n in (14, 12, 13, 15))
    slots = with_slot(with_slot(with_slot([], a), b), b)
    assert slots == [b, a]
    assert with_slot(with_slot(slots, c), d) == [b, c, a]
