"""Answers to check-ins, the pair's rhythm (/rythme, /rhythm), and what happens after a long
silence (the student may change mentor, the volunteer may stop)."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers import markup
from handlers.attachments import offer
from handlers.callbacks import CheckInAnswer, ContinueAnswer, RhythmChoice
from handlers.common import pressed_text, stale
from handlers.pair_care import end_question
from handlers.texts import chosen
from mentoring.attachments import ReportAttachments
from mentoring.errors import Stale
from mentoring.followup import Answer, Rhythm
from mentoring.keeping_in_touch import KeepingInTouch
from mentoring.pair_care import PairCare


def rhythm_label(rhythm: Rhythm) -> str:
    return {Rhythm.WEEKLY: _("Every week"), Rhythm.BIWEEKLY: _("Every two weeks"),
            Rhythm.MONTHLY: _("Every month")}[rhythm]


def rhythm_keyboard() -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for rhythm in Rhythm:
        kb.button(text=rhythm_label(rhythm), callback_data=RhythmChoice(rhythm=rhythm.value))
    kb.adjust(1)
    return kb.as_markup()


def check_in_keyboard(pair_id: int) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("✅ Yes"), callback_data=CheckInAnswer(pair=pair_id, answer="yes"))
    kb.button(text=_("⏳ Not yet"), callback_data=CheckInAnswer(pair=pair_id, answer="not_yet"))
    kb.button(text=_("⚠️ We have a problem"),
              callback_data=CheckInAnswer(pair=pair_id, answer="problem"))
    kb.adjust(2, 1)
    return kb.as_markup()


NOT_MET = "not_met"
""""Not yet" to "did you also meet or call?": a not-yet for the clock, but they do write."""


def met_keyboard(pair_id: int) -> InlineKeyboardMarkup:
    """The check-in of a pair who wrote to each other through the bot: the same answers,
    asked about what the bot cannot see."""
    kb = InlineKeyboardBuilder()
    kb.button(text=_("✅ Yes, we met or called"),
              callback_data=CheckInAnswer(pair=pair_id, answer="yes"))
    kb.button(text=_("⏳ Not yet"), callback_data=CheckInAnswer(pair=pair_id, answer=NOT_MET))
    kb.button(text=_("⚠️ We have a problem"),
              callback_data=CheckInAnswer(pair=pair_id, answer="problem"))
    kb.adjust(1, 1, 1)
    return kb.as_markup()


async def checked_in(callback: CallbackQuery, callback_data: CheckInAnswer,
                     keeping: KeepingInTouch, care: PairCare,
                     attachments: ReportAttachments) -> None:
    not_met = callback_data.answer == NOT_MET
    try:
        answer = Answer.NOT_YET if not_met else Answer(callback_data.answer)
    except ValueError:
        raise Stale() from None
    await keeping.answer(callback_data.pair, callback.from_user.id, answer)
    labels = {Answer.YES: _("Yes"), Answer.NOT_YET: _("Not yet"),
              Answer.PROBLEM: _("We have a problem")}
    await callback.answer()
    await markup.edit_text(callback, chosen(pressed_text(callback), labels[answer]))
    if not isinstance(callback.message, Message):
        return
    if answer is Answer.YES:
        text = markup.t("Great, thank you! Keep it up.")
    elif not_met:
        text = markup.t("Noted, and writing here counts too. When you can, a call or a "
                        "meeting helps even more.")
    elif answer is Answer.NOT_YET:
        text = markup.t("Noted. A short message is enough to get going: why not suggest a "
                        "time to talk this week?")
    else:
        report_id = await care.report(callback.from_user.id,
                                      _("Problem reported from a check-in."),
                                      callback_data.pair)
        text = markup.t("Thank you for telling us. The staff have been alerted and will "
                        "contact you; reminders for your binôme are paused meanwhile. You can "
                        "add details with /report.")
        await markup.answer(callback.message, text)
        await offer(callback.message, attachments, report_id, callback.from_user.id)
        return
    await markup.answer(callback.message, text)


async def rhythm_command(message: Message, keeping: KeepingInTouch) -> None:
    if message.from_user is None:
        return
    current = await keeping.rhythm_of(message.from_user.id)
    if current is None:
        await markup.answer(message, markup.t("You have no binôme at the moment."))
        return
    await markup.answer(message, markup.t("How often do you want us to check in on your "
                                          "binôme? Now: {now}.")
                        .format(now=rhythm_label(current).lower()),
                        reply_markup=rhythm_keyboard())


async def rhythm_chosen(callback: CallbackQuery, callback_data: RhythmChoice,
                        keeping: KeepingInTouch) -> None:
    try:
        rhythm = Rhythm(callback_data.rhythm)
    except ValueError:
        rhythm = None
    clock = await keeping.change_rhythm(callback.from_user.id, rhythm) if rhythm else None
    if clock is None or rhythm is None:
        await stale(callback)
        return
    await callback.answer(_("Rhythm saved: {rhythm}.").format(rhythm=rhythm_label(rhythm)
                                                             .lower()), show_alert=True)


async def continue_answer(callback: CallbackQuery, callback_data: ContinueAnswer,
                          care: PairCare) -> None:
    """Either answer is for the pair on the button only; "no" asks the same confirmation as
    /end, since ending tells the other person and cannot be undone."""
    pair = await care.current_pair(callback_data.pair, callback.from_user.id)
    await callback.answer()
    if not isinstance(callback.message, Message):
        return
    if callback_data.answer == "yes":
        await markup.edit_text(callback, chosen(pressed_text(callback), _("We continue")))
        await markup.answer(callback.message, markup.t("Thank you! A short message to your "
                                                       "binôme is enough to restart."))
        return
    await markup.edit_text(callback, chosen(pressed_text(callback), _("End the binôme")))
    text, keyboard = end_question(pair.id)
    await markup.answer(callback.message, text, reply_markup=keyboard)


def make_router() -> Router:
    """The follow-up router, new each time, so that every Dispatcher gets its own."""
    router = Router(name="keeping")
    router.callback_query.register(checked_in, CheckInAnswer.filter())
    router.message.register(rhythm_command, Command("rhythm", "rythme"))
    router.callback_query.register(rhythm_chosen, RhythmChoice.filter())
    router.callback_query.register(continue_answer, ContinueAnswer.filter())
    return router
