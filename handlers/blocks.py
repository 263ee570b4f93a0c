"""/block ID reason and /unblock ID (staff), and the one place where every update from a
blocked person is caught.

A blocked person's messages and taps are neither relayed nor answered: the bot stays
silent, so someone staff had to stop gets nothing back to push against, and their former
partner is never reached. The one exception is /start, the door through which a person asks
to take part: it gets one kind sentence saying they cannot. /privacy, /mydata and /delete
(with its confirmation button) still work: a block does not take away a person's rights over
their data.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message, TelegramObject, User

from handlers.callbacks import EraseAnswer
from handlers.markup import answer, t
from handlers.staff import IsStaff
from mentoring.blocks import BlockChange, Blocks

log = logging.getLogger(__name__)
BLOCK_COMMANDS = ("block", "unblock")
# What a blocked person may still do: read the privacy notice, see and erase their data.
DATA_RIGHTS = frozenset({"privacy", "confidentialite", "mydata", "mesdonnees", "delete",
                         "supprimer"})


def _command(text: str | None) -> str | None:
    if not text or not text.startswith("/"):
        return None
    return text[1:].split(maxsplit=1)[0].split("@", 1)[0].lower() if len(text) > 1 else None


class BlockedUsers(BaseMiddleware):
    """An outer middleware on messages and button taps (after the language's): one lookup
    of the sender per update, nothing cached between updates, so a block or an unblock
    counts at once."""

    def __init__(self, is_blocked: Callable[[int], Awaitable[bool]]) -> None:
        self._is_blocked = is_blocked

    def setup(self, router: Router) -> None:
        router.message.outer_middleware(self)
        router.callback_query.outer_middleware(self)

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        if user is None or not await self._is_blocked(user.id):
            return await handler(event, data)
        if isinstance(event, Message):
            command = _command(event.text)
            if command in DATA_RIGHTS:
                return await handler(event, data)
            log.info("a message from blocked user %s not handled", user.id)
            if command == "start" and event.chat.type == "private":
                await answer(event, t("We are sorry: you cannot take part in the "
                                      "programme. Thank you for your understanding."))
            return None
        if isinstance(event, CallbackQuery):
            if event.data and event.data.startswith(EraseAnswer.__prefix__ + ":"):
                return await handler(event, data)
            log.info("a button from blocked user %s not handled", user.id)
            await event.answer()  # stops the button's spinner, says nothing
            return None
        return await handler(event, data)


async def block(message: Message, command: CommandObject, blocks: Blocks) -> None:
    """/block ID reason."""
    actor = message.from_user.id if message.from_user else 0
    user_id, _space, reason = (command.args or "").strip().partition(" ")
    if not user_id.isdigit():
        await answer(message, t("Write /block followed by the person's Telegram id and the "
                                "reason, for the staff's record."))
        return
    change = await blocks.block(actor, int(user_id), reason)
    await answer(message, {
        BlockChange.DONE: t("Done: {id} is blocked. Their pairs have ended, their partners "
                            "were told and offered a new match; nothing they send is relayed "
                            "or answered.").format(id=int(user_id)),
        BlockChange.ALREADY: t("Nothing to change: {id} is already blocked.").format(
            id=int(user_id)),
        BlockChange.UNKNOWN: t("Nobody with the id {id} has written to the bot.").format(
            id=int(user_id)),
        BlockChange.STAFF: t("{id} is staff: remove them from the staff before blocking "
                             "them.").format(id=int(user_id)),
        BlockChange.NO_REASON: t("Write /block followed by the person's Telegram id and the "
                                 "reason, for the staff's record."),
    }[change])


async def unblock(message: Message, command: CommandObject, blocks: Blocks) -> None:
    """/unblock ID."""
    actor = message.from_user.id if message.from_user else 0
    user_id = (command.args or "").strip()
    if not user_id.isdigit():
        await answer(message, t("Write /unblock followed by the person's Telegram id."))
        return
    change = await blocks.unblock(actor, int(user_id))
    await answer(message, t("Done: {id} may take part again.").format(id=int(user_id))
                 if change is BlockChange.DONE
                 else t("Nothing to change: {id} is not blocked.").format(id=int(user_id)))


def make_router() -> Router:
    """The staff commands /block and /unblock; the staff router refuses them to others."""
    router = Router(name="blocks")
    router.message.register(block, Command("block"), IsStaff())
    router.message.register(unblock, Command("unblock"), IsStaff())
    return router
