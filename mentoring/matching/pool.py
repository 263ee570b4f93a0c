"""The instant proposal: the best volunteers with room for one student, among thousands.

:class:`VolunteerPool` keeps every volunteer as a column of a numpy table (codes as small
integers and bit masks, see :mod:`.encoding`), so that one student is scored against all of
them in a few vectorised operations; only the volunteers returned are scored again, with
:func:`~mentoring.matching.scoring.score`, for their reasons.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

import numpy as np

from mentoring.matching.encoding import VOLUNTEER_ROWS, Ints, Vocabularies, pair_values
from mentoring.matching.scoring import DEFAULT_WEIGHTS, Score, Weights, score
from mentoring.model import StudentProfile, VolunteerProfile

__all__ = ["VolunteerPool"]


class VolunteerPool:
    """Volunteers and their free places, ready to be searched."""

    def __init__(self, volunteers: Iterable[tuple[VolunteerProfile, int]] = (),
                 weights: Weights = DEFAULT_WEIGHTS) -> None:
        self.weights = weights
        self._codes = Vocabularies()
        self._table: Ints = np.zeros((VOLUNTEER_ROWS, 16), np.int64)
        self._ids: Ints = np.zeros(16, np.int64)
        self._free: Ints = np.zeros(16, np.int64)
        self._profiles: list[VolunteerProfile] = []
        self._slot: dict[int, int] = {}
        for profile, free in volunteers:
            self.upsert(profile, free)

    def __len__(self) -> int:
        return len(self._profiles)

    def __contains__(self, volunteer_id: object) -> bool:
        return volunteer_id in self._slot

    def free(self, volunteer_id: int) -> int:
        """The free places of a volunteer; KeyError if they are not in the pool."""
        return int(self._free[self._slot[volunteer_id]])

    def upsert(self, profile: VolunteerProfile, free: int) -> None:
        """Add a volunteer, or replace their profile and free places."""
        slot = self._slot.get(profile.user_id)
        if slot is None:
            slot = len(self._profiles)
            if slot == len(self._ids):  # double the room
                self._table = np.concatenate([self._table, np.zeros_like(self._table)], 1)
                self._ids = np.concatenate([self._ids, np.zeros_like(self._ids)])
                self._free = np.concatenate([self._free, np.zeros_like(self._free)])
            self._profiles.append(profile)
            self._slot[profile.user_id] = slot
        self._profiles[slot] = profile
        self._table[:, slot] = self._codes.volunteer(profile)
        self._ids[slot] = profile.user_id
        self._free[slot] = free

    def set_free(self, volunteer_id: int, free: int) -> None:
        """Change a volunteer's free places; KeyError if they are not in the pool."""
        self._free[self._slot[volunteer_id]] = free

    def remove(self, volunteer_id: int) -> None:
        """Take a volunteer out (the last one moves into their slot); no error if absent."""
        slot = self._slot.pop(volunteer_id, None)
        if slot is None:
            return
        last = len(self._profiles) - 1
        if slot != last:
            moved = self._profiles[last]
            self._profiles[slot] = moved
            self._slot[moved.user_id] = slot
            for column in (self._table, self._ids[None, :], self._free[None, :]):
                column[:, slot] = column[:, last]
        self._profiles.pop()

    def best(self, student: StudentProfile, *, excluded: Collection[int] = (),
             limit: int = 1, only: Collection[int] | None = None) -> list[tuple[int, Score]]:
        """Up to ``limit`` eligible volunteers with free places, not in ``excluded`` and not
        the student themself (and among ``only`` when given): best score first, then most
        free places, then lowest id."""
        n = len(self._profiles)
        if n == 0 or limit <= 0:
            return []
        column = np.array(self._codes.student(student), np.int64)
        values, ok = pair_values(column, self._table[:, :n], self.weights)
        ids, free = self._ids[:n], self._free[:n]
        ok &= (free > 0) & (ids != student.user_id)
        for volunteer_id in excluded:
            slot = self._slot.get(volunteer_id)
            if slot is not None:
                ok[slot] = False
        if only is not None:
            ok &= np.isin(ids, np.fromiter(only, np.int64, len(only)))
        candidates = np.flatnonzero(ok)
        if len(candidates) > limit:  # only those that can make the first ``limit``
            cut = np.partition(values[candidates], len(candidates) - limit)[-limit]
            candidates = candidates[values[candidates] >= cut]
        order = np.lexsort((ids[candidates], -free[candidates], -values[candidates]))
        chosen = candidates[order[:limit]]
        found = []
        for slot in chosen:
            result = score(student, self._profiles[slot], self.weights)
            assert result is not None  # the same hard constraints as ``ok``
            found.append((int(ids[slot]), result))
        return found
