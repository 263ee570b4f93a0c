"""The exact step: a maximum matching of best total weight on a candidate graph, by
OR-tools' min-cost flow, and dual prices that prove it optimal.

The graph is source → student (capacity 1, cost −bonus) → volunteer (capacity 1,
cost −gain) → sink (capacity = free places). ``SolveMaxFlowWithMinCost`` first maximises
the number of students matched, then the total gain plus bonus: exactly our lexicographic
objective, without a huge per-student constant in the costs. Costs that still make the
solver's potentials overflow raise :class:`OverflowError`, for the caller to shrink them.
"""

from __future__ import annotations

import numpy as np
from ortools.graph.python import min_cost_flow

from mentoring.matching.encoding import Bools, Ints
from mentoring.matching.pricing import runs


def solve(n_students: int, capacity: Ints, students: Ints, volunteers: Ints, gains: Ints,
          bonus: Ints) -> Bools:
    """Which candidate edges ``(students[i], volunteers[i])`` the optimum uses."""
    n_volunteers = len(capacity)
    source, sink = n_students + n_volunteers, n_students + n_volunteers + 1
    flow = min_cost_flow.SimpleMinCostFlow()
    everyone = np.arange(n_students)
    flow.add_arcs_with_capacity_and_unit_cost(
        np.r_[np.full(n_students, source), students, n_students + np.arange(n_volunteers)],
        np.r_[everyone, n_students + volunteers, np.full(n_volunteers, sink)],
        np.r_[np.ones(n_students + len(students), np.int64), capacity],
        np.r_[-bonus, -gains, np.zeros(n_volunteers, np.int64)],
    )
    flow.set_node_supply(source, n_students)
    flow.set_node_supply(sink, -n_students)
    status = flow.solve_max_flow_with_min_cost()
    if status == flow.BAD_COST_RANGE:
        raise OverflowError("costs too large for the min-cost flow")
    if status != flow.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed: {status}")
    first = n_students
    used: Bools = flow.flows(np.arange(first, first + len(students))) > 0
    return used


def least_prices(n_students: int, n_volunteers: int, students: Ints, volunteers: Ints,
                 weights: Ints, used: Bools) -> tuple[Ints, Ints]:
    """The smallest volunteer prices ``p >= 0`` that, with student values
    ``u = max(0, max_v weight - p)``, satisfy the optimality conditions of the matching
    ``used`` (an optimum of the maximum-weight problem on these edges): every student gets
    ``u`` from their own volunteer, unmatched students get 0 and volunteers with room cost 0.

    They are longest paths: a volunteer costs at least what any unmatched student would pay,
    and at least the price of a matched student's volunteer plus what that student gains by
    moving. Bellman-Ford, vectorised, only relaxes from volunteers whose price just rose.
    """
    match = np.full(n_students, -1)
    match[students[used]] = volunteers[used]
    own = np.zeros(n_students, np.int64)
    own[students[used]] = weights[used]
    price = np.zeros(n_volunteers, np.int64)
    free = match[students] < 0
    np.maximum.at(price, volunteers[free], weights[free])
    moves = ~free & ~used
    tail, head = match[students[moves]], volunteers[moves]
    gain = weights[moves] - own[students[moves]]
    order = np.argsort(tail, kind="stable")
    tail, head, gain = tail[order], head[order], gain[order]
    bounds = np.searchsorted(tail, np.arange(n_volunteers + 1))
    changed = np.ones(n_volunteers, bool)
    for _round in range(n_volunteers + 2):  # a longest path has at most n_volunteers steps
        rising = np.flatnonzero(changed)
        if not len(rising):
            break
        index, _ = runs(bounds[rising], bounds[rising + 1])
        raised = price.copy()
        np.maximum.at(raised, head[index], price[tail[index]] + gain[index])
        changed = raised > price
        price = raised
    else:
        raise RuntimeError("prices do not settle: the matching is not optimal")
    value = np.where(match >= 0, own - price[np.maximum(match, 0)], 0)
    return price, value
