"""Safeguarding in the chat: the mentor charter, and /approvals, where staff approve, question
or refuse new volunteers and record the date of their criminal-record check."""

from __future__ import annotations

from datetime import date

from aiogram import Bot, F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from babel.dates import format_date

from handlers.callbacks import CharterAccept, VettingAction
from handlers.common import edit_markup, stale
from handlers.markup import Markup, answer, lines, send, t, tn
from handlers.notifications import volunteer_card
from handlers.staff import IsStaff, refuse
from mentoring.errors import Stale, StaleReason
from mentoring.keeping_in_touch import VolunteerAvailability
from mentoring.matchmaking import Matchmaker
from mentoring.model import VolunteerProfile
from mentoring.ports import Clock
from mentoring.signup import Signup
from mentoring.text import visible
from mentoring.vetting import (
    CHARTER_VERSION,
    CharterNotAccepted,
    CheckRefused,
    Safeguarding,
    Status,
    Vetting,
    VettingRecord,
)

ACTIONS = ("approve", "ask", "refuse", "check")
MAX_TEXT = 1000


class Deciding(StatesGroup):
    """A staff member is typing, for the volunteer in the FSM data."""

    question = State()
    refusal = State()
    check_date = State()


# --- the charter ------------------------------------------------------------------------------

def charter_text() -> Markup:
    return lines(
        t("<b>The mentor's charter</b>"), "",
        t("As a mentor, I help a student with their studies and first steps into work: I "
          "listen, share what I know, and encourage them to find their own way."),
        t("• I do not do their work for them, and I do not take the place of their teachers, "
          "family or a professional counsellor."),
        t("• No money, gifts or services change hands, ever."),
        t("• I never meet a student under 18 alone in a private place: we talk here, by "
          "video or in a public place."),
        t("• I respect their privacy and keep what they confide to myself, except if they "
          "are in danger."),
        t("• I report any concern to the programme's team at once, with /report."),
    )


def charter_keyboard() -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("✅ I have read it and I accept"),
              callback_data=CharterAccept(version=CHARTER_VERSION))
    return kb.as_markup()


async def send_charter(bot: Bot, user_id: int, intro: Markup | None = None) -> None:
    text = charter_text() if intro is None else Markup("{}\n\n{}").format(intro, charter_text())
    await send(bot, user_id, text, charter_keyboard())


async def accept_charter(callback: CallbackQuery, callback_data: CharterAccept,
                         vetting: Vetting) -> None:
    try:
        record = await vetting.accept_charter(callback.from_user.id, callback_data.version)
    except Stale as error:
        if error.reason is StaleReason.ALREADY_ANSWERED:
            await callback.answer(_("You have already accepted the charter. Thank you!"),
                                  show_alert=True)
        else:
            await stale(callback)
        return
    await callback.answer(_("Thank you!"))
    await edit_markup(callback, None)
    if isinstance(callback.message, Message):
        await answer(callback.message, t(
            "Thank you! The programme's team will now read your profile and get back to you "
            "here, usually within a few days.") if record.status is Status.PENDING else t(
            "Thank you! Nothing else changes: carry on as before."))


async def volunteer_signed_up(bot: Bot, user_id: int, name: str, vetting: Vetting) -> None:
    """What a new volunteer reads when approval is required: what happens next, then the
    charter to accept."""
    await vetting.submitted(user_id)
    await send(bot, user_id, t(
        "Thank you, {name}! Your profile is saved. Before you meet a student, the programme's "
        "team welcomes every new volunteer: first read the charter below and accept it with "
        "one tap; the team then reads your profile and tells you here when you can be "
        "proposed to students.").format(name=name))
    await send_charter(bot, user_id)


async def charter_at_contact(message: Message, bot: Bot, vetting: Vetting) -> None:
    """A volunteer who has not accepted the current charter is shown it when they next
    write; their message then goes on to whoever handles it."""
    if message.from_user is not None and await vetting.charter_due(message.from_user.id):
        await send_charter(bot, message.from_user.id, t(
            "Our mentor's charter has changed: please read it and accept it with one tap."))
    raise SkipHandler()


async def question_answered(message: Message, vetting: Vetting) -> None:
    """A volunteer's reply to a staff question goes back to the staff member who asked."""
    if message.from_user is None or not message.text or message.text.startswith("/"):
        raise SkipHandler()
    text = visible(message.text).strip()[:MAX_TEXT]
    if not text or not await vetting.answer(message.from_user.id, text):
        raise SkipHandler()
    await answer(message, t("Thank you: I have passed your answer on to the team."))


# --- /approvals ------------------------------------------------------------------------------

def check_line(record: VettingRecord, policy: Safeguarding, today: date) -> Markup:
    locale = get_i18n().current_locale
    if record.check_on is None:
        return t("Check: none recorded (needed to meet students under 18)")
    expires = policy.check_expires_on(record.check_on)
    if policy.check_valid(record.check_on, today):
        return t("Check: valid until {date}").format(
            date=format_date(expires, format="long", locale=locale))
    return t("Check: expired on {date}").format(
        date=format_date(expires, format="long", locale=locale))


def volunteer_summary(volunteer: VolunteerProfile, record: VettingRecord,
                      policy: Safeguarding, today: date) -> Markup:
    locale = get_i18n().current_locale
    status = {Status.PENDING: t("waiting for approval"), Status.APPROVED: t("approved"),
              Status.REFUSED: t("refused")}[record.status]
    charter = (t("Charter: accepted on {date}").format(
        date=format_date(record.charter_accepted_at, format="long", locale=locale))
        if record.charter_current and record.charter_accepted_at
        else t("Charter: not accepted yet"))
    return lines(
        volunteer_card(volunteer),
        t("Volunteer {id}, signed up on {date}: {status}").format(
            id=volunteer.user_id, status=status,
            date=format_date(record.submitted_at, format="long", locale=locale)),
        charter, check_line(record, policy, today),
    )


def decision_keyboard(volunteer_id: int, status: Status) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    if status is Status.PENDING:
        kb.button(text=_("✅ Approve"), callback_data=VettingAction(volunteer=volunteer_id,
                                                                    action="approve"))
        kb.button(text=_("❓ Ask a question"),
                  callback_data=VettingAction(volunteer=volunteer_id, action="ask"))
        kb.button(text=_("❌ Refuse"), callback_data=VettingAction(volunteer=volunteer_id,
                                                                   action="refuse"))
    kb.button(text=_("📅 Record the check's date"),
              callback_data=VettingAction(volunteer=volunteer_id, action="check"))
    kb.adjust(2, 2)
    return kb.as_markup()


async def approvals(message: Message, command: CommandObject, vetting: Vetting,
                    signup: Signup, clock: Clock) -> None:
    """/approvals: the volunteers waiting; /approvals ID: one volunteer, to record a check."""
    today = clock().date()
    arg = (command.args or "").strip()
    if arg:
        record = await vetting.record(int(arg)) if arg.isdigit() else None
        profile = await signup.profile(int(arg)) if record is not None else None
        if record is None or not isinstance(profile, VolunteerProfile):
            await answer(message, t("No volunteer has this id. Write /approvals for those "
                                    "waiting, or /approvals ID for one volunteer."))
            return
        await answer(message, volunteer_summary(profile, record, vetting.policy, today),
                     reply_markup=decision_keyboard(profile.user_id, record.status))
        return
    waiting = await vetting.pending()
    if not waiting:
        await answer(message, t("No volunteer is waiting for approval. To record a "
                                "volunteer's check, write /approvals ID."))
        return
    await answer(message, tn("<b>{count} volunteer waiting for approval</b>:",
                             "<b>{count} volunteers waiting for approval</b>, oldest first:",
                             len(waiting)).format(count=len(waiting)))
    for profile, record in waiting:
        await answer(message, volunteer_summary(profile, record, vetting.policy, today),
                     reply_markup=decision_keyboard(profile.user_id, record.status))


async def decide(callback: CallbackQuery, callback_data: VettingAction, state: FSMContext,
                 vetting: Vetting, signup: Signup, matchmaker: Matchmaker,
                 availability: VolunteerAvailability) -> None:
    volunteer_id, action = callback_data.volunteer, callback_data.action
    record = await vetting.record(volunteer_id)
    profile = await signup.profile(volunteer_id)
    if (action not in ACTIONS or record is None or not isinstance(profile, VolunteerProfile)
            or record.status is Status.REFUSED):
        await stale(callback)
        return
    if action != "check" and record.status is not Status.PENDING:
        await _already_decided(callback)
        return
    name = profile.first_name
    if action == "approve":
        try:
            await vetting.approve(callback.from_user.id, volunteer_id)
        except CharterNotAccepted:
            await callback.answer(_("{name} has not accepted the charter yet: they can be "
                                    "approved once they have.").format(name=name),
                                  show_alert=True)
            return
        except Stale:
            await _already_decided(callback)
            return
        await availability.joined(volunteer_id)
        await matchmaker.volunteer_ready(volunteer_id)
        await callback.answer(_("Approved: {name} can now be proposed to students.").format(
            name=name), show_alert=True)
        await edit_markup(callback, decision_keyboard(volunteer_id, Status.APPROVED))
        return
    await state.set_state({"ask": Deciding.question, "refuse": Deciding.refusal,
                           "check": Deciding.check_date}[action])
    await state.update_data(volunteer=volunteer_id)
    await callback.answer()
    if not isinstance(callback.message, Message):
        return
    prompt = {
        "ask": t("Write your question to {name}: I will pass it on, and their answer will "
                 "come back to you here. (/cancel to stop.)"),
        "refuse": t("Write the reason in a few kind words: {name} will read it. "
                    "(/cancel to stop.)"),
        "check": t("Send the date of {name}'s criminal-record check, for example 2026-11-30 "
                   "or 30/11/2026. (/cancel to stop.)"),
    }[action]
    await answer(callback.message, prompt.format(name=name))


async def _already_decided(callback: CallbackQuery) -> None:
    await callback.answer(_("This volunteer has already been approved or refused."),
                          show_alert=True)


async def typed(message: Message, state: FSMContext, vetting: Vetting, clock: Clock) -> None:
    """The question, the reason or the date a staff member typed."""
    current = await state.get_state()
    volunteer_id = int((await state.get_data()).get("volunteer") or 0)
    actor = message.from_user.id if message.from_user else 0
    text = visible(message.text or "").strip()
    if not text:
        await answer(message, t("Please write it in a message."))
        return
    if len(text) > MAX_TEXT:
        await answer(message, t("That is too long: please keep it under {limit} "
                                "characters.").format(limit=MAX_TEXT))
        return
    try:
        if current == Deciding.question.state:
            await vetting.ask(actor, volunteer_id, text)
            done = t("Sent. Their answer will come to you here.")
        elif current == Deciding.refusal.state:
            await vetting.refuse(actor, volunteer_id, text)
            done = t("Done: the volunteer has been told, kindly.")
        else:
            day = await vetting.record_check(actor, volunteer_id, text)
            expires = vetting.policy.check_expires_on(day)
            done = t("Recorded: the check is valid until {date}.").format(
                date=format_date(expires, format="long", locale=get_i18n().current_locale))
    except CheckRefused as error:
        await answer(message, {
            "not_a_date": t("I can't read this date: write it like 2026-11-30 or 30/11/2026."),
            "future": t("This date is in the future: send the date written on the check."),
            "expired": t("This check has already expired: ask the volunteer for a new one."),
        }[error.reason])
        return
    except Stale:
        await state.clear()
        await answer(message, t("This volunteer has already been approved or refused, or "
                                "has left: nothing was sent."))
        return
    await state.clear()
    await answer(message, done)


async def not_text(message: Message) -> None:
    await answer(message, t("Please write it in a message."))


def make_router() -> Router:
    """Staff decisions for staff; the charter and answers to staff for volunteers."""
    router = Router(name="vetting")
    router.message.register(approvals, Command("approvals"), IsStaff())
    router.callback_query.register(decide, VettingAction.filter(), IsStaff())
    router.callback_query.register(refuse, VettingAction.filter(), ~IsStaff())
    typing = StateFilter(Deciding.question, Deciding.refusal, Deciding.check_date)
    router.message.register(typed, typing, F.text, ~F.text.startswith("/"), IsStaff())
    router.message.register(not_text, typing, ~F.text, IsStaff())
    router.callback_query.register(accept_charter, CharterAccept.filter())
    router.message.register(question_answered, StateFilter(None), F.text)
    router.message.register(charter_at_contact)
    return router
