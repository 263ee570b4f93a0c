"""A volunteer's answer to a proposal, and /binome to see one's pair."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers import notifications
from handlers.callbacks import ProposalAnswer
from handlers.common import edit_markup, pressed_text
from handlers.markup import answer, edit_text, t
from handlers.meetings import show_upcoming
from handlers.relay import current_choice
from handlers.texts import chosen
from mentoring.matchmaking import Answer, Matchmaker
from mentoring.model import StudentProfile, VolunteerProfile
from mentoring.signup import Signup

if TYPE_CHECKING:
    from mentoring.meeting_service import MeetingService
    from mentoring.relay import RelayService

DECLINE_REASONS = ("field", "time", "profile", "other")


async def accept(callback: CallbackQuery, callback_data: ProposalAnswer,
                 matchmaker: Matchmaker) -> None:
    await matchmaker.answer(callback_data.id, callback.from_user.id, Answer.ACCEPT)
    await callback.answer(_("Thank you! The introduction follows."))
    await edit_text(callback, chosen(pressed_text(callback), _("Accepted")))


async def decline(callback: CallbackQuery, callback_data: ProposalAnswer,
                  matchmaker: Matchmaker) -> None:
    """Ask for an optional reason first: it helps staff, and one tap skips it."""
    await matchmaker.open_proposal(callback_data.id, callback.from_user.id)
    labels = {"field": _("Not my field"), "time": _("No time for this one"),
              "profile": _("The profile doesn't fit"), "other": _("Another reason")}
    kb = InlineKeyboardBuilder()
    for code in DECLINE_REASONS:
        kb.button(text=labels[code], callback_data=ProposalAnswer(id=callback_data.id,
                                                                  action="reason", value=code))
    kb.button(text=_("Skip"), callback_data=ProposalAnswer(id=callback_data.id,
                                                          action="reason", value="none"))
    kb.adjust(2, 2, 1)
    await callback.answer()
    await edit_markup(callback, kb.as_markup())


async def declined(callback: CallbackQuery, callback_data: ProposalAnswer,
                   matchmaker: Matchmaker) -> None:
    reason = callback_data.value if callback_data.value in DECLINE_REASONS else None
    await matchmaker.answer(callback_data.id, callback.from_user.id, Answer.DECLINE, reason)
    await callback.answer(_("Thank you for answering: we will propose this student to "
                            "someone else."), show_alert=True)
    await edit_text(callback, chosen(pressed_text(callback), _("Declined")))


async def not_now(callback: CallbackQuery, callback_data: ProposalAnswer,
                  matchmaker: Matchmaker) -> None:
    await matchmaker.answer(callback_data.id, callback.from_user.id, Answer.NOT_NOW)
    weeks = matchmaker.policy.pause_when_not_now.days // 7
    await callback.answer()
    await edit_text(callback, chosen(pressed_text(callback), _("Not available now")))
    if isinstance(callback.message, Message):
        await answer(
            callback.message,
            t("Noted: we won't propose anyone to you for {weeks} weeks. Thank you for "
              "telling us!").format(weeks=weeks))


async def my_pair(message: Message, signup: Signup, matchmaker: Matchmaker,
                  relay: RelayService, meetings: MeetingService) -> None:
    if message.from_user is None:
        return
    user_id = message.from_user.id
    status = await matchmaker.status(user_id)
    profile = await signup.profile(user_id)
    if profile is None:
        await answer(message, t("You have not finished signing up yet: send /start to continue."))
        return
    if status.pair is None:
        if isinstance(profile, VolunteerProfile):
            await answer(message, t("You have no student yet: we will propose one to you here."))
        elif status.proposed:
            await answer(message, t("We have found a mentor who fits you and asked them: you "
                                    "will hear from us here very soon."))
        else:
            await answer(message, notifications.waiting_text())
        return
    other_id = (status.pair.volunteer_id if isinstance(profile, StudentProfile)
                else status.pair.student_id)
    other = await signup.profile(other_id)
    if isinstance(other, VolunteerProfile):
        text = t("Your mentor:") + "\n\n" + notifications.volunteer_card(other)
    elif isinstance(other, StudentProfile):
        text = t("Your student:") + "\n\n" + notifications.student_card(other)
    else:
        return
    text += "\n\n" + notifications.relay_line(other.first_name)
    await answer(message, text, reply_markup=notifications.share_contact_button(
        status.pair.id))
    await current_choice(message, relay, user_id)
    await show_upcoming(message, meetings, user_id)


def make_router() -> Router:
    """The matching router, new each time, so that every Dispatcher gets its own."""
    router = Router(name="matching")
    router.callback_query.register(accept, ProposalAnswer.filter(F.action == "accept"))
    router.callback_query.register(decline, ProposalAnswer.filter(F.action == "decline"))
    router.callback_query.register(declined, ProposalAnswer.filter(F.action == "reason"))
    router.callback_query.register(not_now, ProposalAnswer.filter(F.action == "not_now"))
    router.message.register(my_pair, Command("binome", "mentor", "pair"))
    return router
