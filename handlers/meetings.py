"""/meet (/rdv): up to three slots picked with buttons (a day, then a time) or typed, then the
kind; the partner's answer; moving and cancelling with one tap; the next meeting on /binome.

The slots being put together live in the member's conversation state (in the database or
Redis), so a restart in the middle loses nothing.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.callbacks import MeetAnswer, MeetPlan
from handlers.common import edit_markup, pressed_text
from handlers.markup import answer, answer_document, bold, edit_text, lines, t
from handlers.meeting_texts import (
    answer_buttons,
    cancelled_text,
    change_buttons,
    confirmed_text,
    day_label,
    days_keyboard,
    days_text,
    kind_keyboard,
    kind_label,
    meeting_file,
    proposal_text,
    slots_lines,
    when,
    when_mistake,
    withdraw_button,
)
from handlers.states import Meeting as MeetingState
from handlers.texts import chosen
from mentoring.errors import Stale
from mentoring.meeting_service import MeetingService
from mentoring.meetings import (
    EARLIEST,
    FURTHEST,
    MAX_SLOTS,
    BadWhen,
    Draft,
    Kind,
    Meeting,
    Person,
    Status,
    asker,
    offered_times,
    read_when,
    with_slot,
)


async def _draft(state: FSMContext) -> Draft:
    """The slots being put together; a press with none in the state is an old button."""
    draft = Draft.from_data((await state.get_data()).get("meeting") or {})
    if draft is None or await state.get_state() != MeetingState.slots.state:
        raise Stale()
    return draft


async def _keep(state: FSMContext, draft: Draft) -> None:
    await state.set_state(MeetingState.slots)
    await state.update_data(meeting=draft.as_data())


async def _ask_days(message: Message, state: FSMContext, meetings: MeetingService,
                    user_id: int, draft: Draft) -> None:
    await _keep(state, draft)
    person = await meetings.person(user_id)
    await answer(message, days_text(draft, person.zone),
                 reply_markup=days_keyboard(person, draft, meetings.now()))


async def meet(message: Message, state: FSMContext, meetings: MeetingService) -> None:
    if message.from_user is None:
        return
    pairs = await meetings.pairs(message.from_user.id)
    if not pairs:
        await answer(message, t("You have no binôme at the moment."))
        return
    if len(pairs) > 1:
        kb = InlineKeyboardBuilder()
        for pair, partner in pairs:
            kb.button(text=partner.first_name,
                      callback_data=MeetPlan(action="pair", value=str(pair.pair_id)))
        kb.adjust(1)
        await answer(message, t("Which of your students is this meeting with?"),
                     reply_markup=kb.as_markup())
        return
    draft = await meetings.start(message.from_user.id, pairs[0][0].pair_id)
    await _ask_days(message, state, meetings, message.from_user.id, draft)


async def pair_chosen(callback: CallbackQuery, callback_data: MeetPlan, state: FSMContext,
                      meetings: MeetingService) -> None:
    if not callback_data.value.isdigit():
        raise Stale()
    draft = await meetings.start(callback.from_user.id, int(callback_data.value))
    await callback.answer()
    await edit_markup(callback, None)
    if isinstance(callback.message, Message):
        await _ask_days(callback.message, state, meetings, callback.from_user.id, draft)


async def day_chosen(callback: CallbackQuery, callback_data: MeetPlan, state: FSMContext,
                     meetings: MeetingService) -> None:
    await _draft(state)
    person = await meetings.person(callback.from_user.id)
    try:
        day = date.fromisoformat(callback_data.value)
    except ValueError:
        raise Stale() from None
    kb = InlineKeyboardBuilder()
    times = offered_times(day, person, meetings.now())
    for slot in times:
        kb.button(text=slot.astimezone(person.zone).strftime("%H:%M"),
                  callback_data=MeetPlan(action="time", value=str(int(slot.timestamp()))))
    kb.button(text=_("◀️ Other days"), callback_data=MeetPlan(action="days"))
    kb.adjust(*([4] * ((len(times) + 3) // 4)), 1)
    await callback.answer()
    await edit_text(callback, t("{day}: at what time?").format(day=bold(day_label(day))),
                    kb.as_markup())


async def days_again(callback: CallbackQuery, state: FSMContext,
                     meetings: MeetingService) -> None:
    draft = await _draft(state)
    person = await meetings.person(callback.from_user.id)
    await callback.answer()
    await edit_text(callback, days_text(draft, person.zone),
                    days_keyboard(person, draft, meetings.now()))


async def time_chosen(callback: CallbackQuery, callback_data: MeetPlan, state: FSMContext,
                      meetings: MeetingService) -> None:
    draft = await _draft(state)
    try:
        slot = datetime.fromtimestamp(int(callback_data.value), UTC)
    except (ValueError, OverflowError, OSError):
        raise Stale() from None
    now = meetings.now()
    if not now + EARLIEST <= slot <= now + FURTHEST:
        raise Stale()
    await callback.answer()
    await edit_markup(callback, None)
    if isinstance(callback.message, Message):
        await _added(callback.message, state, meetings, callback.from_user.id, draft, slot)


async def typed(message: Message, state: FSMContext, meetings: MeetingService) -> None:
    if message.from_user is None:
        return
    draft = Draft.from_data((await state.get_data()).get("meeting") or {})
    if draft is None:  # a state without its draft: start again from /meet
        await state.clear()
        await answer(message, t("Cancelled."))
        return
    person = await meetings.person(message.from_user.id)
    try:
        slot = read_when(message.text or "", meetings.now(), person.zone)
    except BadWhen as error:
        mistake = when_mistake(error.reason)
        await answer(message, lines(mistake, t("Your slots so far are kept."))
                     if draft.slots else mistake)
        return
    await _added(message, state, meetings, message.from_user.id, draft, slot)


async def _added(message: Message, state: FSMContext, meetings: MeetingService,
                 user_id: int, draft: Draft, slot: datetime) -> None:
    draft.slots = with_slot(draft.slots, slot)
    if len(draft.slots) >= MAX_SLOTS:
        await _keep(state, draft)
        await _ask_kind_or_send(message, state, meetings, user_id, draft)
        return
    await _ask_days(message, state, meetings, user_id, draft)


async def done(callback: CallbackQuery, state: FSMContext, meetings: MeetingService) -> None:
    draft = await _draft(state)
    if not draft.slots:
        raise Stale()
    await callback.answer()
    await edit_markup(callback, None)
    if isinstance(callback.message, Message):
        await _ask_kind_or_send(callback.message, state, meetings, callback.from_user.id,
                                draft)


async def _ask_kind_or_send(message: Message, state: FSMContext, meetings: MeetingService,
                            user_id: int, draft: Draft) -> None:
    if draft.kind is not None:  # a move keeps the kind
        await _send(message, state, meetings, user_id, draft, draft.kind)
        return
    await answer(message, t("How will you meet?"), reply_markup=kind_keyboard())


async def kind_chosen(callback: CallbackQuery, callback_data: MeetPlan, state: FSMContext,
                      meetings: MeetingService) -> None:
    draft = await _draft(state)
    try:
        kind = Kind(callback_data.value)
    except ValueError:
        raise Stale() from None
    await callback.answer()
    await edit_text(callback, chosen(pressed_text(callback), kind_label(kind)))
    if isinstance(callback.message, Message):
        await _send(callback.message, state, meetings, callback.from_user.id, draft, kind)


async def _send(message: Message, state: FSMContext, meetings: MeetingService, user_id: int,
                draft: Draft, kind: Kind) -> None:
    try:
        meeting = await meetings.propose(user_id, draft, kind)
    finally:
        await state.clear()
    partner = next((p for pair, p in await meetings.pairs(user_id)
                    if pair.pair_id == meeting.pair_id), None)
    name = partner.first_name if partner else "?"
    zone = (await meetings.person(user_id)).zone
    await answer(message, lines(
        t("Sent to {name}:").format(name=name), *slots_lines(list(meeting.slots), zone),
        t("{name} picks one, and I send you both the confirmation here.").format(name=name)),
        reply_markup=withdraw_button(meeting))


async def picked(callback: CallbackQuery, callback_data: MeetAnswer,
                 meetings: MeetingService) -> None:
    meeting = await meetings.pick(callback.from_user.id, callback_data.id, callback_data.value,
                                  callback_data.seq)
    await callback.answer()
    me = await meetings.person(callback.from_user.id)
    assert meeting.starts_at is not None
    await edit_text(callback, chosen(pressed_text(callback), when(meeting.starts_at, me.zone)))
    if not isinstance(callback.message, Message):
        return
    partner = await _partner(meetings, callback.from_user.id, meeting)
    home = meetings.home
    await answer_document(callback.message, meeting_file(meeting, partner, me.zone),
                          confirmed_text(meeting, partner, me.zone, home),
                          reply_markup=change_buttons(meeting))


async def other_times(callback: CallbackQuery, callback_data: MeetAnswer, state: FSMContext,
                      meetings: MeetingService) -> None:
    draft = await meetings.other_slots(callback.from_user.id, callback_data.id)
    await callback.answer()
    await edit_markup(callback, None)
    if isinstance(callback.message, Message):
        await _ask_days(callback.message, state, meetings, callback.from_user.id, draft)


async def move(callback: CallbackQuery, callback_data: MeetAnswer, state: FSMContext,
               meetings: MeetingService) -> None:
    draft = await meetings.moving(callback.from_user.id, callback_data.id)
    await callback.answer()
    if isinstance(callback.message, Message):
        await _ask_days(callback.message, state, meetings, callback.from_user.id, draft)


async def cancel(callback: CallbackQuery, callback_data: MeetAnswer,
                 meetings: MeetingService) -> None:
    meeting = await meetings.cancel(callback.from_user.id, callback_data.id)
    await callback.answer()
    await edit_markup(callback, None)
    if not isinstance(callback.message, Message):
        return
    me = await meetings.person(callback.from_user.id)
    partner = await _partner(meetings, callback.from_user.id, meeting)
    text = cancelled_text(meeting, partner, me.zone, meetings.home, by_partner=False)
    if meeting.ever_agreed:
        await answer_document(callback.message,
                              meeting_file(meeting, partner, me.zone, cancel=True), text)
    else:
        await answer(callback.message, text)


async def _partner(meetings: MeetingService, user_id: int, meeting: Meeting) -> Person:
    view = await meetings.view(meeting.id, user_id)
    return view[1] if view else Person(0, "?", ZoneInfo(meetings.home))


async def show_upcoming(message: Message, meetings: MeetingService, user_id: int) -> None:
    """The next meeting, on /binome, with its buttons (nothing when none is planned)."""
    upcoming = await meetings.upcoming(user_id)
    me = await meetings.person(user_id)
    if not upcoming:  # the card above is enough; /help and the menu name /meet
        return
    first = upcoming[0]
    meeting, partner = first.meeting, first.partner
    if meeting.status is Status.CONFIRMED and meeting.starts_at is not None:
        await answer(message, t("📅 Next meeting with {name}: {when} ({kind}).").format(
            name=partner.first_name, when=bold(when(meeting.starts_at, me.zone, meetings.home)),
            kind=kind_label(meeting.kind)), reply_markup=change_buttons(meeting))
        return
    if asker(meeting) == user_id:
        await answer(message, t("⏳ Meeting proposed to {name}: waiting for their answer.").format(
            name=partner.first_name))
    else:
        await answer(message, proposal_text(meeting, partner, moved=meeting.sequence > 0),
                     reply_markup=answer_buttons(meeting, me.zone))


def make_router() -> Router:
    router = Router(name="meetings")
    router.message.register(meet, Command("meet", "rdv"))
    router.callback_query.register(pair_chosen, MeetPlan.filter(F.action == "pair"))
    router.callback_query.register(day_chosen, MeetPlan.filter(F.action == "day"))
    router.callback_query.register(days_again, MeetPlan.filter(F.action == "days"))
    router.callback_query.register(time_chosen, MeetPlan.filter(F.action == "time"))
    router.callback_query.register(done, MeetPlan.filter(F.action == "done"))
    router.callback_query.register(kind_chosen, MeetPlan.filter(F.action == "kind"))
    router.callback_query.register(picked, MeetAnswer.filter(F.action == "pick"))
    router.callback_query.register(other_times, MeetAnswer.filter(F.action == "other"))
    router.callback_query.register(move, MeetAnswer.filter(F.action == "move"))
    router.callback_query.register(cancel, MeetAnswer.filter(F.action == "cancel"))
    router.message.register(typed, MeetingState.slots, F.text, ~F.text.startswith("/"))
    return router
