"""The relay's use cases and the outbox renderings of what it queues.

A member's message is queued in the outbox's relay lane with only what is needed to copy it
(the chat and message ids); a text or a caption rides along until it is sent, then is
dropped from the row, and what stays is ``relay_messages``: who, to whom, when, what kind.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.types import MessageEntity, ReplyParameters
from markupsafe import Markup

from bot.i18n import CatalogueI18n
from bot.outbox import Rendered
from handlers.markup import t
from handlers.relay import ENDED, PAUSED
from mentoring import relay as rules
from mentoring.relay import Delivered, RelayService

log = logging.getLogger(__name__)

KINDS = frozenset({"relay", "relay_edit", "relay_notice", "relay_staff"})


class RelayTexts:
    """The outbox renderings of the relay's kinds."""

    def __init__(self, relay: RelayService, i18n: CatalogueI18n,
                 clock: Callable[[], datetime]) -> None:
        self._relay = relay
        self._i18n = i18n
        self._clock = clock

    async def render(self, kind: str, params: dict[str, Any], recipient: int, language: str,
                     outbox_id: int) -> Rendered | None:
        with self._i18n.context(), self._i18n.use_locale(language):
            if kind == "relay_notice":
                return Rendered(await self._notice(params))
            if kind == "relay_staff":
                name = await self._relay.name(params["recipient_id"])
                return Rendered(t("⚠️ Pair #{pair}: {name} has blocked Binôme, so their "
                                  "partner's messages no longer reach them.").format(
                    pair=params["pair_id"], name=name))
        store = self._relay.store

        async def forget() -> None:
            await store.forget_content(outbox_id)

        pairs = {m.pair_id: m for m in await self._relay.members(params["sender_id"])}
        member = pairs.get(params["pair_id"])
        if member is None or member.partner_id != recipient or member.frozen:
            # The pair ended or was paused after the message was queued.
            await self._relay.notice(params["sender_id"],
                                     "paused" if member is not None else "ended")
            await forget()
            return None
        if kind == "relay_edit":
            return Rendered(deliver=self._guarded(params, recipient, _edit(params, recipient)),
                            settled=forget)

        recorded = False

        async def after(copy_id: int) -> None:
            nonlocal recorded
            # One transaction: the record, and the content leaving the outbox row.
            await store.record(Delivered(
                params["pair_id"], params["sender_id"], recipient, params["kind"],
                self._clock(), params["message_id"], copy_id), outbox_id)
            recorded = True

        async def unless_recorded() -> None:
            if not recorded:
                await forget()

        return Rendered(deliver=self._guarded(params, recipient, _copy(params, recipient)),
                        after=after, settled=unless_recorded)

    def _guarded(self, params: dict[str, Any], recipient: int,
                 deliver: Callable[[Bot], Awaitable[int]]) -> Callable[[Bot], Awaitable[int]]:
        """``deliver``, telling the sender when Telegram refuses; the outbox then records
        the refusal as for any message."""
        async def guarded(bot: Bot) -> int:
            try:
                return await deliver(bot)
            except TelegramForbiddenError:
                await self._relay.notice(params["sender_id"], "blocked", about=recipient,
                                         pair_id=params["pair_id"])
                raise
            except TelegramBadRequest as error:
                if "not modified" not in str(error):
                    await self._relay.notice(params["sender_id"], "refused")
                raise
        return guarded

    async def _notice(self, params: dict[str, Any]) -> Markup:
        reason = params["reason"]
        if reason == "blocked":
            name = await self._relay.name(params["about"])
            return t("Your message could not reach {name}: they have blocked Binôme. We have "
                     "told the team.").format(name=name)
        if reason == "refused":
            return t("Telegram doesn't let me pass this message on: send it as text, a photo "
                     "or a file instead.")
        if reason == "paused":
            return PAUSED()
        return ENDED()


def _entities(raw: list[dict[str, Any]]) -> list[MessageEntity]:
    return [MessageEntity.model_validate(entity) for entity in raw]


def _reply(params: dict[str, Any]) -> ReplyParameters | None:
    reply_to = params.get("reply_to")
    return (ReplyParameters(message_id=reply_to, allow_sending_without_reply=True)
            if reply_to else None)


def _copy(params: dict[str, Any], recipient: int) -> Callable[[Bot], Awaitable[int]]:
    async def deliver(bot: Bot) -> int:
        name, kind = params["name"], params["kind"]
        reply = _reply(params)
        if params.get("bare"):
            pass
        elif kind == "text":
            named = rules.with_name(name, params["body"], params["entities"], rules.MAX_TEXT)
            if named is not None:
                sent = await bot.send_message(recipient, named[0], parse_mode=None,
                                              entities=_entities(named[1]),
                                              reply_parameters=reply)
                return sent.message_id
        elif kind in rules.CAPTIONED:
            named = rules.with_name(name, params.get("caption") or "", params.get("entities")
                                    or [], rules.MAX_CAPTION)
            if named is not None:
                copied = await bot.copy_message(
                    recipient, params["sender_id"], params["message_id"], caption=named[0],
                    caption_entities=_entities(named[1]), parse_mode=None,
                    reply_parameters=reply)
                return copied.message_id
        # No room for the name (a text or caption near Telegram's limit) or nowhere to put
        # it (a sticker, a location): a line naming the sender, then the message as it is.
        await bot.send_message(recipient, f"{name}:", parse_mode=None,
                               entities=_entities([{"type": "bold", "offset": 0,
                                                    "length": rules.utf16_len(name) + 1}]),
                               reply_parameters=reply)
        copied = await bot.copy_message(recipient, params["sender_id"], params["message_id"])
        return copied.message_id
    return deliver


def _edit(params: dict[str, Any], recipient: int) -> Callable[[Bot], Awaitable[int]]:
    async def deliver(bot: Bot) -> int:
        name, copy_id = params["name"], params["copy_id"]
        if params.get("body") is not None:
            named = rules.with_name(name, params["body"], params["entities"], rules.MAX_TEXT)
            text, entities = named if named is not None else (params["body"],
                                                              params["entities"])
            await bot.edit_message_text(text, chat_id=recipient, message_id=copy_id,
                                        parse_mode=None, entities=_entities(entities))
        else:
            named = rules.with_name(name, params.get("caption") or "", params["entities"],
                                    rules.MAX_CAPTION)
            caption, entities = named if named is not None else (params.get("caption"),
                                                                 params["entities"])
            await bot.edit_message_caption(chat_id=recipient, message_id=copy_id,
                                           caption=caption, parse_mode=None,
                                           caption_entities=_entities(entities))
        return int(copy_id)
    return deliver


__all__ = ["KINDS", "RelayService", "RelayTexts"]
