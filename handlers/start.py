"""/start: greeting, deep-link source, role and consent to the privacy notice."""

from __future__ import annotations

import re

from aiogram import Bot, F, Router
from aiogram.filters import CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from handlers import keyboards
from handlers.callbacks import ConsentAnswer, RoleChoice
from handlers.common import edit_markup, load_draft, pressed_text
from handlers.markup import answer, edit_text, t
from handlers.signup import ask, resume
from handlers.staff import publish_staff_menu
from handlers.states import Form, Start
from handlers.texts import chosen, privacy_notice, role_label
from mentoring.form import Draft
from mentoring.model import Role
from mentoring.signup import Signup
from mentoring.staff import StaffDirectory

# Telegram only lets these characters through in a deep-link payload.
_SOURCE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


async def start(message: Message, command: CommandObject, state: FSMContext,
                signup: Signup, bot: Bot, staff: StaffDirectory, i18n: I18n) -> None:
    user = message.from_user
    if user is None:
        return
    source = command.args if command.args and _SOURCE.match(command.args) else None
    person, _first_time = await signup.greet(
        user.id, telegram_name=user.full_name, username=user.username,
        language_code=user.language_code, source=source,
    )
    if await staff.is_staff(user.id):
        await publish_staff_menu(bot, i18n, user.id, person.language, staff=True)
    current = await state.get_state()
    if current == Start.consent.state:
        await answer(message, t("Before we start, please read and accept the privacy notice."),
                             reply_markup=keyboards.consent())
        return
    draft = await load_draft(state)
    data = await state.get_data()
    if draft is not None and data.get("mode", "signup") == "signup":
        await answer(message, t("Welcome back! Let's pick up where you stopped."))
        await resume(bot, user.id, state, draft)
        return
    profile = await signup.profile(user.id)
    if profile is not None and not await signup.has_current_consent(user.id):
        # Signed up by the programme (an import): they have not accepted the notice here.
        await state.set_state(Start.consent)
        await answer(message, t("Before we start, please read and accept the privacy notice."),
                             reply_markup=keyboards.consent())
        return
    if profile is not None:
        await state.clear()
        await _already_signed_up(message)
        return
    await state.set_state(Start.role)
    await answer(
        message,
        t("Hello {name}! I am Binôme, the bot of a free mentoring programme: students are "
          "paired with professional volunteers who help them with their studies and their "
          "first steps into work.").format(name=user.first_name)
    )
    await answer(message, t("Who are you?"), reply_markup=keyboards.roles())


async def chose_role(callback: CallbackQuery, callback_data: RoleChoice,
                     state: FSMContext, signup: Signup) -> None:
    role = Role(callback_data.role)
    await signup.choose_role(callback.from_user.id, role)
    await state.set_state(Start.consent)
    await state.update_data(role=role.value)
    await edit_text(callback, chosen(pressed_text(callback), role_label(role)))
    await callback.answer()
    if isinstance(callback.message, Message):
        await answer(
            callback.message,
            t("Before we start: we keep what you tell us only to run the mentoring programme "
              "(finding you a match and keeping in touch). You can see it with /mydata and "
              "erase it with /delete at any time. Do you agree?"),
            reply_markup=keyboards.consent(),
        )


async def read_notice(callback: CallbackQuery) -> None:
    await callback.answer()
    if isinstance(callback.message, Message):
        await answer(callback.message, privacy_notice())
        await answer(callback.message, t("Do you agree to the privacy notice?"),
                                      reply_markup=keyboards.consent())


async def refuse(callback: CallbackQuery, signup: Signup) -> None:
    await callback.answer()
    if not isinstance(callback.message, Message):
        return
    if await signup.profile(callback.from_user.id) is not None:  # brought in by an import
        await answer(
            callback.message,
            t("No problem. The programme added your profile from its records: if you do not "
              "want to take part, erase it with /delete. You can change your mind with "
              "/start."))
        return
    await answer(
        callback.message,
        t("No problem. Without your agreement we cannot sign you up; you can change your "
          "mind at any time with the buttons above or with /start."))


async def agree(callback: CallbackQuery, state: FSMContext, signup: Signup, bot: Bot) -> None:
    await signup.consent(callback.from_user.id)
    await edit_markup(callback, None)
    await callback.answer(_("Thank you!"))
    if await signup.profile(callback.from_user.id) is not None:  # imported: nothing to fill
        await state.clear()
        if isinstance(callback.message, Message):
            await _already_signed_up(callback.message)
        return
    data = await state.get_data()
    draft = Draft(Role(data.get("role", Role.STUDENT.value)))
    await state.set_state(Form.answering)
    first = draft.next_step()
    assert first is not None
    await ask(bot, callback.from_user.id, state, draft, first,
              suggestion=callback.from_user.first_name)


async def _already_signed_up(message: Message) -> None:
    await answer(message, t("You are already signed up. Send /profile to see or edit "
                            "your profile, or /help for everything else."))


def make_router() -> Router:
    """The start router, new each time, so that every Dispatcher gets its own."""
    router = Router(name="start")
    router.message.register(start, CommandStart())
    router.callback_query.register(chose_role, Start.role, RoleChoice.filter())
    router.callback_query.register(
        read_notice, Start.consent, ConsentAnswer.filter(F.answer == "read"),
    )
    router.callback_query.register(refuse, Start.consent, ConsentAnswer.filter(F.answer == "no"))
    router.callback_query.register(agree, Start.consent, ConsentAnswer.filter(F.answer == "yes"))
    return router
