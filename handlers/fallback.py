"""Whatever no other handler took: old buttons, edited messages, stray messages."""

from __future__ import annotations

from aiogram import Router
from aiogram.enums import ChatMemberStatus
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, ChatMemberUpdated, Message

from handlers import keyboards
from handlers.common import stale
from handlers.markup import answer, t
from handlers.states import Start
from mentoring.signup import Signup


async def membership_changed(update: ChatMemberUpdated, signup: Signup) -> None:
    """Telegram tells us when a user blocks or unblocks the bot."""
    blocked = update.new_chat_member.status == ChatMemberStatus.KICKED
    await signup.set_blocked(update.from_user.id, blocked)


async def edited(message: Message) -> None:
    await answer(message, t("I can't take an edited message into account: please send your "
                            "answer again as a new message."))


async def outdated_button(callback: CallbackQuery) -> None:
    await stale(callback)


async def stray(message: Message, state: FSMContext, signup: Signup) -> None:
    current = await state.get_state()
    if current == Start.role.state:
        await answer(message, t("Please tell me who you are with the buttons below."),
                             reply_markup=keyboards.roles())
        return
    if current == Start.consent.state:
        await answer(message, t("Please answer with the buttons below."),
                             reply_markup=keyboards.consent())
        return
    if message.from_user and await signup.profile(message.from_user.id) is not None:
        await answer(message, t("I didn't understand. Send /help to see what I can do."))
        return
    await answer(message, t("Send /start to sign up, or /help to see what I can do."))


def make_router() -> Router:
    """The fallback router, new each time, so that every Dispatcher gets its own."""
    router = Router(name="fallback")
    router.my_chat_member.register(membership_changed)
    router.edited_message.register(edited)
    router.callback_query.register(outdated_button)
    router.message.register(stray)
    return router
