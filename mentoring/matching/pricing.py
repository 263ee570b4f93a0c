"""Searching all (student, volunteer) pairs for the ones worth adding to the flow graph.

Every pair has a *reduced value*: its score minus the volunteer's price (``offset``, in
score units). Given each student's current value ``t`` (what they get now), a pair whose
reduced value exceeds ``t`` could improve the assignment; and the largest reduced value of
each student gives a proven upper bound of the optimum (see :mod:`.batch`).

Scoring 2.5 billion pairs is too slow, so the row scan prunes by class: relative to a
student, a volunteer has a field level (same field, same family, neither) and is either in
the student's region or mentors remotely from elsewhere. Each class has an upper bound of
the score; within a class, only volunteers priced below that bound minus ``t`` can matter,
and they are found by binary search in volunteers sorted by price. Volunteers that are still
cheap (priced below the cost of leaving a student unmatched) are scanned by column instead.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np

from mentoring.matching.encoding import (
    DEPARTMENT,
    FAMILIES,
    FIELD,
    LANGUAGES,
    N_NEEDS,
    N_SLOTS,
    NEEDS,
    REGION,
    REMOTE,
    SLOTS,
    Bools,
    Floats,
    Ints,
    pair_values,
)
from mentoring.matching.scoring import Weights

_STEP = 16.0  # width of one class in the sort keys; prices are clipped well inside it
_CLIP = _STEP / 4


@dataclass
class Found:
    """Pairs found by a scan: students, volunteers and reduced values."""

    students: Ints
    volunteers: Ints
    values: Floats

    @staticmethod
    def join(parts: list[Found]) -> Found:
        if not parts:
            empty = np.zeros(0, np.int64)
            return Found(empty, empty, np.zeros(0))
        return Found(*(np.concatenate([getattr(p, a) for p in parts])
                       for a in ("students", "volunteers", "values")))

    def best(self, k: int, by_volunteer: bool = False) -> Found:
        """The ``k`` best distinct pairs of each student (or volunteer)."""
        s, v, r = self.students, self.volunteers, self.values
        order = np.lexsort((-r, v, s))
        s, v, r = s[order], v[order], r[order]
        distinct = np.r_[True, (s[1:] != s[:-1]) | (v[1:] != v[:-1])]
        s, v, r = s[distinct], v[distinct], r[distinct]
        owner = v if by_volunteer else s
        order = np.lexsort((-r, owner))
        s, v, r, owner = s[order], v[order], r[order], owner[order]
        rank = np.arange(len(owner)) - np.searchsorted(owner, owner)
        keep = rank < k
        return Found(s[keep], v[keep], r[keep])


def runs(starts: Ints, ends: Ints) -> tuple[Ints, Ints]:
    """The indices of the ranges ``[starts[i], ends[i])`` one after the other, and their
    lengths (0 for empty ranges)."""
    lengths = np.maximum(ends - starts, 0)
    shift = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
    return shift + np.arange(len(shift)), lengths


class Market:
    """The encoded students and volunteers of one batch, and the scans over their pairs."""

    def __init__(self, students: Ints, volunteers: Ints, weights: Weights,
                 excluded: Collection[tuple[int, int]] = ()) -> None:
        self.S, self.V, self.w = students, volunteers, weights
        self.ns, self.nv = students.shape[1], volunteers.shape[1]
        keys = np.array(sorted(s * self.nv + v for s, v in excluded), dtype=np.int64)
        self.excluded = keys
        _, region = np.unique(np.r_[volunteers[REGION], students[REGION]], return_inverse=True)
        self.v_region, self.s_region = region[:self.nv], region[self.nv:]
        self.regions = int(region.max(initial=0)) + 1
        self.remote = np.flatnonzero(volunteers[REMOTE] != 0)
        s = students
        self.w_needs = np.where(s[N_NEEDS] > 0, weights.needs / np.maximum(s[N_NEEDS], 1), 0.0)
        self.w_slots = np.where(s[N_SLOTS] > 0,
                                weights.availability / np.maximum(s[N_SLOTS], 1), 0.0)
        order = np.argsort(s[FIELD], kind="stable")
        fields, starts = np.unique(s[FIELD][order], return_index=True)
        ends = np.r_[starts[1:], self.ns]
        self.groups = [(int(f), order[a:b]) for f, a, b in zip(fields, starts, ends, strict=True)]
        shares = np.array([0.0, weights.same_family, 1.0])
        self.field_part = weights.field * shares
        self.bound_local = self.field_part + weights.place + weights.needs + weights.availability
        self.bound_remote = self.bound_local - weights.place * (1 - weights.remote)

    # --------------------------------------------------------------------- pairs

    def is_excluded(self, ps: Ints, pv: Ints) -> Bools:
        if not len(self.excluded):
            return np.zeros(len(ps), bool)
        key = ps * self.nv + pv
        at = np.minimum(np.searchsorted(self.excluded, key), len(self.excluded) - 1)
        return self.excluded[at] == key

    def scores(self, ps: Ints, pv: Ints) -> tuple[Floats, Bools]:
        """Exact scores of pairs, and whether each is allowed (eligible, not excluded)."""
        values, ok = pair_values(self.S[:, ps], self.V[:, pv], self.w)
        return values, ok & ~self.is_excluded(ps, pv)

    # ------------------------------------------------------------------ row scan

    def _levels(self, field: int, family: int) -> Ints:
        """Field level of every volunteer for students of ``field``: 2, 1 or 0."""
        if field < 0:
            return np.zeros(self.nv, np.int64)
        V = self.V
        return np.where(V[FIELD] == field, 2, np.where((V[FAMILIES] & family) != 0, 1, 0))

    def row_scan(self, offset: Floats, skip: Bools, prune: Floats, above: Floats, k: int
                 ) -> tuple[Floats, Found]:
        """For each student, the largest reduced value over the volunteers that may beat
        ``prune`` (the others are proven not to; ``skip`` ones are left out), and its ``k``
        best pairs whose reduced value exceeds ``above``."""
        key_price = np.where(skip, _CLIP, np.clip(offset, -_CLIP + 1, _CLIP - 1))
        row_max = np.full(self.ns, -np.inf)
        found: list[Found] = []
        for field, students in self.groups:
            level = self._levels(field, int(self.S[FAMILIES][students[0]]))
            local = np.lexsort((key_price, self.v_region, level))
            local_key = (level[local] * self.regions + self.v_region[local]) * _STEP \
                + key_price[local]
            remote = self.remote[np.lexsort((key_price[self.remote], level[self.remote]))]
            remote_key = level[remote] * _STEP + key_price[remote]
            limit, region = prune[students], self.s_region[students]
            for lvl in range(3):
                for is_local, order, keys in ((True, local, local_key),
                                              (False, remote, remote_key)):
                    start = (lvl * self.regions + region) * _STEP if is_local \
                        else np.full(len(students), lvl * _STEP)
                    bound = (self.bound_local if is_local else self.bound_remote)[lvl]
                    first = np.searchsorted(keys, start - _STEP / 2)
                    last = np.searchsorted(keys, start + np.clip(bound - limit, -_CLIP + .5, _CLIP))
                    index, lengths = runs(first, last)
                    if len(index):
                        self._rows(students, lengths, order[index], lvl, is_local, offset,
                                   above, k, row_max, found)
        return row_max, Found.join(found).best(k)

    def _rows(self, students: Ints, lengths: Ints, pv: Ints, level: int, is_local: bool,
              offset: Floats, above: Floats, k: int, row_max: Floats, found: list[Found]
              ) -> None:
        S, V, w = self.S, self.V, self.w
        some = lengths > 0
        students, lengths = students[some], lengths[some]
        ps = np.repeat(students, lengths)

        def each(values: Ints | Floats) -> Ints | Floats:
            return np.repeat(values[students], lengths)

        # Remote classes count every volunteer as remote; those of the student's region are
        # also met, exactly, in the local classes, so maxima are right.
        place = np.where(each(S[DEPARTMENT]) == V[DEPARTMENT][pv], w.place,
                         w.place * w.same_region) if is_local else w.place * w.remote
        value = self.field_part[level] + place \
            + np.bitwise_count(each(S[NEEDS]) & V[NEEDS][pv]) * each(self.w_needs)
        value += np.bitwise_count(each(S[SLOTS]) & V[SLOTS][pv]) * each(self.w_slots)
        value -= offset[pv]
        bad = ((each(S[LANGUAGES]) & V[LANGUAGES][pv]) == 0) | self.is_excluded(ps, pv)
        value[bad] = -np.inf
        starts = np.cumsum(lengths) - lengths
        np.maximum.at(row_max, students, np.maximum.reduceat(value, starts))
        better = value > np.repeat(above[students], lengths)
        if better.any():
            part = Found(ps[better], pv[better], value[better])
            found.append(part.best(k) if len(part.students) > 8 * k * len(students) else part)

    # --------------------------------------------------------------- column scan

    def column_scan(self, volunteers: Ints, offset: Floats, above: Floats, k: int,
                    block: int = 16) -> tuple[Floats, Found]:
        """The same for a few volunteers against every student: each student's largest
        reduced value over them, and each volunteer's ``k`` best pairs beating ``above``."""
        col_max = np.full(self.ns, -np.inf)
        found: list[Found] = []
        everyone = np.arange(self.ns)
        for i in range(0, len(volunteers), block):
            cols = volunteers[i:i + block]
            ps = np.tile(everyone, len(cols))
            pv = np.repeat(cols, self.ns)
            values, ok = self.scores(ps, pv)
            values = np.where(ok, values - offset[pv], -np.inf).reshape(len(cols), self.ns)
            np.maximum(col_max, values.max(axis=0), out=col_max)
            better = values > above[None, :]
            rows, where = np.nonzero(better)
            found.append(Found(where, cols[rows], values[rows, where]).best(k, by_volunteer=True))
        return col_max, Found.join(found)
