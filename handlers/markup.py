"""The one place where messages are sent as HTML, and only messages built as ``Markup``.

The bot's default parse mode is none, so a plain ``str`` reaches the user exactly as typed.
A catalogue sentence is trusted markup (translators write its tags); ``Markup.format`` and
``lines`` escape every value put into it, so a first name like ``<3 Ana`` can never be read
as a tag. Button labels and callback alerts are plain text for Telegram: they stay ``str``.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from aiogram import Bot
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.i18n import get_i18n
from markupsafe import Markup, escape

__all__ = ["Markup", "answer", "answer_document", "answer_photo", "bold", "edit_message",
           "edit_of", "edit_text", "escape", "harmless_edit_error", "lines", "send",
           "send_document", "t", "tn"]

log = logging.getLogger(__name__)

# What Telegram says when an edit has nothing to do: the message already reads like that,
# or it is gone or too old. Any other refusal is a bug worth seeing.
_HARMLESS_EDITS = ("message is not modified", "message to edit not found",
                   "message can't be edited")


def t(message: str) -> Markup:
    """A catalogue sentence in the user's language, as markup."""
    return Markup(get_i18n().gettext(message))


def tn(singular: str, plural: str, n: int) -> Markup:
    """The singular or plural catalogue sentence for ``n``, as markup."""
    return Markup(get_i18n().gettext(singular, plural, n))


def lines(*parts: str | Markup) -> Markup:
    """Parts one per line; plain text among them is escaped."""
    return Markup("\n").join(parts)


def bold(text: str | Markup) -> Markup:
    return Markup("<b>{}</b>").format(text)


def harmless_edit_error(error: TelegramBadRequest) -> bool:
    return any(reason in error.message for reason in _HARMLESS_EDITS)


async def answer(message: Message, text: Markup, **kwargs: Any) -> Message:
    return await message.answer(text, parse_mode=ParseMode.HTML, **kwargs)


async def send(bot: Bot, chat_id: int, text: Markup, reply_markup: Any = None) -> Message:
    return await bot.send_message(chat_id, text, parse_mode=ParseMode.HTML,
                                  reply_markup=reply_markup)


async def answer_document(message: Message, document: BufferedInputFile,
                          caption: Markup, **kwargs: Any) -> Message:
    return await message.answer_document(document, caption=caption,
                                         parse_mode=ParseMode.HTML, **kwargs)


async def send_document(bot: Bot, chat_id: int, document: BufferedInputFile, caption: Markup,
                        reply_markup: Any = None) -> Message:
    return await bot.send_document(chat_id, document, caption=caption,
                                   parse_mode=ParseMode.HTML, reply_markup=reply_markup)


async def answer_photo(message: Message, photo: BufferedInputFile, caption: Markup) -> Message:
    return await message.answer_photo(photo, caption=caption, parse_mode=ParseMode.HTML)


async def edit_message(bot: Bot, chat_id: int, message_id: int, text: Markup) -> None:
    """Replace the text of a message the bot sent earlier; Telegram's refusal is raised."""
    await bot.edit_message_text(text=text, chat_id=chat_id, message_id=message_id,
                                parse_mode=ParseMode.HTML)


async def edit_text(callback: CallbackQuery, text: Markup, markup: Any = None) -> None:
    """Replace the pressed message's text. A message already like that, gone or too old is
    left be; any other refusal is logged and goes on to the error router."""
    if not isinstance(callback.message, Message):
        return
    async with edit_of(callback.message, callback):
        await callback.message.edit_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)


@contextlib.asynccontextmanager
async def edit_of(message: Message, callback: CallbackQuery) -> AsyncIterator[None]:
    """An edit of the pressed ``message``: Telegram's harmless refusals are let be, any other
    is logged and goes on to the error router."""
    try:
        yield
    except TelegramBadRequest as error:
        if harmless_edit_error(error):
            return
        log.warning("edit of message %s in chat %s refused (callback %s): %s",
                    message.message_id, message.chat.id, callback.id, error.message)
        raise
