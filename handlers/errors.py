"""The last line of defence: a domain error becomes one sentence, anything else a log line."""

from __future__ import annotations

import logging

from aiogram import Router
from aiogram.types import ErrorEvent
from aiogram.utils.i18n import gettext as _

from handlers import ownership
from mentoring.errors import UnknownUser

log = logging.getLogger(__name__)


async def on_error(event: ErrorEvent) -> bool:
    update = event.update
    chat = update.message or (update.callback_query.message if update.callback_query else None)
    if isinstance(event.exception, UnknownUser):
        text = _("Send /start first, please.")
    else:
        log.exception("update %s failed", update.update_id, exc_info=event.exception)
        text = _("Sorry, something went wrong on our side. Please try again in a moment.")
    if update.callback_query is not None:
        try:
            await update.callback_query.answer(text, show_alert=True)
            return True
        except Exception:
            log.debug("could not answer the callback query", exc_info=True)
    if chat is not None and chat.bot is not None:
        await chat.bot.send_message(chat.chat.id, text)
    return True


def make_router() -> Router:
    """The errors router, new each time, so that every Dispatcher gets its own."""
    router = Router(name="errors")
    ownership.register(router)
    router.errors.register(on_error)
    return router
