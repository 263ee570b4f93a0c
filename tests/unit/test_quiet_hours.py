"""Quiet hours: messages are held to the recipient's next allowed local moment."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mentoring.quiet_hours import QuietHours, is_allowed, next_allowed

PARIS = ZoneInfo("Europe/Paris")
DEFAULT = QuietHours()
WEEKDAYS_ONLY_NIGHTS = QuietHours(sundays_off=False)


def local(zone: ZoneInfo, year: int, month: int, day: int, hour: int, minute: int,
          second: int = 0) -> datetime:
    """A wall-clock time in ``zone``, as a UTC instant."""
    return datetime(year, month, day, hour, minute, second, tzinfo=zone).astimezone(UTC)


def utc(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# --------------------------------------------------------------------------- the window


def test_daytime_is_allowed_and_kept_as_is() -> None:
    friday_noon = local(PARIS, 2026, 11, 27, 12, 0)
    assert next_allowed(friday_noon, PARIS, DEFAULT) == friday_noon
    assert next_allowed(friday_noon, PARIS, DEFAULT).tzinfo is UTC


def test_the_evening_is_held_to_the_next_morning() -> None:
    assert next_allowed(local(PARIS, 2026, 11, 26, 20, 0), PARIS, DEFAULT) == \
        local(PARIS, 2026, 11, 27, 9, 0)
    assert next_allowed(local(PARIS, 2026, 11, 26, 23, 59), PARIS, DEFAULT) == \
        local(PARIS, 2026, 11, 27, 9, 0)
    assert next_allowed(local(PARIS, 2026, 11, 27, 3, 0), PARIS, DEFAULT) == \
        local(PARIS, 2026, 11, 27, 9, 0)


def test_the_window_edges() -> None:
    assert is_allowed(local(PARIS, 2026, 11, 27, 19, 59, 59), PARIS, DEFAULT)
    assert not is_allowed(local(PARIS, 2026, 11, 27, 20, 0), PARIS, DEFAULT)
    assert not is_allowed(local(PARIS, 2026, 11, 27, 8, 59, 59), PARIS, DEFAULT)
    assert is_allowed(local(PARIS, 2026, 11, 27, 9, 0), PARIS, DEFAULT)
    just_before = local(PARIS, 2026, 11, 27, 8, 59, 59) + timedelta(microseconds=999_999)
    assert next_allowed(just_before, PARIS, DEFAULT) == local(PARIS, 2026, 11, 27, 9, 0)


def test_saturday_evening_and_sunday_are_held_to_monday_morning() -> None:
    monday_nine = local(PARIS, 2026, 11, 30, 9, 0)
    assert next_allowed(local(PARIS, 2026, 11, 28, 21, 0), PARIS, DEFAULT) == monday_nine
    assert next_allowed(local(PARIS, 2026, 11, 29, 12, 0), PARIS, DEFAULT) == monday_nine
    assert next_allowed(local(PARIS, 2026, 11, 30, 0, 30), PARIS, DEFAULT) == monday_nine


def test_sundays_can_be_allowed() -> None:
    assert next_allowed(local(PARIS, 2026, 11, 28, 21, 0), PARIS, WEEKDAYS_ONLY_NIGHTS) == \
        local(PARIS, 2026, 11, 29, 9, 0)
    assert is_allowed(local(PARIS, 2026, 11, 29, 12, 0), PARIS, WEEKDAYS_ONLY_NIGHTS)


def test_a_window_inside_the_day() -> None:
    lunch = QuietHours(start=time(12, 0), end=time(14, 0), sundays_off=False)
    assert next_allowed(local(PARIS, 2026, 11, 27, 13, 0), PARIS, lunch) == \
        local(PARIS, 2026, 11, 27, 14, 0)
    assert is_allowed(local(PARIS, 2026, 11, 27, 23, 0), PARIS, lunch)
    assert is_allowed(local(PARIS, 2026, 11, 27, 3, 0), PARIS, lunch)


def test_equal_start_and_end_mean_only_sundays() -> None:
    none = QuietHours(start=time(9, 0), end=time(9, 0))
    assert is_allowed(local(PARIS, 2026, 11, 27, 23, 0), PARIS, none)
    assert next_allowed(local(PARIS, 2026, 11, 29, 23, 0), PARIS, none) == \
        local(PARIS, 2026, 11, 30, 0, 0)


def test_a_naive_moment_or_a_zoned_window_is_refused() -> None:
    with pytest.raises(ValueError):
        next_allowed(datetime(2026, 11, 27, 12, 0), PARIS, DEFAULT)
    with pytest.raises(ValueError):
        QuietHours(start=time(20, 0, tzinfo=UTC))


def test_a_moment_in_another_zone_is_read_as_the_same_instant() -> None:
    moment = datetime(2026, 11, 27, 21, 0, tzinfo=PARIS)
    assert next_allowed(moment, PARIS, DEFAULT) == local(PARIS, 2026, 11, 28, 9, 0)


# --------------------------------------------------------------------------- other zones


def test_cayenne_reunion_and_noumea_use_their_own_nights() -> None:
    # 22:00 UTC on a Friday: 19:00 in Cayenne (allowed), 02:00 on Saturday in Réunion
    # (held to 09:00 there) and 09:00 on Saturday in Nouméa (allowed).
    moment = utc(2026, 11, 27, 22, 0)
    cayenne, reunion, noumea = (ZoneInfo(z) for z in
                                ("America/Cayenne", "Indian/Reunion", "Pacific/Noumea"))
    assert next_allowed(moment, cayenne, DEFAULT) == moment
    assert next_allowed(moment, reunion, DEFAULT) == utc(2026, 11, 28, 5, 0)
    assert next_allowed(moment, noumea, DEFAULT) == moment


def test_noumea_monday_morning_is_sunday_in_utc() -> None:
    noumea = ZoneInfo("Pacific/Noumea")
    saturday_night = local(noumea, 2026, 11, 28, 20, 0)
    assert next_allowed(saturday_night, noumea, DEFAULT) == utc(2026, 11, 29, 22, 0)


# --------------------------------------------------------------------------- clock changes


def test_paris_spring_forward_over_the_end_of_the_window() -> None:
    # 29 March 2026, 02:00 CET becomes 03:00 CEST: 02:30 never happens, so a window ending
    # at 02:30 ends when the clock jumps, at 01:00 UTC.
    early = QuietHours(start=time(1, 0), end=time(2, 30), sundays_off=False)
    assert next_allowed(local(PARIS, 2026, 3, 29, 1, 15), PARIS, early) == utc(2026, 3, 29, 1, 0)


def test_paris_spring_forward_night() -> None:
    assert next_allowed(local(PARIS, 2026, 3, 28, 22, 0), PARIS, WEEKDAYS_ONLY_NIGHTS) == \
        utc(2026, 3, 29, 7, 0)
    assert next_allowed(local(PARIS, 2026, 3, 28, 22, 0), PARIS, DEFAULT) == \
        utc(2026, 3, 30, 7, 0)


def test_paris_fall_back_repeats_the_window() -> None:
    # 25 October 2026, 03:00 CEST becomes 02:00 CET: 02:00-02:30 happens twice.
    early = QuietHours(start=time(2, 0), end=time(2, 30), sundays_off=False)
    assert next_allowed(utc(2026, 10, 25, 0, 10), PARIS, early) == utc(2026, 10, 25, 0, 30)
    assert next_allowed(utc(2026, 10, 25, 0, 40), PARIS, early) == utc(2026, 10, 25, 0, 40)
    # The second 02:10, in winter time, is quiet again until the second 02:30.
    assert next_allowed(utc(2026, 10, 25, 1, 10), PARIS, early) == utc(2026, 10, 25, 1, 30)


def test_paris_fall_back_night() -> None:
    assert next_allowed(local(PARIS, 2026, 10, 24, 22, 0), PARIS, WEEKDAYS_ONLY_NIGHTS) == \
        utc(2026, 10, 25, 8, 0)


def test_a_clock_turned_back_out_of_the_window() -> None:
    # Santiago turns its clocks back at midnight: Saturday 23:59:59 -03 is followed by
    # Saturday 23:00 -04, which is before a window starting at 23:30.
    santiago = ZoneInfo("America/Santiago")
    late = QuietHours(start=time(23, 30), end=time(6, 0))
    assert next_allowed(utc(2026, 4, 5, 2, 45), santiago, late) == utc(2026, 4, 5, 3, 0)


def test_a_skipped_day() -> None:
    # Samoa skipped Friday 30 December 2011: Thursday evening is held to Saturday morning.
    apia = ZoneInfo("Pacific/Apia")
    assert next_allowed(utc(2011, 12, 30, 8, 0), apia, DEFAULT) == utc(2011, 12, 30, 19, 0)


# --------------------------------------------------------------------------- properties

ZONES = [ZoneInfo(z) for z in (
    "Europe/Paris", "America/Cayenne", "Indian/Reunion", "Pacific/Noumea", "Indian/Mayotte",
    "America/Martinique", "America/Santiago", "Pacific/Apia", "Australia/Lord_Howe",
    "America/St_Johns", "Asia/Kathmandu", "Pacific/Chatham", "America/New_York", "UTC")]

# Instants where some of those zones change their offset, to look closely around them.
CHANGES = [utc(2026, 3, 29, 1, 0), utc(2026, 10, 25, 1, 0), utc(2026, 4, 5, 3, 0),
           utc(2026, 9, 6, 4, 0), utc(2011, 12, 30, 10, 0), utc(2026, 4, 4, 15, 0),
           utc(2026, 10, 3, 15, 30), utc(2026, 3, 8, 7, 0), utc(2026, 11, 1, 6, 0)]

moments = st.one_of(
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2037, 12, 31))
    .map(lambda d: d.replace(tzinfo=UTC)),
    st.builds(lambda at, minutes, micro: at + timedelta(minutes=minutes, microseconds=micro),
              st.sampled_from(CHANGES), st.integers(-3000, 3000), st.integers(0, 999_999)),
)
minute_times = st.builds(time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45, 59]))
rules = st.one_of(
    st.sampled_from([DEFAULT, WEEKDAYS_ONLY_NIGHTS]),
    st.builds(QuietHours, minute_times, minute_times, st.booleans()),
    st.builds(QuietHours, st.times(), st.times(), st.booleans()),
)


@settings(max_examples=120, deadline=None)
@given(moments, st.sampled_from(ZONES), rules)
def test_the_result_is_the_earliest_allowed_moment(
        moment: datetime, zone: ZoneInfo, quiet: QuietHours) -> None:
    result = next_allowed(moment, zone, quiet)
    assert result >= moment
    assert result.tzinfo is UTC
    assert is_allowed(result, zone, quiet)
    assert next_allowed(result, zone, quiet) == result
    # Nothing allowed in between, at minute granularity, nor a microsecond before.
    probe = moment
    while probe < result:
        assert not is_allowed(probe, zone, quiet), probe
        probe += timedelta(minutes=1)
    if result > moment:
        assert not is_allowed(result - timedelta(microseconds=1), zone, quiet)


@settings(max_examples=100, deadline=None)
@given(moments, st.sampled_from(ZONES))
def test_the_default_hold_is_short(moment: datetime, zone: ZoneInfo) -> None:
    # Saturday 20:00 to Monday 09:00 is the longest hold (37 hours, 38 across a change).
    assert next_allowed(moment, zone, DEFAULT) - moment <= timedelta(hours=38)
