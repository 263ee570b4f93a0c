"""Global assignment of the waiting list: as many students as possible, then the best
total score, then those who waited longest, within every hard constraint and capacity.

This is a maximum-weight b-matching. Its full graph (every eligible pair) is too large to
build, so it is grown by *pricing*, the column generation of linear programming:

1. Start from a small candidate graph (each student's best volunteers of their own field and
   region, and each volunteer's best students there).
2. Solve it exactly with a min-cost flow (:mod:`.flow`) and derive the optimal dual prices:
   ``p`` per volunteer place and ``u`` per student.
3. Any ``p >= 0`` proves an upper bound of the optimum over the *full* graph:
   ``sum(c_v * p_v) + sum_s max(0, max_v (w_sv - p_v))``. Scanning all pairs for each
   student's largest ``w_sv - p_v`` (:mod:`.pricing`) gives the bound and, at the same time,
   the pairs that beat ``u``: the only ones that can improve the solution. Add them, drop the
   edges that are far from useful, and go back to 2.
4. Stop when the solution is within ``target`` of the bound, when no pair can improve it by
   more than the rounding of scores (optimal), or when time runs out.

Weights are integers: a pair weighs ``M + K * round(score * Q) + bonus(student)``, where ``M``
(one more matched student) outweighs any total of scores and ``K`` any total of waiting-time
bonuses, so the order of the three criteria is exact. The bound is reported in score units
for the number of students matched, which it also proves to be maximal.
"""

from __future__ import annotations

import math
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from mentoring.matching.encoding import Bools, Floats, Ints, Vocabularies
from mentoring.matching.flow import least_prices, solve
from mentoring.matching.pool import VolunteerPool
from mentoring.matching.pricing import Found, Market
from mentoring.matching.scoring import DEFAULT_WEIGHTS, Weights
from mentoring.model import StudentProfile, VolunteerProfile

__all__ = ["Assignment", "WaitingStudent", "assign", "greedy"]

QUANTUM = 100_000
"""Scores are rounded to 1/QUANTUM in the flow."""

TOLERANCE = 1e-5
"""A pair must beat its student's value by this much (in score units) to be added: the
rounding of scores (half a quantum each way), so that rounding never looks like a gain."""

FIRST_PER_STUDENT, FIRST_PER_VOLUNTEER = 4, 20
"""Sizes of the first candidate graph, per student and per volunteer."""

NEW_PER_STUDENT, NEW_PER_VOLUNTEER = 5, 8
"""Pairs added per round for each student, and for each still cheap volunteer."""

SLACK = 0.1
"""Edges whose reduced value is below -SLACK are dropped between rounds: they are far from
being used, and a smaller graph solves faster. The current solution is always kept."""

COLUMN_LIMIT = 1500
"""With more cheap volunteers than this (a column scan takes about 2 ms), they are repaired
at NOMINAL_PRICE instead of scanned exactly, and that round proves no bound."""

NOMINAL_PRICE = 0.7


@dataclass(frozen=True)
class WaitingStudent:
    profile: StudentProfile
    waiting_since: datetime


@dataclass(frozen=True)
class Assignment:
    """A plan: ``pairs`` are (student id, volunteer id, score). ``upper_bound`` is a proven
    upper bound of the optimal total score; it is finite only once ``matched`` is proven
    to be the most possible. ``ratio`` is total / bound (0 while the bound is infinite)."""

    pairs: list[tuple[int, int, float]]
    matched: int
    total_score: float
    upper_bound: float
    ratio: float
    rounds: int
    seconds: float


@dataclass
class _Problem:
    """One batch, encoded. Pairs weigh ``M + K * round(score * QUANTUM) + bonus``; the
    bonus ranks waiting time in ``levels`` steps (exact ranks unless there are too many)."""

    students: list[int]
    volunteers: list[int]
    free: Ints
    market: Market
    ranks: Ints
    levels: int

    @property
    def most(self) -> int:
        """The most students that can be matched."""
        return int(min(self.market.ns, self.free.sum()))

    @property
    def bonus(self) -> Ints:
        bonus: Ints = self.ranks * self.levels // max(1, int(self.ranks.max(initial=0)))
        return bonus

    @property
    def K(self) -> int:
        return self.most * self.levels + 1  # more than any total of bonuses

    @property
    def M(self) -> int:
        return 2 * self.K * QUANTUM * self.most + 1  # more than any total of scores

    @property
    def unit(self) -> int:
        """The weight of one score unit."""
        return self.K * QUANTUM

    def weights(self, es: Ints, ev: Ints) -> tuple[Floats, Ints]:
        """Exact scores of candidate edges, and their integer weights."""
        scores, _ok = self.market.scores(es, ev)
        gains = self.K * np.rint(scores * QUANTUM).astype(np.int64)
        return scores, self.M + gains + self.bonus[es]

    def solve(self, es: Ints, ev: Ints) -> tuple[Floats, Ints, Bools]:
        """Scores and weights of the edges, and which ones the optimum uses. Should the
        solver's potentials overflow, waiting time is ranked more coarsely."""
        while True:
            scores, weight = self.weights(es, ev)
            try:
                return scores, weight, solve(self.market.ns, self.free, es, ev,
                                             weight - self.M - self.bonus[es], self.bonus)
            except OverflowError:
                if not self.levels:
                    raise
                self.levels //= 16


def _ranks(since: Sequence[datetime]) -> Ints:
    """0 for the latest sign-up, up to the number of distinct times - 1 for the earliest."""
    stamps = np.array([moment.timestamp() for moment in since])
    distinct, which = np.unique(stamps, return_inverse=True)
    ranks: Ints = len(distinct) - 1 - which.ravel()
    return ranks


def _prepare(students: Sequence[WaitingStudent], volunteers: Sequence[tuple[VolunteerProfile,
             int]], excluded: Collection[tuple[int, int]], weights: Weights) -> _Problem | None:
    open_ = [(v, free) for v, free in volunteers if free > 0]
    ids = [s.profile.user_id for s in students]
    if len(set(ids)) != len(ids) or len({v.user_id for v, _ in open_}) != len(open_):
        raise ValueError("students and volunteers must each have distinct ids")
    if not students or not open_:
        return None
    vocabularies = Vocabularies()
    V = vocabularies.volunteers(v for v, _ in open_)
    S = vocabularies.students(s.profile for s in students)
    student_at = {sid: i for i, sid in enumerate(ids)}
    volunteer_at = {v.user_id: j for j, (v, _) in enumerate(open_)}
    pairs = [(student_at[s], volunteer_at[v]) for s, v in excluded
             if s in student_at and v in volunteer_at]
    pairs += [(student_at[v], j) for v, j in volunteer_at.items() if v in student_at]  # self
    ps = np.array([p[0] for p in pairs], np.int64)
    pv = np.array([p[1] for p in pairs], np.int64)
    problem = _Problem(ids, [v.user_id for v, _ in open_], np.array([f for _, f in open_]),
                       Market(S, V, weights, (ps, pv)), _ranks([s.waiting_since for s in
                                                                 students]), 0)
    # Costs times the node count must stay well below 2**62 in the flow (its potentials
    # grow further), and M plus a few costs below 2**62 in the duals.
    nodes = len(students) + len(open_) + 2
    k_limit = min(2**62 // (nodes + 1) // 64, 2**60 // problem.most) // QUANTUM
    problem.levels = max(0, min(int(problem.ranks.max(initial=0)),
                                (k_limit - 1) // problem.most))
    return problem


def _first_candidates(market: Market) -> tuple[Ints, Ints]:
    """Each student's and each volunteer's best pairs in the same field and region; for
    students with too few, also in the same family nearby or the same field remotely."""
    zero, none = np.zeros(market.nv), np.zeros(market.nv, bool)
    local, remote = market.bound_local, market.bound_remote
    only_same_field_local = max(local[1], remote[2]) + 1e-9
    first = market.row_scan(zero, none, np.full(market.ns, only_same_field_local),
                            np.zeros(market.ns), 0.0, FIRST_PER_STUDENT, FIRST_PER_VOLUNTEER)
    few = np.bincount(first.students, minlength=market.ns) < FIRST_PER_STUDENT
    wider = np.where(few, max(local[0], remote[1]) + 1e-9, np.inf)
    more = market.row_scan(zero, none, wider, np.zeros(market.ns), 0.0, FIRST_PER_STUDENT,
                           FIRST_PER_VOLUNTEER)
    return _distinct(market.nv, first, more)


def _distinct(nv: int, *parts: Found) -> tuple[Ints, Ints]:
    """The distinct pairs of several scans, as (students, volunteers)."""
    key = np.unique(np.concatenate([p.students * nv + p.volunteers for p in parts]))
    return key // nv, key % nv


def _price(problem: _Problem, price: Ints, value: Ints, matched: int
           ) -> tuple[Ints, Ints, float]:
    """Pairs that could improve the solution of these dual prices, and the upper bound of
    the optimum they prove (in score units; infinite while cardinality is not proven)."""
    market, unit = problem.market, problem.unit
    offset = (price - problem.M) / unit  # each volunteer's price in score units
    now = value / unit  # what each student gets now
    cheap = price < problem.M // 2
    if cheap.sum() > COLUMN_LIMIT:
        # Cheap volunteers would pass every pruning bound: give them a nominal price and
        # look for unmatched students who fit them well; this proves nothing.
        unmatched = np.where(value == 0, now, np.inf)
        repair = market.row_scan(np.where(cheap, NOMINAL_PRICE, offset), ~cheap, unmatched,
                                 now, 0.0, 0, NEW_PER_VOLUNTEER)
        column_gain = np.full(market.ns, np.inf)
    else:
        repair, column_gain = market.column_scan(np.flatnonzero(cheap), offset, now,
                                                 TOLERANCE, NEW_PER_VOLUNTEER)
    rows = market.row_scan(offset, cheap, now, now, TOLERANCE, NEW_PER_STUDENT)
    # Pairs not found gain at most TOLERANCE (1e-9 covers float rounding).
    gain = np.maximum(np.maximum(TOLERANCE + 1e-9, rows.most(market.ns)), column_gain)
    places = float((problem.free * offset).sum()) \
        + problem.M / unit * (int(problem.free.sum()) - matched)
    es, ev = _distinct(market.nv, repair, rows)
    bound = float((now + gain).sum()) + places
    # Matching one more student would be worth M: a bound below it proves there is none.
    return es, ev, bound if bound < problem.M / unit else math.inf


def assign(students: Sequence[WaitingStudent],
           volunteers: Sequence[tuple[VolunteerProfile, int]],
           excluded: Collection[tuple[int, int]] = (), weights: Weights = DEFAULT_WEIGHTS, *,
           time_budget: float = 50.0, target: float = 0.995) -> Assignment:
    """The best assignment of waiting students to volunteers with free places (see the
    module docstring). ``excluded`` (student id, volunteer id) pairs are never proposed,
    nor anyone to themself. Stops at ``target`` of the proven bound, or after about
    ``time_budget`` seconds, at the end of a round."""
    start = time.monotonic()
    problem = _prepare(students, volunteers, excluded, weights)
    if problem is None:
        return Assignment([], 0, 0.0, 0.0, 1.0, 0, time.monotonic() - start)
    ns, nv = problem.market.ns, problem.market.nv
    es, ev = _first_candidates(problem.market)
    bound, rounds = np.inf, 0
    while True:
        began = time.monotonic()
        scores, weight, used = problem.solve(es, ev)
        price, value = least_prices(ns, nv, es, ev, weight, used)
        matched, total = int(used.sum()), float(scores[used].sum())
        new_s, new_v, proven = _price(problem, price, value, matched)
        bound, rounds = min(bound, proven), rounds + 1
        now = time.monotonic()
        if (not len(new_s) or _ratio(total, bound) >= target
                or now + (now - began) > start + time_budget):
            break
        # Keep the solution and the edges that might still be used; add the new ones.
        slack = weight - price[ev] - value[es]
        keep = used | (slack >= -SLACK * problem.unit)
        es, ev = _distinct(nv, Found(es[keep], ev[keep], scores[keep]),
                           Found(new_s, new_v, np.zeros(len(new_s))))
    pairs = [(problem.students[s], problem.volunteers[v], float(x))
             for s, v, x in zip(es[used], ev[used], scores[used], strict=True)]
    return Assignment(pairs, matched, total, bound, _ratio(total, bound), rounds,
                      time.monotonic() - start)


def _ratio(total: float, bound: float) -> float:
    return 1.0 if bound <= 0 else min(1.0, total / bound)


def greedy(students: Sequence[WaitingStudent],
           volunteers: Sequence[tuple[VolunteerProfile, int]],
           excluded: Collection[tuple[int, int]] = (),
           weights: Weights = DEFAULT_WEIGHTS) -> Assignment:
    """The baseline most programmes use: in sign-up order, each student takes their best
    volunteer with a free place. It proves nothing: the bound is infinite, the ratio 0."""
    start = time.monotonic()
    pool = VolunteerPool(((v, free) for v, free in volunteers if free > 0), weights)
    excluded_of: dict[int, set[int]] = {}
    for student_id, volunteer_id in excluded:
        excluded_of.setdefault(student_id, set()).add(volunteer_id)
    pairs = []
    for waiting in sorted(students, key=lambda s: (s.waiting_since, s.profile.user_id)):
        if not len(pool):
            break
        student = waiting.profile
        found = pool.best(student, excluded=excluded_of.get(student.user_id, ()))
        if found:
            volunteer_id, result = found[0]
            pairs.append((student.user_id, volunteer_id, result.value))
            left = pool.free(volunteer_id) - 1
            if left:  # full volunteers leave, so that later searches are shorter
                pool.set_free(volunteer_id, left)
            else:
                pool.remove(volunteer_id)
    total = sum(value for _s, _v, value in pairs)
    return Assignment(pairs, len(pairs), total, math.inf, 0.0, 0, time.monotonic() - start)
