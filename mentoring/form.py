"""The two sign-up forms: their steps, how each answer is checked, and the draft they fill.

The handlers render a step from its ``kind`` and ``options``; everything about what makes
an answer acceptable lives here, so the same rules hold in the chat, in imports and in tests.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from mentoring import catalog
from mentoring.catalog import Option
from mentoring.errors import InvalidAnswer, SignupIncomplete
from mentoring.model import Role, StudentProfile, VolunteerProfile
from mentoring.places import Place, parse_place
from mentoring.text import JOINERS, N_, visible, visible_length


class StepKind(StrEnum):
    TEXT = "text"
    CHOICE = "choice"
    MULTI = "multi"
    FIELD = "field"
    PLACE = "place"
    YEAR = "year"


@dataclass(frozen=True)
class Step:
    """One question of a sign-up form."""

    name: str
    kind: StepKind
    label: str
    options: tuple[Option, ...] = ()
    min_length: int = 1
    max_length: int = 0


YES_NO = (Option("yes", N_("Yes")), Option("no", N_("No")))
CAPACITY_OPTIONS = tuple(Option(str(n), str(n)) for n in catalog.CAPACITIES)
FAMILY_OPTIONS = tuple(Option(f.code, f.label) for f in catalog.FAMILIES)

FIRST_NAME = Step("first_name", StepKind.TEXT, N_("First name"), max_length=40)
BIRTH_YEAR = Step("birth_year", StepKind.YEAR, N_("Year of birth"))
FIELD = Step("field", StepKind.FIELD, N_("Field of study"))
LEVEL = Step("level", StepKind.CHOICE, N_("Level of study"), catalog.LEVELS)
PLACE = Step("place", StepKind.PLACE, N_("Place"))
NEEDS = Step("needs", StepKind.MULTI, N_("Needs"), catalog.NEEDS)
LANGUAGES = Step("languages", StepKind.MULTI, N_("Languages"), catalog.LANGUAGES)
AVAILABILITY = Step("availability", StepKind.MULTI, N_("Availability"), catalog.AVAILABILITY)
GOALS = Step("goals", StepKind.TEXT, N_("Goals"), min_length=10, max_length=800)
PROFESSION = Step("profession", StepKind.TEXT, N_("Profession"), min_length=2, max_length=80)
SECTOR = Step("sector", StepKind.CHOICE, N_("Sector"), catalog.SECTORS)
EXPERTISE = Step("field", StepKind.FIELD, N_("Your own field"))
HELP_FAMILIES = Step(
    "help_families", StepKind.MULTI, N_("Fields you can help with"), FAMILY_OPTIONS
)
REMOTE = Step("remote", StepKind.CHOICE, N_("Mentoring at a distance"), YES_NO)
SKILLS = Step("skills", StepKind.MULTI, N_("How you can help"), catalog.NEEDS)
CAPACITY = Step("capacity", StepKind.CHOICE, N_("Number of students"), CAPACITY_OPTIONS)
BIO = Step("bio", StepKind.TEXT, N_("About you"), min_length=10, max_length=800)

STUDENT_STEPS: tuple[Step, ...] = (
    FIRST_NAME, BIRTH_YEAR, FIELD, LEVEL, PLACE, NEEDS, LANGUAGES, AVAILABILITY, GOALS,
)
VOLUNTEER_STEPS: tuple[Step, ...] = (
    FIRST_NAME, PROFESSION, SECTOR, EXPERTISE, HELP_FAMILIES, PLACE, REMOTE, SKILLS,
    LANGUAGES, CAPACITY, AVAILABILITY, BIO,
)


def steps_for(role: Role) -> tuple[Step, ...]:
    """The questions asked of ``role``, in order."""
    return STUDENT_STEPS if role is Role.STUDENT else VOLUNTEER_STEPS


def step_named(role: Role, name: str) -> Step:
    """The step called ``name`` in the form of ``role``; KeyError if there is none."""
    for step in steps_for(role):
        if step.name == name:
            return step
    raise KeyError(name)


_NAME_PUNCTUATION = set(" -'’.")


def check_text(step: Step, raw: str) -> str:
    """Return the cleaned text answer to ``step`` or raise :class:`InvalidAnswer`."""
    # Invisible characters are dropped first: padding with them must not reach the
    # minimum length, nor be stored.
    text = " ".join(visible(raw).split())
    if not text:
        raise InvalidAnswer(step.name, "empty")
    if len(text) > step.max_length:
        raise InvalidAnswer(step.name, "too_long")
    if not any(char.isalpha() for char in text):
        raise InvalidAnswer(step.name, "no_letters")
    if step is FIRST_NAME and any(
        not (char.isalpha() or char in _NAME_PUNCTUATION or char in JOINERS
             or unicodedata.category(char) == "Mn")
        for char in text
    ):
        raise InvalidAnswer(step.name, "bad_characters")
    if visible_length(text) < step.min_length:
        raise InvalidAnswer(step.name, "too_short")
    return text


def check_choice(step: Step, code: str) -> str:
    """Return ``code`` if it is one of the step's options, else raise InvalidAnswer."""
    if code not in catalog.codes(step.options):
        raise InvalidAnswer(step.name, "unknown_option")
    return code


def check_choices(step: Step, chosen: list[str]) -> list[str]:
    """Return the chosen codes in the catalogue's order; at least one is required."""
    allowed = catalog.codes(step.options)
    unknown = [code for code in chosen if code not in allowed]
    if unknown:
        raise InvalidAnswer(step.name, "unknown_option")
    if not chosen:
        raise InvalidAnswer(step.name, "none_chosen")
    return [code for code in allowed if code in chosen]


def check_field(step: Step, code: str) -> str:
    try:
        return catalog.field(code).code
    except KeyError:
        raise InvalidAnswer(step.name, "unknown_option") from None


def check_place(step: Step, raw: str) -> Place:
    """Parse a postal code, department number or name into a :class:`Place`."""
    from mentoring.places import PlaceError

    cleaned = visible(raw)  # a zero-width space pasted with a postal code hides it
    try:
        return parse_place(cleaned)
    except PlaceError as error:
        reason = str(error.reason)
        if reason == "empty" and cleaned:
            reason = "unknown_department"  # only emoji or symbols: not a place we know
        raise InvalidAnswer(step.name, reason) from None


@dataclass
class Draft:
    """The answers given so far, kept between messages (and across restarts)."""

    role: Role
    answers: dict[str, Any] = field(default_factory=dict)

    def steps(self) -> tuple[Step, ...]:
        return steps_for(self.role)

    def missing(self) -> list[str]:
        return [step.name for step in self.steps() if step.name not in self.answers]

    def next_step(self) -> Step | None:
        """The first unanswered step, or None when the form is complete."""
        for step in self.steps():
            if step.name not in self.answers:
                return step
        return None

    def set_place(self, place: Place) -> None:
        self.answers["place"] = {"department": place.department.code,
                                 "postal_code": place.postal_code}

    def to_dict(self) -> dict[str, Any]:
        return {"role": self.role.value, "answers": dict(self.answers)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Draft:
        return cls(role=Role(data["role"]), answers=dict(data.get("answers", {})))

    def to_student(self, user_id: int, now: datetime) -> StudentProfile:
        """The confirmed student profile; SignupIncomplete if an answer is missing."""
        self._require_complete()
        a = self.answers
        return StudentProfile(
            user_id=user_id, first_name=a["first_name"], field=a["field"], level=a["level"],
            department=a["place"]["department"], postal_code=a["place"]["postal_code"],
            needs=list(a["needs"]), languages=list(a["languages"]),
            availability=list(a["availability"]), goals=a["goals"], completed_at=now,
            birth_year=a["birth_year"],
        )

    def to_volunteer(self, user_id: int, now: datetime) -> VolunteerProfile:
        """The confirmed volunteer profile; SignupIncomplete if an answer is missing."""
        self._require_complete()
        a = self.answers
        return VolunteerProfile(
            user_id=user_id, first_name=a["first_name"], profession=a["profession"],
            sector=a["sector"], field=a["field"], help_families=list(a["help_families"]),
            department=a["place"]["department"], postal_code=a["place"]["postal_code"],
            remote=a["remote"] == "yes", skills=list(a["skills"]),
            languages=list(a["languages"]), capacity=int(a["capacity"]),
            availability=list(a["availability"]), bio=a["bio"], completed_at=now,
        )

    @classmethod
    def from_profile(cls, profile: StudentProfile | VolunteerProfile) -> Draft:
        """A draft holding a saved profile's answers, so it can be edited field by field."""
        place = {"department": profile.department, "postal_code": profile.postal_code}
        if isinstance(profile, StudentProfile):
            return cls(Role.STUDENT, {
                "first_name": profile.first_name, "field": profile.field,
                "level": profile.level, "place": place, "needs": list(profile.needs),
                "languages": list(profile.languages),
                "availability": list(profile.availability), "goals": profile.goals,
                # None for a profile from before the question: kept as it is.
                "birth_year": profile.birth_year,
            })
        return cls(Role.VOLUNTEER, {
            "first_name": profile.first_name, "profession": profile.profession,
            "sector": profile.sector, "field": profile.field,
            "help_families": list(profile.help_families), "place": place,
            "remote": "yes" if profile.remote else "no", "skills": list(profile.skills),
            "languages": list(profile.languages), "capacity": str(profile.capacity),
            "availability": list(profile.availability), "bio": profile.bio,
        })

    def _require_complete(self) -> None:
        missing = self.missing()
        if missing:
            raise SignupIncomplete(missing)
