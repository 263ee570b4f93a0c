"""Small helpers shared by the routers."""

from __future__ import annotations

from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from handlers.markup import Markup, edit_of
from mentoring.form import Draft


async def edit_markup(callback: CallbackQuery, markup: InlineKeyboardMarkup | None) -> None:
    """Replace the pressed message's buttons; a message already like that, gone or too old
    is left be, any other refusal goes on to the error router."""
    if not isinstance(callback.message, Message):
        return
    async with edit_of(callback.message, callback):
        await callback.message.edit_reply_markup(reply_markup=markup)


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
