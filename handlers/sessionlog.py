"""The session log's questions after a meeting or a check-in, the outcome questions after
an ending or the six-month feedback, and /news (/nouvelles) for the student's news."""

from __future__ import annotations

import contextlib

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.callbacks import LogAnswer, OutcomePick, OutcomeReason
from handlers.common import edit_markup, pressed_text
from handlers.markup import Markup, answer, edit_text, t
from handlers.states import SessionNote
from handlers.texts import chosen
from mentoring.catalog import NEEDS
from mentoring.errors import Stale
from mentoring.outcomes import CHANGES, REASONS, Outcome, Outcomes, OutcomeStep, Source
from mentoring.sessionlog import TOPICS, USEFULNESS, Happened, SessionEntry, SessionLogs, Step


def happened_label(answer: Happened) -> str:
    return {Happened.YES: _("✅ Yes"), Happened.NO: _("❌ It did not happen"),
            Happened.MOVED: _("📅 It was moved")}[answer]


def happened_keyboard(entry_id: int) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for answer_ in Happened:
        kb.button(text=happened_label(answer_),
                  callback_data=LogAnswer(id=entry_id, action="happened", value=answer_.value))
    kb.adjust(1)
    return kb.as_markup()


def topic_label(code: str) -> str:
    return next(_(option.label) for option in NEEDS if option.code == code)


def topics_keyboard(entry: SessionEntry) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for index, code in enumerate(TOPICS):
        mark = "✅" if code in entry.topics else "▫️"
        kb.button(text=f"{mark} {topic_label(code)}",
                  callback_data=LogAnswer(id=entry.id, action="topic", value=str(index)))
    kb.button(text=_("Done ➡️"), callback_data=LogAnswer(id=entry.id, action="done"))
    kb.adjust(*([2] * ((len(TOPICS) + 1) // 2)), 1)
    return kb.as_markup()


def topics_question() -> Markup:
    return t("What did you work on? Tap everything that applies, then Done.")


def usefulness_keyboard(entry_id: int) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for value in USEFULNESS:
        kb.button(text=str(value),
                  callback_data=LogAnswer(id=entry_id, action="rate", value=str(value)))
    kb.adjust(len(USEFULNESS))
    return kb.as_markup()


def skip_keyboard(entry_id: int) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("Skip"), callback_data=LogAnswer(id=entry_id, action="skip"))
    return kb.as_markup()


def _number(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise Stale() from None


async def log_pressed(callback: CallbackQuery, callback_data: LogAnswer, state: FSMContext,
                      session_logs: SessionLogs) -> None:
    user, entry_id, action = callback.from_user.id, callback_data.id, callback_data.action
    if action == "happened":
        try:
            happened = Happened(callback_data.value)
        except ValueError:
            raise Stale() from None
        entry = await session_logs.happened(entry_id, user, happened)
        await callback.answer()
        await edit_text(callback, chosen(pressed_text(callback), happened_label(happened)))
        await _next_question(callback, state, entry)
    elif action == "topic":
        entry = await session_logs.toggle(entry_id, user, _number(callback_data.value))
        await callback.answer()
        await edit_markup(callback, topics_keyboard(entry))
    elif action == "done":
        entry = await session_logs.topics_done(entry_id, user)
        await callback.answer()
        picked = ", ".join(topic_label(code) for code in entry.topics) or _("Nothing in the list")
        await edit_text(callback, chosen(pressed_text(callback), picked))
        await _next_question(callback, state, entry)
    elif action == "skip":
        entry = await session_logs.note(entry_id, user, None)
        await state.clear()
        await callback.answer()
        await edit_markup(callback, None)
        await _next_question(callback, state, entry)
    elif action == "rate":
        entry = await session_logs.rate(entry_id, user, _number(callback_data.value))
        await callback.answer()
        await edit_text(callback, chosen(pressed_text(callback), f"{entry.usefulness}/5"))
        await _next_question(callback, state, entry)
    else:
        raise Stale()


async def _next_question(callback: CallbackQuery, state: FSMContext,
                         entry: SessionEntry) -> None:
    if isinstance(callback.message, Message):
        await _ask_next(callback.message, state, entry)


async def _ask_next(message: Message, state: FSMContext, entry: SessionEntry) -> None:
    """The question that comes after the entry's last answer, or the thanks."""
    if entry.step is Step.TOPICS:
        await answer(message, topics_question(), reply_markup=topics_keyboard(entry))
    elif entry.step is Step.NOTE:
        sent = await answer(message, t("Anything to remember from it? Write one sentence, or "
                                       "tap Skip."), reply_markup=skip_keyboard(entry.id))
        await state.set_state(SessionNote.text)
        await state.update_data(log_id=entry.id, skip_on=sent.message_id)
    elif entry.step is Step.USEFULNESS:
        await answer(message, t("How useful was it for you, from 1 (not at all) to 5 (very)?"),
                     reply_markup=usefulness_keyboard(entry.id))
    elif entry.happened is Happened.NO:
        await answer(message, t("Thank you for telling us. It happens: why not suggest "
                                "another time with /rdv?"))
    elif entry.happened is Happened.MOVED:
        await answer(message, t("Noted. We will ask again after the new date."))
    else:
        await answer(message, t("Thank you! It is noted."))


async def note_written(message: Message, state: FSMContext,
                       session_logs: SessionLogs) -> None:
    if message.from_user is None:
        return
    data = await state.get_data()
    log_id = data.get("log_id", 0)
    if not message.text:
        await answer(message, t("Please write one sentence, or tap Skip."))
        return
    text = None if message.text.strip() in ("/skip", "/passer") else message.text
    try:
        entry = await session_logs.note(log_id, message.from_user.id, text)
    except Stale:
        await state.clear()
        raise
    await state.clear()
    if data.get("skip_on") and message.bot is not None:
        # The sentence is in: its Skip button goes, so it cannot be pressed by mistake.
        with contextlib.suppress(TelegramBadRequest):
            await message.bot.edit_message_reply_markup(
                chat_id=message.chat.id, message_id=data["skip_on"], reply_markup=None)
    await _ask_next(message, state, entry)


def reason_label(code: str) -> str:
    return {"finished": _("The programme is finished"), "goal_reached": _("Goal reached"),
            "not_needed": _("No longer needed"), "no_contact": _("No contact"),
            "incompatible": _("We did not get on"), "other": _("Other reason")}[code]


def change_label(code: str) -> str:
    return {"internship": _("Internship found"), "job": _("Job found"),
            "exam": _("Exam passed"), "orientation": _("Orientation chosen"),
            "confidence": _("More confident"), "nothing_yet": _("Nothing yet")}[code]


def reason_keyboard(pair_id: int, source: str) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for code in REASONS:
        kb.button(text=reason_label(code),
                  callback_data=OutcomeReason(pair=pair_id, source=source, reason=code))
    kb.adjust(2)
    return kb.as_markup()


def changes_keyboard(outcome: Outcome) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for index, code in enumerate(CHANGES):
        mark = "✅" if code in outcome.changes else "▫️"
        kb.button(text=f"{mark} {change_label(code)}",
                  callback_data=OutcomePick(id=outcome.id, action="toggle", value=index))
    kb.button(text=_("Done ➡️"), callback_data=OutcomePick(id=outcome.id, action="done"))
    kb.adjust(2, 2, 2, 1)
    return kb.as_markup()


def changes_question() -> Markup:
    return t("What has changed for you? Tap everything that applies, then Done.")


async def reason_chosen(callback: CallbackQuery, callback_data: OutcomeReason,
                        outcomes: Outcomes) -> None:
    try:
        source = Source(callback_data.source)
    except ValueError:
        raise Stale() from None
    outcome = await outcomes.reason(callback_data.pair, callback.from_user.id, source,
                                    callback_data.reason)
    await callback.answer()
    await edit_text(callback, chosen(pressed_text(callback), reason_label(callback_data.reason)))
    if not isinstance(callback.message, Message):
        return
    if outcome.step is OutcomeStep.CHANGES:
        await answer(callback.message, changes_question(), reply_markup=changes_keyboard(outcome))
    else:
        await answer(callback.message, t("Thank you, it helps the programme a lot."))


async def change_picked(callback: CallbackQuery, callback_data: OutcomePick,
                        outcomes: Outcomes) -> None:
    user = callback.from_user.id
    if callback_data.action == "toggle":
        outcome = await outcomes.toggle(callback_data.id, user, callback_data.value)
        await callback.answer()
        await edit_markup(callback, changes_keyboard(outcome))
        return
    if callback_data.action != "done":
        raise Stale()
    outcome = await outcomes.done(callback_data.id, user)
    await callback.answer()
    picked = ", ".join(change_label(code) for code in outcome.changes) or _("Nothing yet")
    await edit_text(callback, chosen(pressed_text(callback), picked))
    if isinstance(callback.message, Message):
        await answer(callback.message, t("Thank you for your news! Send /news whenever "
                                         "something else changes."))


async def news(message: Message, outcomes: Outcomes) -> None:
    if message.from_user is None:
        return
    outcome = await outcomes.news(message.from_user.id)
    if outcome is None:
        await answer(message, t("/news is for students, to tell us what has changed for "
                                "them."))
        return
    await answer(message, changes_question(), reply_markup=changes_keyboard(outcome))


def make_router() -> Router:
    router = Router(name="sessionlog")
    router.callback_query.register(log_pressed, LogAnswer.filter())
    # Commands other than /skip go on to their own handlers; the note waits meanwhile.
    router.message.register(note_written, SessionNote.text,
                            ~F.text.startswith("/") | F.text.in_({"/skip", "/passer"}))
    router.callback_query.register(reason_chosen, OutcomeReason.filter())
    router.callback_query.register(change_picked, OutcomePick.filter())
    router.message.register(news, Command("news", "nouvelles"))
    return router
