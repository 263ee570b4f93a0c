"""How well a volunteer fits a student: a score in [0, 1] and the reasons behind it.

The score is a weighted sum of four components, each in [0, 1]:

* field: the same field of study (1), or the same family of fields (``same_family``), the
  student's family being the volunteer's own or one they offer to help with;
* place: the same department (1), the same region (``same_region``), or else the volunteer
  mentors remotely (``remote``);
* needs: the share of the student's needs the volunteer offers as skills;
* availability: the share of the student's time slots the volunteer also has.

Two hard constraints come first: a shared language, and a volunteer who does not mentor
remotely must live in the student's region. :func:`score` returns ``None`` when they fail.
Reasons are codes, not sentences: the handlers translate them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from mentoring import catalog, places
from mentoring.model import StudentProfile, VolunteerProfile

__all__ = [
    "DEFAULT_WEIGHTS", "Reason", "Score", "Weights", "eligible", "family_of", "region_of", "score",
]


@dataclass(frozen=True)
class Weights:
    """Weights of the four components (they add up to 1) and the partial shares."""

    field: float = 0.35
    place: float = 0.25
    needs: float = 0.30
    availability: float = 0.10
    same_family: float = 0.6
    """Share of the field weight for the same family of fields."""
    same_region: float = 0.6
    """Share of the place weight for the same region."""
    remote: float = 0.3
    """Share of the place weight when only remote mentoring brings them together."""

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if not (math.isfinite(value) and value >= 0):
                raise ValueError(f"weight {name} must be a non-negative number")
        main = self.field + self.place + self.needs + self.availability
        if abs(main - 1.0) > 1e-9:
            raise ValueError("the field, place, needs and availability weights must add up to 1")
        # A share above 1 would rank a partial match above a full one.
        if max(self.same_family, self.same_region, self.remote) > 1:
            raise ValueError("partial shares must be at most 1")


DEFAULT_WEIGHTS = Weights()


@dataclass(frozen=True)
class Reason:
    """Why they fit: ``code`` is one of ``same_field``, ``same_family``, ``same_department``,
    ``same_region``, ``remote``, ``covers_needs``, ``shared_availability``; ``details`` are
    the catalogue or place codes concerned (the field, family, department, region, needs
    or slots)."""

    code: str
    details: tuple[str, ...] = ()


@dataclass(frozen=True)
class Score:
    value: float
    reasons: tuple[Reason, ...]


def family_of(field_code: str) -> str | None:
    """The family of a field of study, or None for a code the catalogue does not know."""
    try:
        return catalog.field(field_code).family
    except KeyError:
        return None


def region_of(department_code: str) -> str:
    """The region code of a department. An unknown department is treated as a region of its
    own, so that it never matches another one by accident."""
    try:
        return places.department(department_code).region.code
    except KeyError:
        return f"?{department_code}"


def eligible(student: StudentProfile, volunteer: VolunteerProfile) -> bool:
    """The hard constraints: a shared language, and a volunteer who does not mentor remotely
    lives in the student's region."""
    if not set(student.languages) & set(volunteer.languages):
        return False
    return volunteer.remote or region_of(volunteer.department) == region_of(student.department)


def _share(wanted: list[str], offered: list[str]) -> tuple[float, tuple[str, ...]]:
    """The share of ``wanted`` (duplicates counted once) found in ``offered``, and which."""
    unique = tuple(dict.fromkeys(wanted))
    if not unique:
        return 0.0, ()
    have = set(offered)
    covered = tuple(code for code in unique if code in have)
    return len(covered) / len(unique), covered


def score(
    student: StudentProfile, volunteer: VolunteerProfile, weights: Weights = DEFAULT_WEIGHTS
) -> Score | None:
    """The fit of ``volunteer`` for ``student`` with its reasons, or None if ineligible."""
    if not eligible(student, volunteer):
        return None
    reasons: list[Reason] = []
    field = 0.0
    family = family_of(student.field)
    if student.field == volunteer.field:
        field = 1.0
        reasons.append(Reason("same_field", (student.field,)))
    elif family is not None and (
        family == family_of(volunteer.field) or family in volunteer.help_families
    ):
        field = weights.same_family
        reasons.append(Reason("same_family", (family,)))
    region = region_of(student.department)
    if student.department == volunteer.department:
        place = 1.0
        reasons.append(Reason("same_department", (student.department,)))
    elif region == region_of(volunteer.department):
        place = weights.same_region
        reasons.append(Reason("same_region", (region,)))
    else:  # eligible, so the volunteer mentors remotely
        place = weights.remote
        reasons.append(Reason("remote"))
    needs, covered = _share(student.needs, volunteer.skills)
    if covered:
        reasons.append(Reason("covers_needs", covered))
    availability, slots = _share(student.availability, volunteer.availability)
    if slots:
        reasons.append(Reason("shared_availability", slots))
    # The vectorised searches add the same terms in the same order, so they agree exactly.
    value = (
        weights.field * field
        + weights.place * place
        + weights.needs * needs
        + weights.availability * availability
    )
    return Score(value, tuple(reasons))
