"""/pause and /available: volunteers say when they can take students."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from babel.dates import format_date

from handlers.callbacks import AvailabilityReply, PauseChoice
from handlers.common import edit_markup, stale
from handlers.markup import answer, t
from handlers.states import Pause
from mentoring.catalog import CAPACITIES
from mentoring.keeping_in_touch import VolunteerAvailability
from mentoring.matchmaking import Matchmaker
from mentoring.ports import Clock

LENGTHS = {"2w": timedelta(weeks=2), "1m": timedelta(days=30)}
LONGEST_PAUSE = timedelta(days=366)
_DATE = re.compile(r"^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2,4})\s*$")


def parse_day(text: str) -> date | None:
    """A date typed as 24/12/2026, 24.12.26 or 2026-12-24."""
    try:
        if match := _DATE.match(text):
            day, month, year = (int(part) for part in match.groups())
            return date(year + 2000 if year < 100 else year, month, day)
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


async def pause(message: Message, matchmaker: Matchmaker) -> None:
    if message.from_user is None:
        return
    if not await matchmaker.is_volunteer(message.from_user.id):
        await answer(message, t("Only volunteers can pause: students can stop at any time "
                                "with /delete."))
        return
    kb = InlineKeyboardBuilder()
    kb.button(text=_("2 weeks"), callback_data=PauseChoice(length="2w"))
    kb.button(text=_("1 month"), callback_data=PauseChoice(length="1m"))
    kb.button(text=_("Until a date…"), callback_data=PauseChoice(length="date"))
    kb.adjust(2, 1)
    await answer(message, t("How long do you want to pause? We won't propose you any student "
                            "meanwhile."), reply_markup=kb.as_markup())


async def paused_for(callback: CallbackQuery, callback_data: PauseChoice, state: FSMContext,
                     matchmaker: Matchmaker, zone: ZoneInfo, clock: Clock) -> None:
    await callback.answer()
    await edit_markup(callback, None)
    if callback_data.length == "date":
        await state.set_state(Pause.date)
        if isinstance(callback.message, Message):
            await answer(callback.message, t("Until which date? For example 15/01/2027."))
        return
    until = clock() + LENGTHS.get(callback_data.length, LENGTHS["2w"])
    await _pause_until(callback.from_user.id, until, matchmaker, zone, callback.message)


async def typed_date(message: Message, state: FSMContext, matchmaker: Matchmaker,
                     zone: ZoneInfo, clock: Clock) -> None:
    day = parse_day(message.text or "")
    today = clock().astimezone(zone).date()
    if day is None:
        await answer(message, t("I didn't understand this date: write it like 15/01/2027."))
        return
    if not today < day <= today + LONGEST_PAUSE:
        await answer(message, t("Choose a date after today and within a year."))
        return
    await state.clear()
    # The pause ends in the morning of that day, programme time.
    until = datetime.combine(day, time(9, 0), zone).astimezone(UTC)
    if message.from_user:
        await _pause_until(message.from_user.id, until, matchmaker, zone, message)


async def _pause_until(user_id: int, until: datetime, matchmaker: Matchmaker, zone: ZoneInfo,
                       reply_to: object) -> None:
    await matchmaker.pause(user_id, until)
    if isinstance(reply_to, Message):
        day = format_date(until.astimezone(zone).date(), "EEEE d MMMM",
                          locale=get_i18n().current_locale)
        await answer(reply_to, t("Your pause runs until {day}. We will tell you when it ends; "
                                 "send /available to come back earlier.").format(day=day))


async def available(message: Message, matchmaker: Matchmaker) -> None:
    if message.from_user is None:
        return
    if not await matchmaker.resume(message.from_user.id):
        await answer(message, t("This command is for volunteers."))
        return
    await answer(message, t("Welcome back! You can be proposed students again from now on."))


def availability_keyboard() -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("✅ Yes"), callback_data=AvailabilityReply(answer="yes"))
    kb.button(text=_("Not this month"), callback_data=AvailabilityReply(answer="month"))
    kb.button(text=_("Change my capacity"), callback_data=AvailabilityReply(answer="capacity"))
    kb.adjust(2, 1)
    return kb.as_markup()


async def availability_reply(callback: CallbackQuery, callback_data: AvailabilityReply,
                             availability: VolunteerAvailability, matchmaker: Matchmaker,
                             zone: ZoneInfo) -> None:
    user_id = callback.from_user.id
    if callback_data.answer == "capacity":
        kb = InlineKeyboardBuilder()
        for choice in CAPACITIES:
            kb.button(text=str(choice),
                      callback_data=AvailabilityReply(answer="set", value=choice))
        await callback.answer()
        await edit_markup(callback, kb.as_markup())
        return
    if callback_data.answer == "month":
        until = await availability.not_this_month(user_id)
        if until is None:
            await stale(callback)
            return
        await callback.answer()
        await edit_markup(callback, None)
        await _pause_until(user_id, until, matchmaker, zone, callback.message)
        return
    capacity = callback_data.value if callback_data.answer == "set" else None
    if (capacity is not None and capacity not in CAPACITIES) or not await availability.answered(
            user_id, capacity):
        await stale(callback)
        return
    await matchmaker.resume(user_id)
    await callback.answer(_("Thank you! We will propose you a student as soon as one fits."),
                          show_alert=True)
    await edit_markup(callback, None)


def make_router() -> Router:
    """The availability router, new each time, so that every Dispatcher gets its own."""
    router = Router(name="availability")
    router.message.register(pause, Command("pause"))
    router.message.register(available, Command("available", "disponible"))
    router.callback_query.register(paused_for, PauseChoice.filter())
    router.callback_query.register(availability_reply, AvailabilityReply.filter())
    router.message.register(typed_date, Pause.date, F.text & ~F.text.startswith("/"))
    return router
