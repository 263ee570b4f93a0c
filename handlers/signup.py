"""The sign-up form: one question at a time, a summary to check, any field editable.

The draft lives in the conversation's FSM data (the database or Redis), so a sign-up
interrupted by a restart goes on from the step where it stopped.
"""

from __future__ import annotations

from typing import Any

from aiogram import Bot, F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _

from handlers import keyboards, texts
from handlers.callbacks import Answer, SummaryAction
from handlers.common import edit_markup, load_draft, pressed_text, stale
from handlers.markup import Markup, answer, edit_text, escape, send, t
from handlers.notifications import waiting_text
from handlers.states import Form
from handlers.vetting import volunteer_signed_up
from mentoring import catalog
from mentoring.errors import InvalidAnswer
from mentoring.form import (
    Draft,
    Step,
    StepKind,
    check_choice,
    check_choices,
    check_field,
    check_place,
    check_text,
    step_named,
)
from mentoring.keeping_in_touch import VolunteerAvailability
from mentoring.matchmaking import Matchmaker, Outcome
from mentoring.model import Role
from mentoring.ports import Clock
from mentoring.signup import Signup
from mentoring.text import fold
from mentoring.vetting import Status, Vetting, parse_birth_year

# --- asking ---------------------------------------------------------------------------------

async def ask(bot: Bot, user_id: int, state: FSMContext, draft: Draft, step: Step, *,
              editing: bool = False, prefix: Markup | None = None,
              suggestion: str | None = None) -> None:
    """Ask ``step`` and remember that it is the one being answered."""
    selected = _initial_selection(draft, step)
    await state.set_state(Form.answering)
    await state.update_data(draft=draft.to_dict(), step=step.name, editing=editing,
                            selected=selected)
    text = texts.question(draft.role, step)
    if prefix:
        text = Markup("{}\n\n{}").format(prefix, text)
    await send(bot, user_id, text, keyboards.step_keyboard(step, selected, suggestion))


def _initial_selection(draft: Draft, step: Step) -> list[str]:
    if step.kind is not StepKind.MULTI:
        return []
    if step.name in draft.answers:
        return list(draft.answers[step.name])
    if step.name == "help_families" and "field" in draft.answers:
        return [catalog.field(draft.answers["field"]).family]
    if step.name == "languages":
        return [get_i18n().current_locale]
    return []


async def resume(bot: Bot, user_id: int, state: FSMContext, draft: Draft) -> None:
    """Ask again whatever the user was in the middle of."""
    data = await state.get_data()
    current = await state.get_state()
    if current in (Form.summary.state, Form.choosing_edit.state) or draft.next_step() is None:
        await show_summary(bot, user_id, state, draft, mode="signup")
        return
    step = step_named(draft.role, data.get("step") or draft.next_step().name)  # type: ignore[union-attr]
    await ask(bot, user_id, state, draft, step, editing=bool(data.get("editing")))


async def show_summary(bot: Bot, user_id: int, state: FSMContext, draft: Draft, *,
                       mode: str, prefix: Markup | None = None) -> None:
    if mode == "signup":
        await state.set_state(Form.summary)
        await state.update_data(draft=draft.to_dict(), step=None, editing=False, mode=mode)
    text = texts.summary(draft, saved=mode == "profile")
    if prefix:
        text = Markup("{}\n\n{}").format(prefix, text)
    await send(bot, user_id, text, keyboards.summary(mode))


async def _accept(bot: Bot, user_id: int, state: FSMContext, signup: Signup,
                  draft: Draft, step: Step, value: Any, prefix: Markup | None = None) -> None:
    """Store an accepted answer, then ask the next question or show the summary."""
    if step.kind is StepKind.PLACE:
        draft.set_place(value)
    else:
        draft.answers[step.name] = value
    data = await state.get_data()
    if data.get("mode") == "profile":
        await signup.save(user_id, draft)
        await state.clear()
        await show_summary(bot, user_id, state, draft, mode="profile",
                           prefix=prefix or t("Saved."))
        return
    following = draft.next_step()
    if data.get("editing") or following is None:
        await show_summary(bot, user_id, state, draft, mode="signup", prefix=prefix)
        return
    await ask(bot, user_id, state, draft, following, prefix=prefix)


async def _current(state: FSMContext) -> tuple[Draft, Step] | None:
    data = await state.get_data()
    draft = await load_draft(state)
    if draft is None or not data.get("step"):
        return None
    return draft, step_named(draft.role, data["step"])


# --- typed answers ------------------------------------------------------------------------------

async def typed_answer(message: Message, state: FSMContext, signup: Signup, bot: Bot,
                       vetting: Vetting, clock: Clock) -> None:
    current = await _current(state)
    if current is None or message.from_user is None or message.text is None:
        return
    draft, step = current
    user_id = message.from_user.id
    raw = message.text
    try:
        if step.kind is StepKind.YEAR:
            await _birth_year(bot, user_id, state, signup, draft, step, raw, vetting, clock)
        elif step.kind is StepKind.TEXT:
            await _accept(bot, user_id, state, signup, draft, step, check_text(step, raw))
        elif step.kind is StepKind.PLACE:
            place = check_place(step, raw)
            noted = t("Noted: {place}.").format(place=texts.place_label(place.department.code))
            await _accept(bot, user_id, state, signup, draft, step, place, prefix=noted)
        elif step.kind is StepKind.CHOICE:
            code = _typed_option(step, raw)
            if code is None:
                raise InvalidAnswer(step.name, "use_buttons")
            await _accept(bot, user_id, state, signup, draft, step, code)
        elif step.kind is StepKind.FIELD:
            await _search_fields(message, step, raw)
        else:
            raise InvalidAnswer(step.name, "use_toggles")
    except InvalidAnswer as error:
        await _explain(message, state, draft, step, error.reason)


async def _birth_year(bot: Bot, user_id: int, state: FSMContext, signup: Signup,
                      draft: Draft, step: Step, raw: str, vetting: Vetting,
                      clock: Clock) -> None:
    """A year of birth: under the minimum age, a kind word and nothing kept at all."""
    today = clock().date()
    year = parse_birth_year(raw, today)
    if vetting.policy.too_young(year, today):
        await state.clear()
        await signup.refuse_underage(user_id)
        await send(bot, user_id, t(
            "Thank you for your interest! The programme is open from the age of {age}, so "
            "I cannot sign you up yet, and I have kept nothing of what you told me. Come "
            "back with /start when you are {age}: we will be happy to help you then. "
            "Meanwhile, your school's guidance counsellor can help you too.").format(
                age=vetting.policy.min_age), None)
        return
    await _accept(bot, user_id, state, signup, draft, step, year)


def _typed_option(step: Step, raw: str) -> str | None:
    """The option whose label (in the user's language or in English) was typed, if any."""
    typed = fold(raw)
    for option in step.options:
        if typed in (fold(option.label), fold(texts.option_label(step, option.code)),
                     option.code):
            return option.code
    return None


async def _search_fields(message: Message, step: Step, raw: str) -> None:
    if len(fold(raw)) < 2:
        raise InvalidAnswer(step.name, "search_short")
    found = catalog.search_fields(raw, label_of=_)
    if not found:
        await answer(message, texts.no_field_found(raw), reply_markup=keyboards.families(step))
        return
    await answer(message, t("Here is what I found. Tap your field:"),
                         reply_markup=keyboards.fields(step, found))


async def _explain(message: Message, state: FSMContext, draft: Draft, step: Step,
                   reason: str) -> None:
    """One sentence about what was wrong, with the step's buttons again where it has some."""
    data = await state.get_data()
    markup = keyboards.step_keyboard(step, data.get("selected", []))
    await answer(message, escape(texts.mistake(step, reason)), reply_markup=markup)


async def not_text(message: Message, state: FSMContext) -> None:
    current = await _current(state)
    if current is None:
        return
    draft, step = current
    reason = "text_only" if step.kind in (StepKind.TEXT, StepKind.PLACE) else "use_buttons"
    await _explain(message, state, draft, step, reason)


# --- button answers -----------------------------------------------------------------------------

async def _pressed_step(callback: CallbackQuery, data: Answer,
                        state: FSMContext) -> tuple[Draft, Step] | None:
    """The draft and step a press belongs to, or None (and a toast) if the button is old."""
    current = await _current(state) if await state.get_state() == Form.answering.state else None
    if current is None or current[1].name != data.step:
        await stale(callback)
        return None
    return current


async def picked(callback: CallbackQuery, callback_data: Answer, state: FSMContext,
                 signup: Signup, bot: Bot, vetting: Vetting, clock: Clock) -> None:
    current = await _pressed_step(callback, callback_data, state)
    if current is None:
        return
    draft, step = current
    try:
        if step.kind is StepKind.YEAR:
            parse_birth_year(callback_data.value, clock().date())  # a forged value fails here
            await callback.answer()
            await edit_text(callback, texts.chosen(pressed_text(callback), callback_data.value))
            await _birth_year(bot, callback.from_user.id, state, signup, draft, step,
                              callback_data.value, vetting, clock)
            return
        if step.kind is StepKind.FIELD:
            value = check_field(step, callback_data.value)
            label = texts.field_label(value)
        elif step.kind is StepKind.CHOICE:
            value = check_choice(step, callback_data.value)
            label = texts.option_label(step, value)
        else:  # the first name proposed from the Telegram account
            value = label = check_text(step, callback.from_user.first_name)
    except InvalidAnswer as error:
        await callback.answer(texts.mistake(step, error.reason), show_alert=True)
        return
    await callback.answer()
    # A field may be picked from the search results: show it under the question itself.
    question = (texts.question(draft.role, step) if step.kind is StepKind.FIELD
                else pressed_text(callback))
    await edit_text(callback, texts.chosen(question, label))
    await _accept(bot, callback.from_user.id, state, signup, draft, step, value)


async def toggled(callback: CallbackQuery, callback_data: Answer, state: FSMContext) -> None:
    current = await _pressed_step(callback, callback_data, state)
    if current is None:
        return
    _draft, step = current
    if callback_data.value not in catalog.codes(step.options):
        await stale(callback)
        return
    selected = list((await state.get_data()).get("selected", []))
    if callback_data.value in selected:
        selected.remove(callback_data.value)
    else:
        selected.append(callback_data.value)
    await state.update_data(selected=selected)
    await callback.answer()
    await edit_markup(callback, keyboards.toggles(step, set(selected)))


async def done(callback: CallbackQuery, callback_data: Answer, state: FSMContext,
               signup: Signup, bot: Bot) -> None:
    current = await _pressed_step(callback, callback_data, state)
    if current is None:
        return
    draft, step = current
    try:
        value = check_choices(step, list((await state.get_data()).get("selected", [])))
    except InvalidAnswer as error:
        await callback.answer(texts.mistake(step, error.reason), show_alert=True)
        return
    await callback.answer()
    await edit_text(callback, texts.chosen(texts.question(draft.role, step),
                                           texts.answer_label(step, value)))
    await _accept(bot, callback.from_user.id, state, signup, draft, step, value)


async def browse_fields(callback: CallbackQuery, callback_data: Answer,
                        state: FSMContext) -> None:
    current = await _pressed_step(callback, callback_data, state)
    if current is None:
        return
    _draft, step = current
    await callback.answer()
    if callback_data.action == "families":
        await edit_markup(callback, keyboards.families(step))
        return
    found = catalog.fields_in(callback_data.value)
    await edit_markup(callback, keyboards.fields(step, found))


# --- summary and editing ------------------------------------------------------------------------

async def summary_typed(message: Message) -> None:
    await answer(message, t("Please use the buttons: “Confirm” if everything is right, or "
                            "“Edit a field”."))


async def confirm(callback: CallbackQuery, state: FSMContext, signup: Signup,
                  matchmaker: Matchmaker, availability: VolunteerAvailability,
                  vetting: Vetting, bot: Bot) -> None:
    draft = await load_draft(state)
    if draft is None:
        await stale(callback)
        return
    profile = await signup.save(callback.from_user.id, draft)
    await state.clear()
    await callback.answer(_("Saved!"))
    await edit_markup(callback, None)
    if not isinstance(callback.message, Message):
        return
    name = profile.first_name
    if draft.role is Role.STUDENT:
        await answer(callback.message, t("Thank you, {name}! Your profile is saved.").format(
            name=name))
        outcome = await matchmaker.student_ready(profile.user_id)
        if outcome is Outcome.WAITING:
            await answer(callback.message, waiting_text())
        else:
            await answer(callback.message, t("We have found a mentor who fits you and asked "
                                             "them: you will hear from us here very soon."))
    else:
        record = await vetting.record(profile.user_id)
        if record is not None and record.status is Status.PENDING:
            await volunteer_signed_up(bot, profile.user_id, name, vetting)
            return
        await answer(callback.message, t("Thank you, {name}! Your profile is saved. We will "
                                         "propose a student to you right here, and you decide "
                                         "with one tap.").format(name=name))
        await availability.joined(profile.user_id)
        await matchmaker.volunteer_ready(profile.user_id)


async def choose_field_to_edit(callback: CallbackQuery, callback_data: SummaryAction,
                               state: FSMContext, signup: Signup) -> None:
    draft = await _summary_draft(callback, callback_data, state, signup)
    if draft is None:
        return
    await state.set_state(Form.choosing_edit)
    await state.update_data(draft=draft.to_dict(), mode=callback_data.mode)
    await callback.answer()
    await edit_markup(callback, keyboards.editable_fields(callback_data.mode,
                                                          texts.step_names(draft.role,
                                                                           callback_data.mode)))


async def edit_field(callback: CallbackQuery, callback_data: SummaryAction,
                     state: FSMContext, bot: Bot) -> None:
    draft = await load_draft(state)
    if draft is None or callback_data.step not in texts.step_names(draft.role,
                                                                   callback_data.mode):
        await stale(callback)
        return
    await callback.answer()
    await edit_markup(callback, None)
    await ask(bot, callback.from_user.id, state, draft, step_named(draft.role, callback_data.step),
              editing=True, suggestion=callback.from_user.first_name)


async def back_to_summary(callback: CallbackQuery, callback_data: SummaryAction,
                          state: FSMContext) -> None:
    await callback.answer()
    if callback_data.mode == "signup":
        await state.set_state(Form.summary)
    else:
        await state.clear()
    await edit_markup(callback, keyboards.summary(callback_data.mode))


async def _summary_draft(callback: CallbackQuery, data: SummaryAction, state: FSMContext,
                         signup: Signup) -> Draft | None:
    current = await state.get_state()
    if data.mode == "signup" and current == Form.summary.state:
        return await load_draft(state)
    if data.mode == "profile" and (await state.get_data()).get("mode", "profile") == "profile":
        profile = await signup.profile(callback.from_user.id)
        if profile is not None:
            return Draft.from_profile(profile)
    await stale(callback)
    return None


def make_router() -> Router:
    """The signup router, new each time, so that every Dispatcher gets its own."""
    router = Router(name="signup")
    router.message.register(typed_answer, Form.answering, F.text)
    router.message.register(not_text, Form.answering)
    router.callback_query.register(picked, Answer.filter(F.action == "pick"))
    router.callback_query.register(toggled, Answer.filter(F.action == "toggle"))
    router.callback_query.register(done, Answer.filter(F.action == "done"))
    router.callback_query.register(
        browse_fields, Answer.filter(F.action.in_({"family", "families"})),
    )
    router.message.register(summary_typed, Form.summary)
    router.message.register(summary_typed, Form.choosing_edit)
    router.callback_query.register(
        confirm, Form.summary, SummaryAction.filter((F.mode == "signup") & (F.action == "confirm")),
    )
    router.callback_query.register(choose_field_to_edit, SummaryAction.filter(F.action == "edit"))
    router.callback_query.register(
        edit_field, Form.choosing_edit, SummaryAction.filter(F.action == "field"),
    )
    router.callback_query.register(
        back_to_summary, Form.choosing_edit, SummaryAction.filter(F.action == "back"),
    )
    return router
