"""Conversation states. The sign-up form keeps its current step and draft in FSM data."""

from aiogram.fsm.state import State, StatesGroup


class Start(StatesGroup):
    role = State()
    consent = State()


class Form(StatesGroup):
    answering = State()
    summary = State()
    choosing_edit = State()


class Pause(StatesGroup):
    date = State()


class Feedback(StatesGroup):
    comment = State()


class Report(StatesGroup):
    text = State()


class Broadcasting(StatesGroup):
    text = State()
    audience = State()
    when = State()
    time = State()
    confirm = State()


class Meeting(StatesGroup):
    slots = State()
class SessionNote(StatesGroup):
    text = State()
