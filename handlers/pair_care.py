"""/end (/fin) with one-tap feedback, /report (/signaler), and staff's /reports."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.attachments import offer
from handlers.callbacks import CloseReport, EndAnswer, NewMatch, Rating
from handlers.common import edit_markup, pressed_text
from handlers.markup import Markup, answer, edit_text, t
from handlers.states import Feedback, Report
from handlers.texts import chosen
from mentoring.attachments import ReportAttachments
from mentoring.matchmaking import Matchmaker, Outcome
from mentoring.pair_care import MAX_REPORT, RATINGS, PairCare


def rating_keyboard(pair_id: int) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for value in RATINGS:
        kb.button(text="⭐" * value, callback_data=Rating(pair=pair_id, value=value))
    kb.adjust(1)
    return kb.as_markup()


def new_match_keyboard() -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("Yes, find me a new mentor"), callback_data=NewMatch(answer="yes"))
    kb.button(text=_("Not now"), callback_data=NewMatch(answer="no"))
    kb.adjust(1)
    return kb.as_markup()


async def end(message: Message, matchmaker: Matchmaker) -> None:
    if message.from_user is None:
        return
    pair = (await matchmaker.status(message.from_user.id)).pair
    if pair is None:
        await answer(message, t("You have no binôme at the moment."))
        return
    text, keyboard = end_question(pair.id)
    await answer(message, text, reply_markup=keyboard)


def end_question(pair_id: int) -> tuple[Markup, InlineKeyboardMarkup]:
    """The confirmation before ending, for the pair it names only."""
    kb = InlineKeyboardBuilder()
    kb.button(text=_("Yes, end it"), callback_data=EndAnswer(pair=pair_id, answer="yes"))
    kb.button(text=_("No, keep going"), callback_data=EndAnswer(pair=pair_id, answer="no"))
    return (t("Do you really want to end your binôme? Your contact will be told."),
            kb.as_markup())


async def end_confirmed(callback: CallbackQuery, callback_data: EndAnswer,
                        care: PairCare) -> None:
    if callback_data.answer == "yes":
        pair = await care.end(callback.from_user.id, callback_data.pair)
    else:
        pair = await care.current_pair(callback_data.pair, callback.from_user.id)
    await callback.answer()
    await edit_markup(callback, None)
    if not isinstance(callback.message, Message):
        return
    if callback_data.answer != "yes":
        await answer(callback.message, t("Good: your binôme goes on."))
        return
    await answer(callback.message, t("Your binôme has ended. How was it, from 1 to 5 stars?"),
                                  reply_markup=rating_keyboard(pair.id))


async def rated(callback: CallbackQuery, callback_data: Rating, state: FSMContext,
                care: PairCare) -> None:
    feedback_id = await care.feedback(callback_data.pair, callback.from_user.id,
                                      callback_data.value)
    await callback.answer(_("Thank you!"))
    await edit_text(callback, chosen(pressed_text(callback), "⭐" * callback_data.value))
    await state.set_state(Feedback.comment)
    await state.update_data(feedback_id=feedback_id, pair_id=callback_data.pair)
    if isinstance(callback.message, Message):
        await answer(callback.message, t("Anything to add? Write a few words, or send /skip."))


async def commented(message: Message, state: FSMContext, care: PairCare,
                    matchmaker: Matchmaker) -> None:
    data = await state.get_data()
    await state.clear()
    if message.from_user is None:
        return
    if message.text and not message.text.startswith("/"):
        await care.comment(data.get("feedback_id", 0), message.from_user.id, message.text)
        await answer(message, t("Thank you, it helps us a lot."))
    await _offer_new_match(message, matchmaker)


async def _offer_new_match(message: Message, matchmaker: Matchmaker) -> None:
    user = message.from_user
    if user and not await matchmaker.is_volunteer(user.id) and (
            await matchmaker.status(user.id)).pair is None:
        await answer(message, t("Would you like a new mentor?"), reply_markup=new_match_keyboard())


async def new_match(callback: CallbackQuery, callback_data: NewMatch,
                    matchmaker: Matchmaker, care: PairCare) -> None:
    # Both answers to a long silence are about the pair on the button, never a later one.
    if callback_data.answer == "keep":
        await care.current_pair(callback_data.pair, callback.from_user.id)
    elif callback_data.answer == "switch":
        await care.end(callback.from_user.id, callback_data.pair)
    await callback.answer()
    await edit_markup(callback, None)
    if not isinstance(callback.message, Message):
        return
    if callback_data.answer == "keep":
        await answer(callback.message, t("Great, keep going! A short message is enough to "
                                         "restart the conversation."))
        return
    if callback_data.answer not in ("yes", "switch"):
        await answer(callback.message, t("Alright. Send /start whenever you want a new mentor."))
        return
    outcome = await matchmaker.student_ready(callback.from_user.id)
    if outcome is Outcome.WAITING:
        from handlers.notifications import waiting_text

        await answer(callback.message, waiting_text())
    elif outcome is Outcome.PROPOSED:
        await answer(callback.message, t("We have found a mentor who fits you and asked them: "
                                         "you will hear from us here very soon."))
    else:
        await answer(callback.message, t("You already have a binôme: send /binome to see it."))


async def report(message: Message, state: FSMContext) -> None:
    await state.set_state(Report.text)
    await answer(message, t("What is the problem? Describe it in a few words: only the "
                            "programme staff will read it. Send /cancel to give up."))


async def report_text(message: Message, state: FSMContext, care: PairCare,
                      attachments: ReportAttachments) -> None:
    if message.from_user is None or not message.text:
        await answer(message, t("Please describe the problem in a message."))
        return
    if len(message.text) > MAX_REPORT:
        await answer(message, t("That is too long: please keep it under {limit} characters.")
                              .format(limit=MAX_REPORT))
        return
    report_id = await care.report(message.from_user.id, message.text)
    await state.clear()
    await answer(message, t("Thank you for telling us. The staff have been alerted and will "
                            "contact you; reminders for your binôme are paused meanwhile."))
    await offer(message, attachments, report_id, message.from_user.id)


async def reports(message: Message, care: PairCare) -> None:
    open_reports = await care.open_reports()
    if not open_reports:
        await answer(message, t("No open report."))
        return
    for report_id, pair_id, reporter_id, text, created in open_reports[:20]:
        kb = InlineKeyboardBuilder()
        kb.button(text=_("Close this report"), callback_data=CloseReport(report=report_id))
        await answer(
            message,
            t("Report #{id} from user {user}, pair {pair}, on {day}:").format(
                id=report_id, user=reporter_id, pair=pair_id or "-",
                day=created.date().isoformat()) + "\n" + text,
            reply_markup=kb.as_markup())


async def close_report(callback: CallbackQuery, callback_data: CloseReport,
                       care: PairCare) -> None:
    await care.close_report(callback_data.report)
    await callback.answer(_("Report closed: the pair's reminders start again."),
                          show_alert=True)
    await edit_markup(callback, None)


def make_router() -> Router:
    """Endings and reports; /reports and closing are for staff only."""
    router = Router(name="pair_care")
    router.message.register(end, Command("end", "fin"))
    router.callback_query.register(end_confirmed, EndAnswer.filter())
    router.callback_query.register(rated, Rating.filter())
    router.message.register(commented, Feedback.comment)
    router.callback_query.register(new_match, NewMatch.filter())
    router.message.register(report, Command("report", "signaler"))
    router.message.register(report_text, Report.text, ~F.text.startswith("/"))
    from handlers.staff import IsStaff, refuse

    router.message.register(reports, Command("reports"), IsStaff())
    router.callback_query.register(close_report, CloseReport.filter(), IsStaff())
    router.callback_query.register(refuse, CloseReport.filter(), ~IsStaff())
    return router
