"""Inline keyboards of the sign-up and privacy conversations."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.callbacks import (
    Answer,
    ConsentAnswer,
    EraseAnswer,
    LanguageChoice,
    RoleChoice,
    SummaryAction,
)
from mentoring import catalog
from mentoring.catalog import Field
from mentoring.errors import InvalidAnswer
from mentoring.form import Step, StepKind, check_text
from mentoring.model import Role
from mentoring.vetting import birth_year_choices

LANGUAGE_NAMES = {"fr": "Français", "en": "English"}


def roles() -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("🎓 I am a student"), callback_data=RoleChoice(role=Role.STUDENT.value))
    kb.button(text=_("🤝 I am a volunteer"), callback_data=RoleChoice(role=Role.VOLUNTEER.value))
    kb.adjust(1)
    return kb.as_markup()


def consent() -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("✅ I agree"), callback_data=ConsentAnswer(answer="yes"))
    kb.button(text=_("📄 Read the notice"), callback_data=ConsentAnswer(answer="read"))
    kb.button(text=_("No, thanks"), callback_data=ConsentAnswer(answer="no"))
    kb.adjust(1)
    return kb.as_markup()


def languages() -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for code, name in LANGUAGE_NAMES.items():
        kb.button(text=name, callback_data=LanguageChoice(code=code))
    return kb.as_markup()


def erase() -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("Yes, erase everything"), callback_data=EraseAnswer(answer="yes"))
    kb.button(text=_("No, keep my data"), callback_data=EraseAnswer(answer="no"))
    kb.adjust(1)
    return kb.as_markup()


def step_keyboard(step: Step, selected: Iterable[str] = (),
                  suggestion: str | None = None) -> InlineKeyboardMarkup | None:
    """The buttons that answer ``step``; None for a step answered by typing."""
    if step.kind is StepKind.CHOICE:
        return choices(step)
    if step.kind is StepKind.MULTI:
        return toggles(step, set(selected))
    if step.kind is StepKind.FIELD:
        return families(step)
    if step.kind is StepKind.YEAR:
        return years(step, datetime.now(UTC).date())
    if step.name == "first_name" and suggestion:
        try:
            # A Telegram name that would be refused as an answer (blank, emoji only, signs)
            # is not offered: Telegram also refuses a blank button and fails the question.
            name = check_text(step, suggestion)
        except InvalidAnswer:
            return None
        kb = InlineKeyboardBuilder()
        kb.button(text=name, callback_data=Answer(step=step.name, action="pick",
                                                        value="telegram"))
        return kb.as_markup()
    return None


def years(step: Step, today: date) -> InlineKeyboardMarkup:
    """A grid of the likely years of birth; any other can be typed."""
    kb = InlineKeyboardBuilder()
    for year in birth_year_choices(today):
        kb.button(text=str(year), callback_data=Answer(step=step.name, action="pick",
                                                       value=str(year)))
    kb.adjust(4)
    return kb.as_markup()


def choices(step: Step) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for option in step.options:
        label = option.label if option.label.isdigit() else _(option.label)
        kb.button(text=label, callback_data=Answer(step=step.name, action="pick",
                                                   value=option.code))
    kb.adjust(3 if all(o.label.isdigit() for o in step.options) else 2)
    return kb.as_markup()


def toggles(step: Step, selected: set[str]) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for option in step.options:
        mark = "✅" if option.code in selected else "▫️"
        kb.button(text=f"{mark} {_(option.label)}",
                  callback_data=Answer(step=step.name, action="toggle", value=option.code))
    kb.button(text=_("Done ➡️"), callback_data=Answer(step=step.name, action="done"))
    kb.adjust(*([2] * ((len(step.options) + 1) // 2)), 1)
    return kb.as_markup()


def families(step: Step) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for family in catalog.FAMILIES:
        kb.button(text=_(family.label), callback_data=Answer(step=step.name, action="family",
                                                             value=family.code))
    kb.adjust(1)
    return kb.as_markup()


def fields(step: Step, found: Iterable[Field]) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for field in found:
        kb.button(text=_(field.label), callback_data=Answer(step=step.name, action="pick",
                                                            value=field.code))
    kb.button(text=_("⬅️ All families"), callback_data=Answer(step=step.name, action="families"))
    kb.adjust(1)
    return kb.as_markup()


def summary(mode: str) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    if mode == "signup":
        kb.button(text=_("✅ Confirm"), callback_data=SummaryAction(mode=mode, action="confirm"))
    kb.button(text=_("✏️ Edit a field"), callback_data=SummaryAction(mode=mode, action="edit"))
    kb.adjust(1)
    return kb.as_markup()


def editable_fields(mode: str, names: dict[str, str]) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for step, label in names.items():
        kb.button(text=label, callback_data=SummaryAction(mode=mode, action="field", step=step))
    kb.button(text=_("⬅️ Back"), callback_data=SummaryAction(mode=mode, action="back"))
    kb.adjust(2)
    return kb.as_markup()
