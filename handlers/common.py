"""Small helpers shared by the routers."""

from __future__ import annotations

import contextlib
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from mentoring.form import Draft


async def edit_text(callback: CallbackQuery, text: str,
                    markup: InlineKeyboardMarkup | None = None) -> None:
    """Replace the pressed message's text; a message Telegram can no longer edit is left be."""
    if not isinstance(callback.message, Message):
        return
    with contextlib.suppress(TelegramBadRequest):
        await callback.message.edit_text(text, reply_markup=markup)


async def edit_markup(callback: CallbackQuery, markup: InlineKeyboardMarkup | None) -> None:
    if not isinstance(callback.message, Message):
        return
    with contextlib.suppress(TelegramBadRequest):
        await callback.message.edit_reply_markup(reply_markup=markup)


def pressed_text(callback: CallbackQuery) -> str:
    return callback.message.html_text if isinstance(callback.message, Message) else ""


async def send(bot: Bot, user_id: int, text: str, markup: Any = None) -> Message:
    return await bot.send_message(user_id, text, reply_markup=markup)


async def load_draft(state: FSMContext) -> Draft | None:
    data = await state.get_data()
    return Draft.from_dict(data["draft"]) if data.get("draft") else None


async def stale(callback: CallbackQuery) -> None:
    """The one answer to a press on a button that no longer applies."""
    await callback.answer(_("This button is no longer active."), show_alert=True)
