"""The reporter's button to attach the last messages of the conversation to their report.

Only this explicit tap forwards anything to staff; the use case checks that the report is
the presser's own and still open, so a forged or old button changes nothing.
"""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.callbacks import AttachMessages
from handlers.common import edit_markup
from handlers.markup import Markup, answer, t, tn
from mentoring.attachments import ReportAttachments


def attach_offer(report_id: int, count: int) -> tuple[Markup, InlineKeyboardMarkup]:
    """The line and the button that offer to attach ``count`` messages to the report."""
    kb = InlineKeyboardBuilder()
    kb.button(text=ngettext("📎 Attach our last {count} message",
                            "📎 Attach our last {count} messages", count).format(count=count),
              callback_data=AttachMessages(report=report_id))
    return (t("To help the staff judge, you can send them the last messages you and your "
              "binôme wrote here. Nothing is sent unless you tap the button."), kb.as_markup())


async def offer(message: Message, attachments: ReportAttachments, report_id: int,
                user_id: int) -> None:
    """After ``user_id``'s report: offer to attach the conversation, if there is one to
    attach (``message``: where to answer)."""
    count = await attachments.offer(report_id, user_id)
    if count:
        text, keyboard = attach_offer(report_id, count)
        await answer(message, text, reply_markup=keyboard)


async def attach_pressed(callback: CallbackQuery, callback_data: AttachMessages,
                         attachments: ReportAttachments) -> None:
    count = await attachments.attach(callback_data.report, callback.from_user.id)
    await callback.answer(_("Sent to the staff."))
    await edit_markup(callback, None)
    if isinstance(callback.message, Message):
        await answer(callback.message, tn(
            "Done: {count} message is on its way to the staff, and only to them.",
            "Done: your last {count} messages are on their way to the staff, and only to "
            "them.", count).format(count=count))


def make_router() -> Router:
    router = Router(name="attachments")
    router.callback_query.register(attach_pressed, AttachMessages.filter())
    return router
