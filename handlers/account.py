"""Commands that work at any moment, whatever the conversation is in the middle of."""

from __future__ import annotations

import json

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from handlers import keyboards, texts
from handlers.callbacks import EraseAnswer, LanguageChoice
from handlers.common import edit_markup, load_draft, stale
from handlers.markup import answer, answer_document, send, t
from handlers.signup import resume, show_summary
from handlers.states import Form, Start
from mentoring.form import Draft
from mentoring.matchmaking import Matchmaker
from mentoring.signup import Signup


async def help_command(message: Message) -> None:
    await answer(message, texts.help_text())


async def privacy(message: Message) -> None:
    await answer(message, texts.privacy_notice())


async def language(message: Message) -> None:
    await answer(message, t("Which language do you prefer?"), reply_markup=keyboards.languages())


async def language_chosen(callback: CallbackQuery, callback_data: LanguageChoice,
                          state: FSMContext, signup: Signup, i18n: I18n, bot: Bot) -> None:
    if callback_data.code not in keyboards.LANGUAGE_NAMES:
        await stale(callback)
        return
    user = await signup.user(callback.from_user.id)
    if user is None:
        await callback.answer(_("Send /start first, please."), show_alert=True)
        return
    await signup.set_language(user.id, callback_data.code)
    i18n.current_locale = callback_data.code
    await callback.answer()
    await edit_markup(callback, None)
    await send(bot, user.id, t("Done: I will talk to you in English from now on."))
    draft = await load_draft(state)
    if draft is not None and (await state.get_state()) in (Form.answering.state,
                                                           Form.summary.state):
        await resume(bot, user.id, state, draft)


async def cancel(message: Message, state: FSMContext) -> None:
    current = await state.get_state()
    data = await state.get_data()
    if current is None:
        await answer(message, t("There is nothing to cancel."))
        return
    if data.get("mode") == "profile":
        await state.clear()
        await answer(message, t("Editing cancelled: your profile is unchanged."))
        return
    if not current.startswith(("Form:", "Start:")):
        await state.clear()
        await answer(message, t("Cancelled."))
        return
    # The answers stay in the draft: /start picks the sign-up up again where it stopped.
    await state.set_state(None)
    await answer(message, t("Sign-up paused. What you told me so far is kept: send /start to "
                            "continue, or /delete to erase it."))


async def profile(message: Message, state: FSMContext, signup: Signup, bot: Bot) -> None:
    if message.from_user is None:
        return
    saved = await signup.profile(message.from_user.id)
    if saved is None:
        await answer(message, t("You have not finished signing up yet: send /start to continue."))
        return
    if (await state.get_data()).get("mode") == "profile":
        await state.clear()
    await show_summary(bot, message.from_user.id, state, Draft.from_profile(saved),
                       mode="profile")


async def my_data(message: Message, state: FSMContext, signup: Signup) -> None:
    if message.from_user is None:
        return
    user = await signup.user(message.from_user.id)
    if user is None:
        await answer(message, t("We hold no data about you."))
        return
    data = await signup.personal_data(user.id, await load_draft(state))
    content = json.dumps(data, ensure_ascii=False, indent=2, default=str).encode()
    await answer_document(message, BufferedInputFile(content, filename="binome-my-data.json"),
                          caption=t("Here is everything we hold about you."))


async def delete(message: Message) -> None:
    await answer(
        message,
        t("This erases your profile and everything you told us, and it cannot be undone. "
          "Are you sure?"),
        reply_markup=keyboards.erase(),
    )


async def erase(callback: CallbackQuery, state: FSMContext, signup: Signup,
                matchmaker: Matchmaker) -> None:
    await matchmaker.withdraw(callback.from_user.id)
    erased = await signup.erase(callback.from_user.id)
    await state.clear()
    await callback.answer()
    await edit_markup(callback, None)
    if isinstance(callback.message, Message):
        await answer(
            callback.message,
            t("Done: your data has been erased. If you want to come back, send /start.")
            if erased else t("We hold no data about you."))


async def keep(callback: CallbackQuery) -> None:
    await callback.answer()
    await edit_markup(callback, None)
    if isinstance(callback.message, Message):
        await answer(callback.message, t("Nothing was erased."))


async def unknown_command(message: Message, state: FSMContext) -> None:
    current = await state.get_state()
    if current in (Form.answering.state, Start.role.state, Start.consent.state):
        await answer(message, t("I don't know that command: answer the question above, "
                                "or send /help."))
    else:
        await answer(message, t("I don't know that command: send /help to see what I can do."))


def make_router() -> Router:
    """The account router, new each time, so that every Dispatcher gets its own."""
    router = Router(name="account")
    router.message.register(help_command, Command("help", "aide"))
    router.message.register(privacy, Command("privacy", "confidentialite"))
    router.message.register(language, Command("language", "langue"))
    router.callback_query.register(language_chosen, LanguageChoice.filter())
    router.message.register(cancel, Command("cancel", "annuler"))
    router.message.register(profile, Command("profile", "profil"))
    router.message.register(my_data, Command("mydata", "mesdonnees"))
    router.message.register(delete, Command("delete", "supprimer"))
    router.callback_query.register(erase, EraseAnswer.filter(F.answer == "yes"))
    router.callback_query.register(keep, EraseAnswer.filter(F.answer == "no"))
    router.message.register(unknown_command, F.text.startswith("/"))
    return router
