"""What the meetings say and their buttons: the slots in the reader's own time, the
proposal, the confirmation with its calendar file, the cancellation and the reminders. Shared
by the replies (handlers/meetings.py) and the outbox (bot/meetings.py)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from aiogram.types import BufferedInputFile, InlineKeyboardMarkup
from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from babel.dates import format_datetime

from handlers.calendar_file import calendar_file
from handlers.callbacks import MeetAnswer, MeetPlan
from handlers.markup import Markup, bold, lines, t
from mentoring.meetings import Draft, Kind, Meeting, Person, WhenError, offered_days

ICS_NAME = "binome-meeting.ics"


def kind_label(kind: Kind) -> str:
    return {Kind.CALL: _("📞 Phone call"), Kind.VIDEO: _("🎥 Video call"),
            Kind.IN_PERSON: _("🤝 In person")}[kind]


def when(moment: datetime, zone: ZoneInfo, home: str | None = None) -> str:
    """A moment as its reader says it, on their own wall clock; the zone is named when it
    is not the programme's."""
    locale = get_i18n().current_locale
    text = format_datetime(moment.astimezone(zone).replace(tzinfo=None), "EEEE d MMMM, HH:mm",
                           locale=locale)
    return f"{text} ({zone.key})" if home and zone.key != home else text


def day_label(day: date) -> str:
    return format_datetime(datetime.combine(day, datetime.min.time()), "EEE d MMM",
                           locale=get_i18n().current_locale)


def when_mistake(reason: WhenError) -> Markup:
    return {
        WhenError.UNREADABLE: t("I could not read that date: write a day and a time, such as "
                                "“Tuesday 6:30pm” or “12/01 14:00”, or use the buttons."),
        WhenError.NO_TIME: t("Which time? Add it to the day, such as “Tuesday 6:30pm”."),
        WhenError.PAST: t("That time has already passed (or is too close): pick a later one."),
        WhenError.TOO_FAR: t("That is more than three months away: pick a nearer date."),
        WhenError.SKIPPED: t("That time does not exist that day: the clocks go forward. "
                             "Pick another time."),
    }[reason]


def answer_buttons(meeting: Meeting, zone: ZoneInfo) -> InlineKeyboardMarkup:
    """The partner's answer to a proposal: one slot, or other slots of their own."""
    kb = InlineKeyboardBuilder()
    for index, slot in enumerate(meeting.slots):
        kb.button(text=when(slot, zone),
                  callback_data=MeetAnswer(id=meeting.id, action="pick", value=index,
                                           seq=meeting.sequence))
    kb.button(text=_("🔁 Propose other times"),
              callback_data=MeetAnswer(id=meeting.id, action="other"))
    kb.adjust(1)
    return kb.as_markup()


def change_buttons(meeting: Meeting) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("🔁 Move"), callback_data=MeetAnswer(id=meeting.id, action="move"))
    kb.button(text=_("✖️ Cancel"), callback_data=MeetAnswer(id=meeting.id, action="cancel"))
    return kb.as_markup()


def withdraw_button(meeting: Meeting) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("✖️ Cancel"), callback_data=MeetAnswer(id=meeting.id, action="cancel"))
    return kb.as_markup()


def proposal_text(meeting: Meeting, partner: Person, *, moved: bool) -> Markup:
    if moved:
        return t("{name} would like to move your meeting ({kind}). Pick a new time:").format(
            name=partner.first_name, kind=kind_label(meeting.kind))
    return t("{name} proposes a meeting ({kind}). Pick the time that suits you:").format(
        name=partner.first_name, kind=kind_label(meeting.kind))


def confirmed_text(meeting: Meeting, partner: Person, zone: ZoneInfo, home: str) -> Markup:
    assert meeting.starts_at is not None
    return lines(
        t("✅ Meeting confirmed with {name}: {when} ({kind}).").format(
            name=partner.first_name, when=bold(when(meeting.starts_at, zone, home)),
            kind=kind_label(meeting.kind)),
        t("Add it to your calendar with the file. I will remind you the day before and an "
          "hour before."))


def event_title(partner: Person) -> str:
    return str(t("Binôme meeting with {name}").format(name=partner.first_name))


def meeting_file(meeting: Meeting, partner: Person, zone: ZoneInfo, *,
                 cancel: bool = False) -> BufferedInputFile:
    data = calendar_file(meeting, zone, event_title(partner), kind_label(meeting.kind),
                         cancel=cancel)
    return BufferedInputFile(data, filename=ICS_NAME)


def cancelled_text(meeting: Meeting, partner: Person, zone: ZoneInfo, home: str, *,
                   by_partner: bool) -> Markup:
    moment = (bold(when(meeting.starts_at, zone, home)) if meeting.starts_at
              else kind_label(meeting.kind))
    if by_partner:
        return t("{name} cancelled your meeting ({when}). Send /meet to propose another "
                 "one.").format(name=partner.first_name, when=moment)
    return t("Cancelled ({when}): {name} is told.").format(name=partner.first_name,
                                                             when=moment)


def ended_text(meeting: Meeting, partner: Person, zone: ZoneInfo, home: str) -> Markup:
    assert meeting.starts_at is not None
    return t("Your binôme with {name} has ended, so your meeting of {when} is cancelled: the "
             "file takes it out of your calendar.").format(
        name=partner.first_name, when=bold(when(meeting.starts_at, zone, home)))


def reminder_text(meeting: Meeting, partner: Person, zone: ZoneInfo, home: str,
                  stage: str) -> Markup:
    assert meeting.starts_at is not None
    moment = bold(when(meeting.starts_at, zone, home))
    if stage == "hour":
        return t("⏰ In an hour: your meeting with {name} ({kind}), {when}.").format(
            name=partner.first_name, kind=kind_label(meeting.kind), when=moment)
    return t("📅 Reminder: you meet {name} on {when} ({kind}).").format(
        name=partner.first_name, kind=kind_label(meeting.kind), when=moment)


def slots_lines(slots: list[datetime], zone: ZoneInfo) -> list[str]:
    return [f"• {when(slot, zone)}" for slot in slots]


def days_keyboard(person: Person, draft: Draft, now: datetime) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for day in offered_days(person, now):
        kb.button(text=day_label(day), callback_data=MeetPlan(action="day",
                                                              value=day.isoformat()))
    sizes = [3] * ((len(offered_days(person, now)) + 2) // 3)
    if draft.slots:
        kb.button(text=_("✅ Done"), callback_data=MeetPlan(action="done"))
        sizes.append(1)
    kb.adjust(*sizes)
    return kb.as_markup()


def days_text(draft: Draft, zone: ZoneInfo) -> Markup:
    if not draft.slots:
        return t("When could you meet? Pick a day, then a time (up to three slots), or type "
                 "one, such as “Tuesday 6:30pm”.")
    return lines(t("Your slots so far:"), *slots_lines(draft.slots, zone),
                 t("Pick another day, type one, or press Done."))


def kind_keyboard() -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for kind in Kind:
        kb.button(text=kind_label(kind), callback_data=MeetPlan(action="kind", value=kind))
    kb.adjust(1)
    return kb.as_markup()
