"""Meetings of a pair: one member proposes up to three slots and a kind, the partner picks one,
either can move or cancel it, and both are reminded the day before and an hour before.

Pure rules here: which days and times to offer (the proposer's stated availability, on their
own wall clock), reading a typed date such as ``mardi 18h30`` or ``tuesday 6:30pm``, and when
each reminder is due. Times are UTC everywhere but on the wall clock they are read from.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from mentoring.quiet_hours import QuietHours, next_allowed

MAX_SLOTS = 3
MINUTES = 60
"""How long a meeting is planned for, in the calendar file and for what comes after it."""
DAYS_OFFERED = 10
"""How many days ahead the day buttons reach (a typed date may go further)."""
FURTHEST = timedelta(days=90)
EARLIEST = timedelta(minutes=30)
"""A slot must start at least this long after it is proposed."""
DAY_BEFORE, HOUR_BEFORE = timedelta(days=1), timedelta(hours=1)


class Kind(StrEnum):
    CALL = "call"
    VIDEO = "video"
    IN_PERSON = "in_person"


class Status(StrEnum):
    PROPOSED = "proposed"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    HELD = "held"
    MISSED = "missed"


class Stage(StrEnum):
    """Which reminder."""

    DAY = "day"
    HOUR = "hour"


@dataclass(frozen=True)
class Meeting:
    id: int
    pair_id: int
    proposed_by: int | None
    kind: Kind
    status: Status
    slots: tuple[datetime, ...]
    starts_at: datetime | None
    timezone: str
    created_at: datetime
    updated_at: datetime
    minutes: int = MINUTES
    sequence: int = 0
    """Grows with every change once a time was agreed: the calendar file's SEQUENCE, and
    what tells a reminder queued before a move that it is stale."""
    changed_by: int | None = None

    @property
    def ends_at(self) -> datetime | None:
        return self.starts_at + timedelta(minutes=self.minutes) if self.starts_at else None

    @property
    def ever_agreed(self) -> bool:
        """Whether a time was agreed at some point, so calendars may hold it."""
        return self.status is Status.CONFIRMED or self.sequence > 0


@dataclass(frozen=True)
class Person:
    """A member as the meetings see them."""

    user_id: int
    first_name: str
    zone: ZoneInfo
    availability: tuple[str, ...] = ()


@dataclass(frozen=True)
class PairView:
    pair_id: int
    student_id: int
    volunteer_id: int
    active: bool
    frozen: bool = False
    """A report about the pair is open: its reminders wait for staff."""

    def partner_of(self, user_id: int) -> int | None:
        if user_id == self.student_id:
            return self.volunteer_id
        if user_id == self.volunteer_id:
            return self.student_id
        return None


# What each availability code of the sign-up form means on the wall clock.
_WEEKDAY_TIMES = {
    "weekday_morning": (time(9), time(10), time(11)),
    "weekday_noon": (time(12), time(12, 30), time(13)),
    "weekday_afternoon": (time(14), time(15), time(16), time(17)),
    "weekday_evening": (time(18), time(18, 30), time(19), time(19, 30), time(20)),
}
_WEEKEND_TIMES = (time(10), time(11), time(14), time(15), time(16), time(17), time(18))


def times_on(day: date, availability: tuple[str, ...] | list[str]) -> list[time]:
    """The start times offered on ``day`` by the stated ``availability`` (every usual time
    when nothing was stated)."""
    codes = set(availability) or set(_WEEKDAY_TIMES) | {"saturday", "sunday"}
    weekday = day.weekday()
    if weekday == 5:
        return list(_WEEKEND_TIMES) if "saturday" in codes else []
    if weekday == 6:
        return list(_WEEKEND_TIMES) if "sunday" in codes else []
    found = {t for code in codes for t in _WEEKDAY_TIMES.get(code, ())}
    return sorted(found)


def at_wall(day: date, moment: time, zone: ZoneInfo) -> datetime | None:
    """``day`` at ``moment`` on ``zone``'s wall clock, in UTC; None when that wall time does
    not happen (the hour skipped when clocks go forward). A time that happens twice (clocks
    going back) is the first one."""
    local = datetime.combine(day, moment, tzinfo=zone)
    back = local.astimezone(UTC).astimezone(zone)
    if back.replace(tzinfo=None) != local.replace(tzinfo=None):
        return None
    return local.astimezone(UTC)


def offered_times(day: date, person: Person, now: datetime) -> list[datetime]:
    """The slots (UTC) the buttons offer on ``day``: the person's availability that day,
    each at least ``EARLIEST`` from now."""
    found = []
    for moment in times_on(day, person.availability):
        at = at_wall(day, moment, person.zone)
        if at is not None and at >= now + EARLIEST:
            found.append(at)
    return found


def offered_days(person: Person, now: datetime) -> list[date]:
    """The next days (the person's own calendar) with at least one slot to offer; when their
    availability allows none at all, every usual time counts instead."""
    today = now.astimezone(person.zone).date()
    days = [today + timedelta(days=n) for n in range(DAYS_OFFERED + 1)]
    found = [d for d in days if offered_times(d, person, now)]
    if found or not person.availability:
        return found[:DAYS_OFFERED]
    return offered_days(replace(person, availability=()), now)


class WhenError(StrEnum):
    """Why a typed date was not taken."""

    UNREADABLE = "unreadable"
    NO_TIME = "no_time"
    PAST = "past"
    TOO_FAR = "too_far"
    SKIPPED = "skipped"  # a wall time the clocks jump over


class BadWhen(ValueError):
    def __init__(self, reason: WhenError) -> None:
        super().__init__(reason.value)
        self.reason = reason


_WEEKDAYS = {
    "lundi": 0, "mardi": 1, "mercredi": 2, "jeudi": 3, "vendredi": 4, "samedi": 5,
    "dimanche": 6, "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4,
    "saturday": 5, "sunday": 6, "lun": 0, "mer": 2, "jeu": 3, "ven": 4, "sam": 5, "dim": 6,
    "mon": 0, "tue": 1, "tues": 1, "wed": 2, "thu": 3, "thur": 3, "thurs": 3, "fri": 4,
    "sat": 5, "sun": 6,
}
_MONTHS = {
    "janvier": 1, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6, "juillet": 7,
    "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11, "decembre": 12,
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "janv": 1, "jan": 1, "fevr": 2, "fev": 2, "feb": 2, "mar": 3, "avr": 4, "apr": 4,
    "juil": 7, "jul": 7, "jun": 6, "aug": 8, "sept": 9, "sep": 9, "oct": 10, "nov": 11,
    "dec": 12,
}
_RELATIVE = {"aujourd'hui": 0, "aujourdhui": 0, "today": 0, "demain": 1, "tomorrow": 1,
             "apres-demain": 2}
_ISO = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
_NUMERIC = re.compile(r"\b(\d{1,2})/(\d{1,2})(?:/(\d{2}|\d{4}))?\b")
_NAMED = re.compile(r"\b(\d{1,2})(?:er)?\s+([a-z]+)\.?(?:\s+(\d{4}))?\b")
_CLOCK = re.compile(r"\b(\d{1,2})\s*(?:(?:h|:|\.)\s*(\d{2})?|(?=\s*[ap]\.?m\b))\s*([ap])?\.?(m)?\b")
_NOON = re.compile(r"\b(midi|noon)\b")


def _plain(text: str) -> str:
    """Lower case, without accents, with the apostrophes people type."""
    text = unicodedata.normalize("NFKD", text.lower().replace("’", "'"))
    return "".join(c for c in text if not unicodedata.combining(c))


def _day_of(text: str, today: date) -> tuple[date | None, int | None, str]:
    """(a calendar date, or a weekday, and the text left to read the time from)."""
    if found := _ISO.search(text):
        year, month, day = (int(g) for g in found.groups())
        return _checked_date(year, month, day), None, text.replace(found.group(0), " ")
    if found := _NUMERIC.search(text):
        day, month = int(found.group(1)), int(found.group(2))
        year = _year(found.group(3), today, month, day)
        return _checked_date(year, month, day), None, text.replace(found.group(0), " ")
    for named in _NAMED.finditer(text):
        number = _MONTHS.get(named.group(2))
        if number is not None:
            day = int(named.group(1))
            year = _year(named.group(3), today, number, day)
            return _checked_date(year, number, day), None, text.replace(named.group(0), " ")
    for word, days in _RELATIVE.items():
        if re.search(rf"(?<![\w']){re.escape(word)}(?![\w'])", text):
            return today + timedelta(days=days), None, text.replace(word, " ")
    for word in re.findall(r"[a-z]+", text):
        if word in _WEEKDAYS:
            return None, _WEEKDAYS[word], text
    raise BadWhen(WhenError.UNREADABLE)


def _year(given: str | None, today: date, month: int, day: int) -> int:
    if given:
        return int(given) + (2000 if len(given) == 2 else 0)
    candidate = _checked_date(today.year, month, day)
    return today.year + 1 if candidate < today else today.year


def _checked_date(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise BadWhen(WhenError.UNREADABLE) from None


def _time_of(text: str) -> time:
    if _NOON.search(text):
        return time(12)
    found = _CLOCK.search(text)
    if found is None:
        raise BadWhen(WhenError.NO_TIME)
    hour, minute = int(found.group(1)), int(found.group(2) or 0)
    half = found.group(3)
    if half is not None:
        if not 1 <= hour <= 12:
            raise BadWhen(WhenError.UNREADABLE)
        hour = hour % 12 + (12 if half == "p" else 0)
    if hour > 23 or minute > 59:
        raise BadWhen(WhenError.UNREADABLE)
    return time(hour, minute)


def read_when(text: str, now: datetime, zone: ZoneInfo) -> datetime:
    """A typed date and time (``mardi 18h30``, ``tuesday 6:30pm``, ``demain 9h``,
    ``12/01 14:00``, ``8 décembre 18h``) on ``zone``'s wall clock, as UTC. A weekday alone is
    its next one still to come. Raises :class:`BadWhen`, saying why."""
    plain = _plain(text)
    today = now.astimezone(zone).date()
    day, weekday, rest = _day_of(plain, today)
    moment = _time_of(rest)
    if day is None:
        assert weekday is not None
        day = today + timedelta(days=(weekday - today.weekday()) % 7)
        candidate = at_wall(day, moment, zone)
        if candidate is not None and candidate < now + EARLIEST:
            day += timedelta(days=7)
    at = at_wall(day, moment, zone)
    if at is None:
        raise BadWhen(WhenError.SKIPPED)
    if at < now + EARLIEST:
        raise BadWhen(WhenError.PAST)
    if at > now + FURTHEST:
        raise BadWhen(WhenError.TOO_FAR)
    return at


def asker(meeting: Meeting) -> int | None:
    """Who asked for the slots now on the table: who moved it last, else who proposed."""
    if meeting.sequence > 0 and meeting.changed_by:
        return meeting.changed_by
    return meeting.proposed_by


def with_slot(slots: list[datetime], slot: datetime) -> list[datetime]:
    """``slots`` with ``slot`` added once, in time order, at most ``MAX_SLOTS``."""
    if slot in slots or len(slots) >= MAX_SLOTS:
        return sorted(slots)
    return sorted([*slots, slot])


@dataclass(frozen=True)
class Reminder:
    stage: Stage
    recipient_id: int
    due_at: datetime


def reminders(meeting: Meeting, people: list[Person], quiet: QuietHours) -> list[Reminder]:
    """The reminders of a confirmed meeting: the day before, at the first moment outside the
    recipient's quiet hours from the same time of day the day before on their wall clock
    (23 or 25 hours before across a daylight-saving change; left out when that comes less
    than an hour before the hour-before one), and an hour before, whatever the hour (they
    chose it)."""
    if meeting.status is not Status.CONFIRMED or meeting.starts_at is None:
        return []
    starts = meeting.starts_at
    found = []
    for person in people:
        day = next_allowed(day_before(starts, person.zone), person.zone, quiet)
        if day < starts - 2 * HOUR_BEFORE:
            found.append(Reminder(Stage.DAY, person.user_id, day))
        found.append(Reminder(Stage.HOUR, person.user_id, starts - HOUR_BEFORE))
    return found


def day_before(moment: datetime, zone: ZoneInfo) -> datetime:
    """The same wall-clock time the day before in ``zone`` (24 hours before when that time
    did not exist that day)."""
    local = moment.astimezone(zone)
    found = at_wall(local.date() - timedelta(days=1), local.time().replace(tzinfo=None), zone)
    return found or moment - DAY_BEFORE


def due_reminders(meeting: Meeting, people: list[Person], quiet: QuietHours,
                  now: datetime) -> list[Reminder]:
    """The reminders whose moment has come and whose meeting has not begun; a day-before
    reminder is no longer due once the hour-before one is."""
    starts = meeting.starts_at
    due = []
    for reminder in reminders(meeting, people, quiet):
        assert starts is not None
        ends = starts - HOUR_BEFORE if reminder.stage is Stage.DAY else starts
        if reminder.due_at <= now < ends:
            due.append(reminder)
    return due


def reminder_key(meeting: Meeting, reminder: Reminder) -> str:
    """One key per meeting, version, stage and recipient: a tick that runs twice, or a replay
    with ``binome tick --at``, queues a reminder once; a moved meeting gets new ones."""
    return (f"meeting-reminder:{meeting.id}:{meeting.sequence}:{reminder.stage.value}:"
            f"{reminder.recipient_id}")


def still_current(meeting: Meeting | None, sequence: int) -> bool:
    """Whether a reminder queued for version ``sequence`` of ``meeting`` still applies."""
    return (meeting is not None and meeting.status is Status.CONFIRMED
            and meeting.sequence == sequence)


@dataclass
class Draft:
    """A proposal being put together: the pair, the slots picked so far, and the meeting it
    replaces (a counter-proposal or a move)."""

    pair_id: int
    slots: list[datetime] = field(default_factory=list)
    replaces: int | None = None
    kind: Kind | None = None
    """Known already when moving: the kind is kept."""
    moving: bool = False
    """``replaces`` is moved to new slots (the same meeting), rather than answered with other
    slots (a new meeting, the first one dropped)."""

    def as_data(self) -> dict[str, object]:
        return {"pair_id": self.pair_id, "slots": [s.isoformat() for s in self.slots],
                "replaces": self.replaces, "kind": self.kind.value if self.kind else None,
                "moving": self.moving}

    @classmethod
    def from_data(cls, data: dict[str, object]) -> Draft | None:
        """The draft kept in the conversation state; None when there is none."""
        pair = data.get("pair_id")
        if not isinstance(pair, int):
            return None
        raw, replaces, kind = data.get("slots"), data.get("replaces"), data.get("kind")
        slots = [datetime.fromisoformat(str(s)) for s in raw] if isinstance(raw, list) else []
        return cls(pair, slots, replaces if isinstance(replaces, int) else None,
                   Kind(kind) if isinstance(kind, str) else None, data.get("moving") is True)
