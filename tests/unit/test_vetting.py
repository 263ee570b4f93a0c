"""The safeguarding rules at their boundaries: the minimum age, who counts as a minor, when a
criminal-record check is valid and when its renewal is asked."""

from __future__ import annotations

from datetime import date

import pytest

from mentoring.errors import InvalidAnswer
from mentoring.vetting import (
    CheckRefused,
    Safeguarding,
    add_months,
    birth_year_choices,
    is_minor,
    parse_birth_year,
    parse_check_date,
)

POLICY = Safeguarding(min_age=16, check_valid_months=12)


@pytest.mark.parametrize(("today", "refused"), [
    (date(2025, 12, 31), True),   # the day before the year they turn 16
    (date(2026, 1, 1), False),    # the day it begins
    (date(2026, 1, 2), False),    # the day after
])
def test_minimum_age_counts_from_the_year_one_turns_it(today: date, refused: bool) -> None:
    assert POLICY.too_young(2010, today) is refused


def test_a_higher_minimum_age_refuses_more() -> None:
    assert Safeguarding(min_age=18).too_young(2009, date(2026, 6, 1))
    assert not Safeguarding(min_age=18).too_young(2008, date(2026, 6, 1))


@pytest.mark.parametrize(("today", "minor"), [
    (date(2026, 12, 31), True),   # may still be 17 until the end of the year they turn 18
    (date(2027, 1, 1), False),    # certainly 18 from the first of January after
    (date(2027, 1, 2), False),
])
def test_a_student_counts_as_a_minor_while_they_may_be_17(today: date, minor: bool) -> None:
    assert is_minor(2008, today) is minor


def test_an_unknown_year_of_birth_is_not_a_minor() -> None:
    assert not is_minor(None, date(2026, 6, 1))


@pytest.mark.parametrize(("today", "valid"), [
    (date(2025, 12, 3), False),   # before the check's own date
    (date(2025, 12, 4), True),    # its date
    (date(2026, 12, 3), True),    # the day before it expires
    (date(2026, 12, 4), False),   # the day it expires
    (date(2026, 12, 5), False),   # the day after
])
def test_a_check_is_valid_for_twelve_months(today: date, valid: bool) -> None:
    assert POLICY.check_valid(date(2025, 12, 4), today) is valid
    assert not POLICY.check_valid(None, today)


def test_renewal_is_asked_a_month_before_expiry() -> None:
    assert POLICY.renewal_due_on(date(2025, 12, 4)) == date(2026, 11, 4)
    assert POLICY.check_expires_on(date(2025, 12, 4)) == date(2026, 12, 4)
    assert Safeguarding(check_valid_months=6).check_expires_on(date(2026, 1, 10)) == date(
        2026, 7, 10)


def test_months_are_added_to_the_last_day_of_a_shorter_month() -> None:
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2025, 3, 31), -1) == date(2025, 2, 28)
    assert add_months(date(2025, 12, 15), 1) == date(2026, 1, 15)


def test_the_year_grid_goes_from_15_to_30_years_ago() -> None:
    years = birth_year_choices(date(2026, 12, 4))
    assert years[0] == 2011 and years[-1] == 1996 and len(years) == 16


@pytest.mark.parametrize(("raw", "reason"), [
    ("abcd", "not_a_year"), ("08", "not_a_year"), ("20 08", "not_a_year"),
    ("2027", "future_year"), ("1900", "not_a_year"), ("", "not_a_year"),
])
def test_a_wrong_year_of_birth_says_why(raw: str, reason: str) -> None:
    with pytest.raises(InvalidAnswer) as error:
        parse_birth_year(raw, date(2026, 12, 4))
    assert error.value.reason == reason


def test_a_year_of_birth_is_read_with_spaces_around() -> None:
    assert parse_birth_year(" 2008 ", date(2026, 12, 4)) == 2008


@pytest.mark.parametrize(("raw", "reason"), [
    ("yesterday", "not_a_date"), ("31/02/2026", "not_a_date"), ("2026-13-01", "not_a_date"),
    ("2026-12-05", "future"),     # the day after today
    ("2025-12-04", "expired"),    # a check of exactly twelve months ago expires today
])
def test_a_wrong_check_date_says_why(raw: str, reason: str) -> None:
    with pytest.raises(CheckRefused) as error:
        parse_check_date(raw, date(2026, 12, 4), POLICY)
    assert error.value.reason == reason


def test_check_dates_are_read_in_both_ways() -> None:
    today = date(2026, 12, 4)
    assert parse_check_date("2026-12-04", today, POLICY) == today  # today itself
    assert parse_check_date("05/12/2025", today, POLICY) == date(2025, 12, 5)  # last valid day
