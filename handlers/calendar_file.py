"""The calendar file (iCalendar, RFC 5545) sent with a meeting's confirmation, move or cancel.

One UID per meeting, whatever changes, and its SEQUENCE, so a calendar app updates the event
it already holds. Times carry the recipient's time zone (TZID, with its VTIMEZONE from the tz
database), so the event stays right across a daylight-saving change.
"""

from __future__ import annotations

from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vCalAddress

from mentoring.meetings import Meeting

ORGANIZER = "mailto:rdv@binome.invalid"
"""Calendar apps want an organizer for an invitation; the bot has no address, so this one
leads nowhere (``.invalid`` is reserved for that)."""


def uid(meeting: Meeting) -> str:
    return f"meeting-{meeting.id}@binome"


def calendar_file(meeting: Meeting, zone: ZoneInfo, title: str, description: str, *,
                  cancel: bool = False) -> bytes:
    """The .ics of ``meeting`` for someone in ``zone``: METHOD REQUEST (a new or moved
    meeting) or CANCEL."""
    calendar = Calendar()
    calendar.add("prodid", "-//Binome//meetings//FR")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "CANCEL" if cancel else "REQUEST")
    event = Event()
    event.add("uid", uid(meeting))
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", meeting.updated_at.astimezone(UTC))
    if meeting.starts_at is not None:
        start = meeting.starts_at.astimezone(zone)
        event.add("dtstart", start)
        event.add("dtend", start + timedelta(minutes=meeting.minutes))
    event.add("summary", title)
    event.add("description", description)
    event.add("status", "CANCELLED" if cancel else "CONFIRMED")
    organizer = vCalAddress(ORGANIZER)
    organizer.params["cn"] = "Binôme"
    event.add("organizer", organizer)
    calendar.add_component(event)
    if meeting.starts_at is not None:
        day = meeting.starts_at.date()
        calendar.add_missing_timezones(first_date=day - timedelta(days=366),
                                       last_date=day + timedelta(days=366))
    return bytes(calendar.to_ical())
