"""Profiles as numpy columns, for scoring many pairs at once.

Codes become small integers (fields, departments, regions) or bits of an integer mask
(families, needs and skills, languages, slots) through :class:`Vocabulary` objects that grow
as volunteers bring new codes, so that even codes unknown to the catalogue compare exactly
as :func:`~mentoring.matching.scoring.score` compares them. Students are encoded against
the volunteers' vocabularies: a code no volunteer has can match nobody.

A table is a 2-D ``int64`` array with one row per column below and one column per person.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from mentoring import catalog
from mentoring.matching.scoring import Weights, family_of, region_of
from mentoring.model import StudentProfile, VolunteerProfile

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]

MASK_BITS = 62  # masks stay positive int64s

# Rows of a table. The first seven mean the same for students and volunteers.
FIELD, FAMILIES, DEPARTMENT, REGION, NEEDS, LANGUAGES, SLOTS = range(7)
REMOTE = 7  # volunteers
N_NEEDS, N_SLOTS = 7, 8  # students: distinct needs and slots, unknown codes included
VOLUNTEER_ROWS, STUDENT_ROWS = 8, 9


class Vocabulary:
    """Codes numbered in order of appearance; a ``bits`` vocabulary stays under 62."""

    def __init__(self, codes: Iterable[str] = (), *, bits: bool = False) -> None:
        self._index: dict[str, int] = {}
        self._bits = bits
        for code in codes:
            self.add(code)

    def add(self, code: str) -> int:
        """The number of ``code``, given one if it is new."""
        number = self._index.get(code)
        if number is None:
            number = len(self._index)
            if self._bits and number >= MASK_BITS:
                raise ValueError(f"more than {MASK_BITS} distinct codes: {code!r}")
            self._index[code] = number
        return number

    def find(self, code: str | None) -> int:
        """The number of ``code``, or -1 if it is unknown."""
        return -1 if code is None else self._index.get(code, -1)

    def mask(self, codes: Iterable[str], *, grow: bool) -> int:
        """The bit mask of ``codes``; unknown codes are added if ``grow``, else ignored."""
        mask = 0
        for code in codes:
            number = self.add(code) if grow else self.find(code)
            if number >= 0:
                mask |= 1 << number
        return mask


def _catalogue(options: Iterable[catalog.Option | catalog.Family | catalog.Field],
               bits: bool = False) -> Vocabulary:
    return Vocabulary(catalog.codes(options), bits=bits)


@dataclass
class Vocabularies:
    """The shared numbering of one pool or one batch."""

    fields: Vocabulary = field(default_factory=lambda: _catalogue(catalog.FIELDS))
    families: Vocabulary = field(default_factory=lambda: _catalogue(catalog.FAMILIES, True))
    departments: Vocabulary = field(default_factory=Vocabulary)
    regions: Vocabulary = field(default_factory=Vocabulary)
    needs: Vocabulary = field(default_factory=lambda: _catalogue(catalog.NEEDS, True))
    languages: Vocabulary = field(default_factory=lambda: _catalogue(catalog.LANGUAGES, True))
    slots: Vocabulary = field(default_factory=lambda: _catalogue(catalog.AVAILABILITY, True))

    def volunteer(self, v: VolunteerProfile) -> list[int]:
        """The table column of one volunteer; new codes are numbered."""
        own = family_of(v.field)
        return [
            self.fields.add(v.field),
            self.families.mask([*([own] if own else []), *v.help_families], grow=True),
            self.departments.add(v.department), self.regions.add(region_of(v.department)),
            self.needs.mask(v.skills, grow=True), self.languages.mask(v.languages, grow=True),
            self.slots.mask(v.availability, grow=True), int(v.remote),
        ]

    def student(self, s: StudentProfile) -> list[int]:
        """The table column of one student; codes no volunteer has match nothing."""
        family = self.families.find(family_of(s.field))
        return [
            self.fields.find(s.field), 0 if family < 0 else 1 << family,
            self.departments.find(s.department), self.regions.find(region_of(s.department)),
            self.needs.mask(s.needs, grow=False), self.languages.mask(s.languages, grow=False),
            self.slots.mask(s.availability, grow=False), len(set(s.needs)),
            len(set(s.availability)),
        ]

    def volunteers(self, profiles: Iterable[VolunteerProfile]) -> Ints:
        return table([self.volunteer(v) for v in profiles], VOLUNTEER_ROWS)

    def students(self, profiles: Iterable[StudentProfile]) -> Ints:
        return table([self.student(s) for s in profiles], STUDENT_ROWS)


def table(columns: Sequence[list[int]], rows: int) -> Ints:
    """Columns of integers as a ``rows`` × ``len(columns)`` table."""
    return np.array(columns, dtype=np.int64).reshape(len(columns), rows).T.copy()


def _share(wanted: Ints, count: Ints, offered: Ints) -> Floats:
    shared = np.bitwise_count(wanted & offered).astype(np.int64)
    share: Floats = np.divide(shared, count, out=np.zeros(np.broadcast(shared, count).shape),
                              where=count > 0)
    return share


def pair_values(students: Ints, volunteers: Ints, w: Weights) -> tuple[Floats, Bools]:
    """Scores and eligibility of pairs, given matching student and volunteer columns (or
    one student's column against many volunteers').

    The terms are those of :func:`~mentoring.matching.scoring.score`, added in the same
    order, so the values are equal to the last bit.
    """
    s, v = students, volunteers
    ok = ((s[LANGUAGES] & v[LANGUAGES]) != 0) & ((v[REMOTE] != 0) | (s[REGION] == v[REGION]))
    field_part = np.where(s[FIELD] == v[FIELD], 1.0,
                          np.where((s[FAMILIES] & v[FAMILIES]) != 0, w.same_family, 0.0))
    place = np.where(s[DEPARTMENT] == v[DEPARTMENT], 1.0,
                     np.where(s[REGION] == v[REGION], w.same_region, w.remote))
    needs = _share(s[NEEDS], s[N_NEEDS], v[NEEDS])
    slots = _share(s[SLOTS], s[N_SLOTS], v[SLOTS])
    values = w.field * field_part + w.place * place + w.needs * needs + w.availability * slots
    return values, ok
