"""Sign-up journeys as a user walks them, shared by the end-to-end tests."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from handlers.callbacks import Answer, ConsentAnswer, RoleChoice, SummaryAction


def pick(step: str, value: str) -> str:
    return Answer(step=step, action="pick", value=value).pack()


def toggle(step: str, value: str) -> str:
    return Answer(step=step, action="toggle", value=value).pack()


def done(step: str) -> str:
    return Answer(step=step, action="done").pack()


def family(step: str, value: str) -> str:
    return Answer(step=step, action="family", value=value).pack()


ROLE_STUDENT = RoleChoice(role="student").pack()
ROLE_VOLUNTEER = RoleChoice(role="volunteer").pack()
AGREE = ConsentAnswer(answer="yes").pack()
REFUSE = ConsentAnswer(answer="no").pack()
CONFIRM = SummaryAction(mode="signup", action="confirm").pack()
EDIT = SummaryAction(mode="signup", action="edit").pack()


def edit_field(step: str, mode: str = "signup") -> str:
    return SummaryAction(mode=mode, action="field", step=step).pack()


async def start_as(user: Any, role: str, source: str | None = None) -> None:
    await user.send(f"/start {source}" if source else "/start")
    await user.press(ROLE_STUDENT if role == "student" else ROLE_VOLUNTEER)
    await user.press(AGREE)


def student_script(name: str = "Léa", goals: str | None = None,
                   ) -> list[tuple[str, list[tuple[str, str]]]]:
    """Each student step with the actions that answer it: ("send", text) or ("press", data)."""
    return [
        ("first_name", [("send", name)]),
        ("birth_year", [("press", pick("birth_year", "2004"))]),
        ("field", [("send", "dro"), ("press", pick("field", "law"))]),
        ("level", [("press", pick("level", "licence_2"))]),
        ("place", [("send", "69003")]),
        ("needs", [("press", toggle("needs", "cv")), ("press", toggle("needs", "exams")),
                   ("press", done("needs"))]),
        ("languages", [("press", done("languages"))]),  # the user's language is ticked already
        ("availability", [("press", toggle("availability", "weekday_evening")),
                          ("press", done("availability"))]),
        ("goals", [("send", goals or "Réussir mes partiels et trouver un stage en cabinet.")]),
    ]


def volunteer_script(name: str = "Marc", language: str = "fr",
                     ) -> list[tuple[str, list[tuple[str, str]]]]:
    return [
        ("first_name", [("send", name)]),
        ("profession", [("send", "Avocat d'affaires")]),
        ("sector", [("press", pick("sector", "law"))]),
        ("field", [("press", family("field", "law_politics")), ("press", pick("field", "law"))]),
        ("help_families", [("press", toggle("help_families", "business")),
                           ("press", done("help_families"))]),
        ("place", [("send", "75011")]),
        ("remote", [("press", pick("remote", "yes"))]),
        ("skills", [("press", toggle("skills", "cv")), ("press", toggle("skills", "oral")),
                    ("press", done("skills"))]),
        ("languages", [("press", toggle("languages", "en" if language == "fr" else "fr")),
                       ("press", done("languages"))]),
        ("capacity", [("press", pick("capacity", "2"))]),
        ("availability", [("press", toggle("availability", "saturday")),
                          ("press", done("availability"))]),
        ("bio", [("send", "Avocat depuis dix ans, j'aime transmettre.")]),
    ]


async def act(user: Any, actions: list[tuple[str, str]]) -> None:
    for kind, value in actions:
        if kind == "send":
            await user.send(value)
        else:
            await user.press(value)


async def student_answers(user: Any, *, name: str = "Léa", goals: str | None = None) -> None:
    """Every student question answered, up to the summary."""
    for _step, actions in student_script(name, goals):
        await act(user, actions)


async def volunteer_answers(user: Any, *, name: str = "Marc", language: str = "fr") -> None:
    for _step, actions in volunteer_script(name, language):
        await act(user, actions)


def next_weekday_morning(now: datetime) -> datetime:
    """10:00 in Paris on a Tuesday to Friday after ``now``: outside quiet hours, so what the
    bot says on its own goes at once (also a week or two later)."""
    day = (now.astimezone(ZoneInfo("Europe/Paris")) + timedelta(days=1)).date()
    while day.isoweekday() not in (2, 3, 4, 5):
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))
