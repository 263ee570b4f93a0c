"""Small helpers shared by the routers."""

from __future__ import annotations

import logging

from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from handlers.markup import Markup, harmless_edit_error
from mentoring.form import Draft

log = logging.getLogger(__name__)


async def edit_markup(callback: CallbackQuery, markup: InlineKeyboardMarkup | None) -> None:
    """Replace the pressed message's buttons; a message already like that, gone or too old
    is left be, any other refusal goes on to the error router."""
    if not isinstance(callback.message, Message):
        return
    try:
        await callback.message.edit_reply_markup(reply_markup=markup)
    except TelegramBadRequest as error:
        if harmless_edit_error(error):
            return
        log.warning("buttons of message %s in chat %s not replaced (callback %s): %s",
                    callback.message.message_id, callback.message.chat.id, callback.id,
                    error.message)
        raise


def pressed_text(callback: CallbackQuery) -> Markup:
    """The pressed message as it reads, its formatting kept (aiogram rebuilds the HTML from
    Telegram's entities, escaping the text)."""
    return Markup(callback.message.html_text if isinstance(callback.message, Message) else "")


async def load_draft(state: FSMContext) -> Draft | None:
    data = await state.get_data()
    return Draft.from_dict(data["draft"]) if data.get("draft") else None


async def stale(callback: CallbackQuery) -> None:
    """The one answer to a press on a button that no longer applies."""
    await callback.answer(_("This button is no longer active."), show_alert=True)
