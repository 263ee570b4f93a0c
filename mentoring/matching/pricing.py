"""Searching all (student, volunteer) pairs for the ones worth adding to the flow graph.

Every pair has a *reduced value*: its score minus the volunteer's price (``offset``, in
score units). A pair whose reduced value exceeds what its student gets ``now`` by more than
``margin`` could improve the assignment, and the largest reduced value of each student
bounds the optimum from above (see :mod:`.batch`). Only those pairs are kept, with their
*gain* (reduced value minus ``now``), so exclusions need only be checked on them.

Scoring 2.5 billion pairs each round is too slow, so the row scan prunes by class: relative
to a student, a volunteer has a field level (same field, same family, neither) and is in
the student's region or mentors remotely from elsewhere. Each class has an upper bound of
the score, and within a class only volunteers priced below that bound minus ``prune`` can
matter: a binary search among volunteers sorted by price finds them. Pairs are then scored
in cache-sized chunks. Volunteers that are still cheap (priced below the cost of leaving a
student unmatched) would pass every bound, so the column scan handles them instead.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from mentoring.matching import encoding as enc
from mentoring.matching.encoding import Bools, Floats, Ints, pair_values
from mentoring.matching.scoring import Weights

CHUNK = 1 << 17
"""Pairs scored at once: small enough for the CPU cache."""

THREADS = min(4, os.cpu_count() or 1)

_STEP = 16.0  # width of one class in the sort keys; prices are clipped well inside it
_CLIP = _STEP / 4 - 1


@dataclass
class Found:
    """Pairs found by a scan: students, volunteers and gains."""

    students: Ints
    volunteers: Ints
    gains: Floats

    @staticmethod
    def join(parts: list[Found]) -> Found:
        if not parts:
            return Found(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
        return Found(np.concatenate([p.students for p in parts]),
                     np.concatenate([p.volunteers for p in parts]),
                     np.concatenate([p.gains for p in parts]))

    def best(self, k: int, k_volunteer: int = 0) -> Found:
        """The ``k`` pairs of largest gain of each student, with the ``k_volunteer`` best of
        each volunteer. Pairs must be distinct."""
        keep = _first(self.students, self.gains, k)
        if k_volunteer:
            keep |= _first(self.volunteers, self.gains, k_volunteer)
        return Found(self.students[keep], self.volunteers[keep], self.gains[keep])

    def most(self, n: int) -> Floats:
        """The largest gain of each of ``n`` students (-inf for those without pairs)."""
        top = np.full(n, -np.inf)
        np.maximum.at(top, self.students, self.gains)
        return top


def _first(owner: Ints, value: Floats, k: int) -> Bools:
    """Which entries are among the ``k`` of largest value of their owner."""
    # One sort on owner + a decreasing squash of value into (0, 1) is several times faster
    # than a two-key lexsort; it tells apart values that differ by more than about 1e-10.
    order = np.argsort(owner + (0.5 - np.arctan(value) / np.pi))
    sorted_owner = owner[order]
    starts = np.flatnonzero(np.r_[True, sorted_owner[1:] != sorted_owner[:-1]])
    rank = np.arange(len(owner)) - np.repeat(starts, np.diff(np.r_[starts, len(owner)]))
    keep = np.zeros(len(owner), bool)
    keep[order[rank < k]] = True
    return keep


def runs(starts: Ints, ends: Ints) -> tuple[Ints, Ints]:
    """The indices of the ranges ``[starts[i], ends[i])`` one after the other, and their
    lengths (0 for empty ranges)."""
    lengths = np.maximum(ends - starts, 0)
    shift = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
    return shift + np.arange(len(shift)), lengths


def _compact(values: Ints) -> Ints:
    """The same integers in the smallest type that holds them, to save memory bandwidth."""
    for kind in (np.int8, np.int16, np.int32):
        info = np.iinfo(kind)
        if not len(values) or (values.min() >= info.min and values.max() <= info.max):
            return values.astype(kind)
    return values


def _chunks(lengths: Ints, size: int) -> Iterator[tuple[int, int]]:
    """Consecutive slices of rows whose lengths add up to about ``size``."""
    ends = np.cumsum(lengths)
    start = 0
    while start < len(lengths):
        before = ends[start - 1] if start else 0
        stop = max(int(np.searchsorted(ends, before + size, "right")), start + 1)
        yield start, stop
        start = stop


@dataclass
class _Keys:
    """The distinct combinations of some student columns, and which one each student has."""

    field: Ints
    family: Ints
    of_field: Ints
    department: Ints
    region: Ints
    of_place: Ints
    languages: Ints
    of_language: Ints
    needs: Ints
    slots: Ints
    w_needs: Floats
    w_slots: Floats
    of_fit: Ints

    @staticmethod
    def of(S: Ints, w: Weights) -> _Keys:
        def distinct(*rows: int) -> tuple[Ints, Ints]:
            keys, which = np.unique(S[list(rows)], axis=1, return_inverse=True)
            return keys, _compact(which.ravel())

        (field, family), of_field = distinct(enc.FIELD, enc.FAMILIES)
        (department, region), of_place = distinct(enc.DEPARTMENT, enc.REGION)
        (languages,), of_language = distinct(enc.LANGUAGES)
        (needs, n_needs, slots, n_slots), of_fit = distinct(
            enc.NEEDS, enc.N_NEEDS, enc.SLOTS, enc.N_SLOTS)
        return _Keys(field, family, of_field, department, region, of_place, languages,
                     of_language, needs, slots, _per(w.needs, n_needs),
                     _per(w.availability, n_slots), of_fit)


def _per(weight: float, count: Ints) -> Floats:
    """``weight / count``, or 0 where ``count`` is 0."""
    return np.where(count > 0, weight / np.maximum(count, 1), 0.0)


class Market:
    """The encoded students and volunteers of one batch, and the scans over their pairs.

    ``excluded`` holds (student index, volunteer index) pairs that may never be proposed.
    """

    def __init__(self, students: Ints, volunteers: Ints, weights: Weights,
                 excluded: tuple[Ints, Ints] | None = None) -> None:
        self.S, self.V, self.w = students, volunteers, weights
        self.ns, self.nv = students.shape[1], volunteers.shape[1]
        pairs = excluded or (np.zeros(0, np.int64), np.zeros(0, np.int64))
        self.excluded = np.unique(pairs[0] * self.nv + pairs[1])
        by_volunteer = np.argsort(self.excluded % self.nv, kind="stable")
        self._excluded_volunteers = self.excluded[by_volunteer] % self.nv
        self._excluded_students = self.excluded[by_volunteer] // self.nv
        _, region = np.unique(np.r_[volunteers[enc.REGION], students[enc.REGION]],
                              return_inverse=True)
        self.v_region, self.s_region = region[:self.nv], region[self.nv:]
        self.regions = int(region.max(initial=0)) + 1
        self.is_remote = volunteers[enc.REMOTE] != 0
        rows = (enc.DEPARTMENT, enc.NEEDS, enc.SLOTS, enc.LANGUAGES)
        self.s_cols = [_compact(students[row]) for row in rows]
        self.v_cols = [_compact(volunteers[row]) for row in rows]
        s, w = students, weights
        self.w_needs = _per(w.needs, s[enc.N_NEEDS])
        self.w_slots = _per(w.availability, s[enc.N_SLOTS])
        self.keys = _Keys.of(students, weights)
        order = np.argsort(s[enc.FIELD], kind="stable")
        fields, starts = np.unique(s[enc.FIELD][order], return_index=True)
        ends = np.r_[starts[1:], self.ns]
        self.groups = [(int(f), order[a:b]) for f, a, b in zip(fields, starts, ends, strict=True)]
        self.field_part = w.field * np.array([0.0, w.same_family, 1.0])
        self.bound_local = self.field_part + w.place + w.needs + w.availability
        self.bound_remote = self.bound_local - w.place * (1 - w.remote)

    def allowed(self, ps: Ints, pv: Ints) -> Bools:
        """Which pairs are not excluded."""
        if not len(self.excluded):
            return np.ones(len(ps), bool)
        key = ps * self.nv + pv
        at = np.minimum(np.searchsorted(self.excluded, key), len(self.excluded) - 1)
        return self.excluded[at] != key  # type: ignore[no-any-return]

    def _excluded_with(self, v: int) -> Ints:
        """The students excluded with volunteer ``v``."""
        first, last = np.searchsorted(self._excluded_volunteers, [v, v + 1])
        students: Ints = self._excluded_students[first:last]
        return students

    def scores(self, ps: Ints, pv: Ints) -> tuple[Floats, Bools]:
        """Exact scores of pairs, and whether each may be proposed."""
        values, ok = pair_values(self.S[:, ps], self.V[:, pv], self.w)
        return values, ok & self.allowed(ps, pv)

    # ------------------------------------------------------------------ row scan

    def _levels(self, field: int, family: int) -> Ints:
        """Field level of every volunteer for students of ``field``: 2, 1 or 0."""
        if field < 0:
            return np.zeros(self.nv, np.int64)
        V = self.V
        return np.where(V[enc.FIELD] == field, 2,
                        np.where((V[enc.FAMILIES] & family) != 0, 1, 0))

    def row_scan(self, offset: Floats, skip: Bools, prune: Floats, now: Floats, margin: float,
                 k: int, k_volunteer: int = 0) -> Found:
        """The pairs that gain more than ``margin`` over ``now`` (each student's ``k`` best
        and each volunteer's ``k_volunteer`` best), among volunteers not in ``skip`` whose
        reduced value may beat ``prune``: the others are proven not to."""
        key_price = np.where(skip, _CLIP + 0.5, np.clip(offset, -_CLIP, _CLIP))
        by_price = np.argsort(key_price, kind="stable")
        remote_by_price = by_price[self.is_remote[by_price]]

        def scan(group: tuple[int, Ints]) -> list[Found]:
            return self._group(*group, key_price, by_price, remote_by_price, offset, prune,
                               now, margin, k, k_volunteer)

        # numpy releases the GIL in the long operations: field groups run side by side.
        with ThreadPoolExecutor(THREADS) as pool:
            parts = [part for found in pool.map(scan, self.groups) for part in found]
        return Found.join(parts).best(k, k_volunteer)

    def _group(self, field: int, students: Ints, key_price: Floats, by_price: Ints,
               remote_by_price: Ints, offset: Floats, prune: Floats, now: Floats,
               margin: float, k: int, k_volunteer: int) -> list[Found]:
        """The row scan of the students of one field."""
        level = self._levels(field, int(self.S[enc.FAMILIES][students[0]]))
        segment = level * self.regions + self.v_region
        local = by_price[np.argsort(_compact(segment[by_price]), kind="stable")]
        local_key = segment[local] * _STEP + key_price[local]
        remote = remote_by_price[np.argsort(level[remote_by_price].astype(np.int8),
                                            kind="stable")]
        remote_key = level[remote] * _STEP + key_price[remote]
        parts: list[Found] = []
        size = 0
        for lvl in range(3):
            for is_local, order, keys in ((True, local, local_key), (False, remote, remote_key)):
                start = (lvl * self.regions + self.s_region[students]) * _STEP if is_local \
                    else np.full(len(students), lvl * _STEP)
                bound = (self.bound_local if is_local else self.bound_remote)[lvl]
                first = np.searchsorted(keys, start - _STEP / 2)
                last = np.searchsorted(
                    keys, start + np.clip(bound - prune[students], -_CLIP, _CLIP), "right")
                new = self._rows(students, first, last, order, lvl, is_local, offset, now,
                                 margin, k, k_volunteer)
                parts += new
                size += sum(len(p.students) for p in new)
                if size > 8 * CHUNK:  # keep memory flat when many pairs qualify
                    parts, size = [Found.join(parts).best(k, k_volunteer)], 0
        return parts

    def _rows(self, students: Ints, first: Ints, last: Ints, order: Ints, level: int,
              is_local: bool, offset: Floats, now: Floats, margin: float, k: int,
              k_volunteer: int) -> list[Found]:
        """Score the pairs of ``students`` with the volunteers ``order[first:last]`` of
        one class, chunk by chunk, and keep those that gain more than ``margin``."""
        w = self.w
        some = last > first
        students, first, last = students[some], first[some], last[some]
        s_department, s_needs, s_slots, s_languages = self.s_cols
        v_department, v_needs, v_slots, v_languages = self.v_cols
        parts = []
        for a, b in _chunks(last - first, CHUNK):
            index, lengths = runs(first[a:b], last[a:b])
            rows, pv = students[a:b], order[index]
            ps = np.repeat(rows, lengths)
            if is_local:
                place = np.where(s_department[ps] == v_department[pv], w.place,
                                 w.place * w.same_region)
            else:  # the student's own region is met in the local classes
                place = np.where(self.s_region[ps] == self.v_region[pv], -np.inf,
                                 w.place * w.remote)
            value = self.field_part[level] + place \
                + np.bitwise_count(s_needs[ps] & v_needs[pv]) * self.w_needs[ps]
            value += np.bitwise_count(s_slots[ps] & v_slots[pv]) * self.w_slots[ps]
            value -= offset[pv] + now[ps]
            better = (value > margin) & ((s_languages[ps] & v_languages[pv]) != 0)
            if better.any():
                ps, pv, value = ps[better], pv[better], value[better]
                ok = self.allowed(ps, pv)
                part = Found(ps[ok], pv[ok], value[ok])
                parts.append(part.best(k, k_volunteer) if len(ps) > 4 * len(rows) else part)
        return parts

    # --------------------------------------------------------------- column scan

    def column_scan(self, volunteers: Ints, offset: Floats, now: Floats, margin: float,
                    k: int) -> tuple[Found, Floats]:
        """The same for a few volunteers against every student: each volunteer's ``k``
        pairs of largest gain above ``margin``, and each student's largest gain over them."""
        best = np.full(self.ns, -np.inf)
        parts = []
        for v in volunteers:
            gain = self._column(int(v)) - offset[v] - now
            gain[self._excluded_with(int(v))] = -np.inf
            ps = np.flatnonzero(gain > margin)
            if len(ps) > k:
                ps = ps[np.argpartition(-gain[ps], k - 1)[:k]]
            parts.append(Found(ps, np.full(len(ps), v), gain[ps]))
            np.maximum(best, gain, out=best)
        return Found.join(parts), best

    def _column(self, v: int) -> Floats:
        """The scores of volunteer ``v`` with every student (-inf if ineligible), through
        small tables indexed by the students' distinct fields, places, languages and
        needs and slots."""
        V, w, keys = self.V, self.w, self.keys
        field = np.where(keys.field == V[enc.FIELD, v], w.field,
                         np.where((keys.family & V[enc.FAMILIES, v]) != 0,
                                  w.field * w.same_family, 0.0))
        region = keys.region == V[enc.REGION, v]
        place = np.where(keys.department == V[enc.DEPARTMENT, v], w.place,
                         np.where(region, w.place * w.same_region, w.place * w.remote))
        if not V[enc.REMOTE, v]:
            place[~region] = -np.inf
        language = np.where((keys.languages & V[enc.LANGUAGES, v]) != 0, 0.0, -np.inf)
        fit = np.bitwise_count(keys.needs & V[enc.NEEDS, v]) * keys.w_needs \
            + np.bitwise_count(keys.slots & V[enc.SLOTS, v]) * keys.w_slots
        value: Floats = field[keys.of_field] + place[keys.of_place] \
            + language[keys.of_language] + fit[keys.of_fit]
        return value
