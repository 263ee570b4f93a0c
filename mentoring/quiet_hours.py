"""Quiet hours: nobody in the programme gets a message from the bot at night or on Sunday.

A message that falls due in the quiet window is held to the next allowed moment, never
dropped. The window is read on the recipient's own wall clock (``zone``), because a
volunteer in Nouméa and a student in Cayenne do not sleep at the same UTC hours.

The wall clock is not a continuous function of UTC time: on a daylight-saving change it
jumps forward (some local times never happen) or back (some happen twice), and once in a
while a whole day is skipped (Samoa, December 2011). So :func:`next_allowed` does not
convert a target wall time back to UTC, which is ambiguous exactly on those days; it walks
forward in UTC instead, from one place where the answer can change to the next: a wall
clock boundary (midnight, ``start``, ``end``) or a change of the zone's UTC offset.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

_PROBE = timedelta(hours=1)
"""How often the UTC offset is sampled when looking for its next change.

Since 1970 no zone of the tz database changes its offset twice within six days, so one
sample an hour cannot step over a change and back again."""

_HORIZON = timedelta(days=14)
"""How far ahead an allowed moment is looked for; the longest hold (Saturday evening to
Monday morning) is under two days, so reaching this means the rules allow no moment."""


@dataclass(frozen=True)
class QuietHours:
    """When the bot stays silent, in the recipient's local time.

    From ``start`` to ``end`` is quiet: overnight when ``start`` is after ``end`` (the
    default, 20:00 to 09:00 the next morning), within the day when ``start`` is before
    ``end`` (12:00 to 14:00, say). ``start == end`` means no daily window. When
    ``sundays_off``, Sunday is quiet from midnight to midnight.
    """

    start: time = time(20, 0)
    end: time = time(9, 0)
    sundays_off: bool = True

    def __post_init__(self) -> None:
        # The window is read on the recipient's wall clock; a time with its own zone
        # would silently mean something else, and cannot be compared with a naive one.
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("quiet hours are wall-clock times: give them without a zone")

    def is_quiet_at(self, wall: datetime) -> bool:
        """Whether the local wall-clock time ``wall`` (naive) is inside the quiet window."""
        if self.sundays_off and wall.weekday() == 6:
            return True
        now = wall.time()
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= now < self.end
        return now >= self.start or now < self.end


def is_allowed(moment: datetime, zone: ZoneInfo, rules: QuietHours) -> bool:
    """Whether a message may be delivered at ``moment`` (timezone-aware) to someone in
    ``zone``."""
    _require_aware(moment)
    return not rules.is_quiet_at(_wall(moment, zone))


def next_allowed(moment: datetime, zone: ZoneInfo, rules: QuietHours) -> datetime:
    """The earliest UTC instant at or after ``moment`` outside the quiet window in ``zone``.

    ``moment`` must be timezone-aware (normally UTC); the result is in UTC, and equals
    ``moment`` when it is already allowed.
    """
    _require_aware(moment)
    current = moment.astimezone(UTC)
    limit = current + _HORIZON
    while current <= limit:
        local = current.astimezone(zone)
        wall = local.replace(tzinfo=None)
        if not rules.is_quiet_at(wall):
            return current
        # While the offset holds, the wall clock runs with UTC, and the answer cannot
        # change before the wall clock reaches the next boundary.
        boundary = current + (_next_boundary(wall, rules) - wall)
        change = _first_offset_change(current, boundary, zone, local.utcoffset())
        current = boundary if change is None else change
    raise ValueError("these quiet hours leave no moment to send anything")


def _require_aware(moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("moment must be timezone-aware (UTC)")


def _wall(moment: datetime, zone: ZoneInfo) -> datetime:
    return moment.astimezone(zone).replace(tzinfo=None)


def _offset(moment: datetime, zone: ZoneInfo) -> timedelta | None:
    return moment.astimezone(zone).utcoffset()


def _next_boundary(wall: datetime, rules: QuietHours) -> datetime:
    """The first wall-clock time after ``wall`` where being quiet may change: ``start`` or
    ``end`` later the same day, else the next midnight (which also changes the weekday)."""
    midnight = datetime.combine(wall.date() + timedelta(days=1), time())
    candidates = [datetime.combine(wall.date(), t) for t in (rules.start, rules.end)]
    return min([c for c in candidates if c > wall] + [midnight])


def _first_offset_change(after: datetime, until: datetime, zone: ZoneInfo,
                         offset: timedelta | None) -> datetime | None:
    """The first instant in (``after``, ``until``] whose UTC offset in ``zone`` is not
    ``offset``, to the microsecond; None when the offset holds all along."""
    low = after
    while low < until:
        high = min(low + _PROBE, until)
        if _offset(high, zone) != offset:
            # The offset is ``offset`` at ``low`` and another at ``high``: bisect.
            while high - low > timedelta(microseconds=1):
                middle = low + (high - low) / 2
                if _offset(middle, zone) == offset:
                    low = middle
                else:
                    high = middle
            return high
        low = high
    return None
