"""The outbox renderings of a report's attached conversation: a line saying what follows,
each message forwarded from the chat it was written in, then how many went.

A message deleted since (Telegram: "message to forward not found") is skipped, not failed:
the person had the right to delete it, and the others still go.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest

from bot.i18n import CatalogueI18n
from bot.outbox import Rendered, Skipped
from handlers.markup import lines, send, t, tn
from storage.attachments import SqlAttachments

KINDS = frozenset({"report_attach_head", "report_forward", "report_attach_done"})

GONE = ("message to forward not found", "message can't be forwarded",
        "message_id_invalid")
"""Telegram's answers when the message itself can no longer be forwarded."""


class AttachmentTexts:
    def __init__(self, store: SqlAttachments, i18n: CatalogueI18n) -> None:
        self._store = store
        self._i18n = i18n

    async def render(self, kind: str, params: dict[str, Any], recipient: int,
                     language: str) -> Rendered:
        if kind == "report_forward":
            return Rendered(deliver=_forward(params, recipient))
        if kind == "report_attach_head":
            with self._i18n.context(), self._i18n.use_locale(language):
                return Rendered(tn(
                    "📎 Report #{report}: user {user} attaches the last {count} message of "
                    "pair {pair}. It follows, forwarded as it was written.",
                    "📎 Report #{report}: user {user} attaches the last {count} messages of "
                    "pair {pair}. They follow, forwarded as they were written.",
                    params["count"]).format(report=params["report_id"],
                                            user=params["reporter_id"],
                                            pair=params["pair_id"], count=params["count"]))
        return Rendered(deliver=self._summary(params, recipient, language))

    def _summary(self, params: dict[str, Any], recipient: int,
                 language: str) -> Callable[[Bot], Awaitable[int]]:
        # Counted when it is sent, after the forwards before it in this chat have ended.
        async def deliver(bot: Bot) -> int:
            tally = await self._store.tally(params["report_id"], recipient)
            with self._i18n.context(), self._i18n.use_locale(language):
                text = t("📎 End of the messages attached to report #{report}: {sent} of "
                         "{count} forwarded.").format(report=params["report_id"],
                                                      sent=tally.get("sent", 0),
                                                      count=params["count"])
                skipped = tally.get("skipped", 0)
                if skipped:
                    text = lines(text, tn(
                        "{skipped} could not be forwarded: it was deleted since.",
                        "{skipped} could not be forwarded: they were deleted since.",
                        skipped).format(skipped=skipped))
            sent = await send(bot, recipient, text)
            return sent.message_id
        return deliver


def _forward(params: dict[str, Any], recipient: int) -> Callable[[Bot], Awaitable[int]]:
    async def deliver(bot: Bot) -> int:
        try:
            sent = await bot.forward_message(recipient, params["sender_id"],
                                             params["message_id"])
        except TelegramBadRequest as error:
            if any(gone in str(error).lower() for gone in GONE):
                raise Skipped(str(error)) from error
            raise
        return sent.message_id
    return deliver


__all__ = ["KINDS", "AttachmentTexts"]
