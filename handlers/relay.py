"""What a member of a pair writes outside a form or a command reaches their partner."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiogram import F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from markupsafe import Markup

from handlers.callbacks import RelayTo
from handlers.common import stale
from handlers.markup import answer, edit_text, t
from mentoring import relay as rules
from mentoring.relay import Member, Outcome

if TYPE_CHECKING:
    from mentoring.relay import RelayService

def PAUSED() -> Markup:
    return t("Your binôme is paused while the team looks at a report, so I can't pass "
             "messages on for now.")


def ENDED() -> Markup:
    return t("Your binôme has ended, so I can't pass your messages on any more.")


def UNCOPYABLE() -> Markup:
    return t("I can't pass polls, dice or protected messages on: send text, a photo or a "
             "file instead.")


PENDING = "relay_pending"
"""FSM data: ids of a volunteer's messages waiting for them to say which student."""


async def relayed(message: Message, state: FSMContext, relay: RelayService) -> None:
    if message.from_user is None:
        raise SkipHandler()
    sender = message.from_user.id
    reply = message.reply_to_message.message_id if message.reply_to_message else None
    route = await relay.route(sender, reply)
    if route.outcome is Outcome.NONE:
        raise SkipHandler()  # not in a pair: the fallback explains
    if route.outcome is Outcome.ENDED:
        await answer(message, ENDED())
        return
    if route.outcome is Outcome.PAUSED:
        await answer(message, PAUSED())
        return
    raw = message.model_dump(mode="json", exclude_none=True, by_alias=True)
    if rules.kind_of(raw) in rules.UNCOPYABLE or message.has_protected_content:
        await answer(message, UNCOPYABLE())
        return
    if route.outcome is Outcome.ASK:
        # Only ids wait here, never what was written: the copy is made once they choose.
        pending = list((await state.get_data()).get(PENDING, []))
        pending.append({"message_id": message.message_id, "bare": True,
                        rules.kind_of(raw): True})
        await state.update_data({PENDING: pending})
        if len(pending) == 1:  # asked once, however many follow before the answer
            await answer(message, t("Which of your students is this for? I will remember "
                                    "it for your next messages."),
                         reply_markup=await choices(relay, sender))
        return
    assert route.member is not None
    await relay.send(sender, route.member, raw, route.reply_to)


async def choices(relay: RelayService, volunteer_id: int) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for member in await relay.members(volunteer_id):
        kb.button(text=await relay.name(member.partner_id),
                  callback_data=RelayTo(pair=member.pair_id))
    kb.adjust(1)
    return kb.as_markup()


async def chosen(callback: CallbackQuery, callback_data: RelayTo, state: FSMContext,
                 relay: RelayService) -> None:
    volunteer = callback.from_user.id
    member = next((m for m in await relay.members(volunteer)
                   if m.pair_id == callback_data.pair), None)
    # A forged button (another volunteer's pair, an ended one) reaches no one.
    if member is None or len(await relay.members(volunteer)) < 2:
        await stale(callback)
        return
    await relay.store.choose(volunteer, member.pair_id, relay.now())
    await callback.answer()
    name = await relay.name(member.partner_id)
    await edit_text(callback, t("Your messages now go to {name}. Send /binome to change.")
                    .format(name=name))
    await send_pending(state, relay, volunteer, member)


async def send_pending(state: FSMContext, relay: RelayService, volunteer: int,
                       member: Member) -> None:
    pending = (await state.get_data()).get(PENDING, [])
    if not pending:
        return
    await state.update_data({PENDING: []})
    for raw in pending:
        await relay.send(volunteer, member, raw, None)


async def edited(message: Message, relay: RelayService) -> None:
    if message.from_user is None:
        raise SkipHandler()
    raw = message.model_dump(mode="json", exclude_none=True, by_alias=True)
    if not await relay.edit(message.from_user.id, raw):
        raise SkipHandler()  # not a relayed message: the fallback explains


async def current_choice(message: Message, relay: RelayService, volunteer_id: int) -> None:
    """For /binome: a volunteer with several students sees and can change who their
    messages go to."""
    members = await relay.members(volunteer_id)
    if len(members) < 2:
        return
    choice = await relay.store.choice(volunteer_id)
    current = next((m for m in members if m.pair_id == choice), None)
    if current is None:
        text = t("Your messages go to the student you reply to; otherwise I ask you.")
    else:
        text = t("Your messages go to {name}, unless you reply to another student's "
                 "message. Change:").format(name=await relay.name(current.partner_id))
    await answer(message, text, reply_markup=await choices(relay, volunteer_id))


def make_router() -> Router:
    """The relay router, new each time; it comes after the forms and commands, so that an
    answer to a form or a command is never relayed."""
    router = Router(name="relay")
    router.message.register(relayed, StateFilter(None), ~F.text.startswith("/"))
    router.edited_message.register(edited, StateFilter(None))
    router.callback_query.register(chosen, RelayTo.filter())
    return router
