"""Contacts by mutual choice: the "Share my Telegram contact" button, and the partner's
one-tap answer to the offer. A forged or outdated press raises ``Stale`` in the use case
and gets ``handlers.ownership``'s answer; nothing changes."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.callbacks import ContactAnswer, ShareContact
from handlers.common import pressed_text
from handlers.markup import answer, edit_text, t
from handlers.texts import chosen
from mentoring.contacts import Contacts, Offered
from mentoring.signup import Signup


def share_contact_button(pair_id: int) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("🤝 Share my Telegram contact"), callback_data=ShareContact(pair=pair_id))
    return kb.as_markup()


def offer_keyboard(offer_id: int) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("Yes, please"), callback_data=ContactAnswer(id=offer_id, answer="yes"))
    kb.button(text=_("No, thanks"), callback_data=ContactAnswer(id=offer_id, answer="no"))
    return kb.as_markup()


async def share(callback: CallbackQuery, callback_data: ShareContact, contacts: Contacts,
                signup: Signup) -> None:
    outcome, partner_id = await contacts.offer(callback_data.pair, callback.from_user.id)
    partner = await signup.profile(partner_id)
    name = partner.first_name if partner else ""
    text = {
        Offered.SENT: t("I asked {name} if they would like your Telegram contact. I will "
                        "tell you if they say yes."),
        Offered.ALREADY_PENDING: t("Your offer is already waiting for {name}'s answer."),
        Offered.ALREADY_ACCEPTED: t("{name} already has your Telegram contact."),
    }[outcome].format(name=name)
    await callback.answer()
    if isinstance(callback.message, Message):
        await answer(callback.message, text)


async def answered(callback: CallbackQuery, callback_data: ContactAnswer,
                   contacts: Contacts) -> None:
    accept = callback_data.answer == "yes"
    await contacts.answer(callback_data.id, callback.from_user.id, accept)
    await callback.answer()
    await edit_text(callback, chosen(pressed_text(callback),
                                     _("Yes, please") if accept else _("No, thanks")))
    if isinstance(callback.message, Message) and not accept:
        await answer(callback.message, t("No problem: keep writing here, I pass your "
                                         "messages on."))


def make_router() -> Router:
    router = Router(name="contacts")
    router.callback_query.register(share, ShareContact.filter())
    router.callback_query.register(answered, ContactAnswer.filter(F.answer.in_({"yes", "no"})))
    return router
