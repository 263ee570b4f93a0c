"""Global assignment of the waiting list, checked against an exact solver on the full graph."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Collection, Sequence
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ortools.graph.python import min_cost_flow

from mentoring.matching.batch import Assignment, WaitingStudent, assign, greedy
from mentoring.matching.scoring import eligible, score
from mentoring.model import StudentProfile, VolunteerProfile
from mentoring.population import generate
from tests.unit.test_matching_scoring import NOW, student, volunteer

Volunteers = Sequence[tuple[VolunteerProfile, int]]


def waiting(profile: StudentProfile, days: float = 0) -> WaitingStudent:
    return WaitingStudent(profile, NOW - timedelta(days=days))


def exact(students: Sequence[WaitingStudent], volunteers: Volunteers,
          excluded: Collection[tuple[int, int]]) -> tuple[int, float]:
    """Most students matched, then best total score, by min-cost flow on every pair."""
    flow = min_cost_flow.SimpleMinCostFlow()
    ns, nv = len(students), len(volunteers)
    source, sink = ns + nv, ns + nv + 1
    arcs = []
    for i, w in enumerate(students):
        flow.add_arc_with_capacity_and_unit_cost(source, i, 1, 0)
        for j, (v, free) in enumerate(volunteers):
            result = score(w.profile, v)
            if (free > 0 and result is not None and v.user_id != w.profile.user_id
                    and (w.profile.user_id, v.user_id) not in excluded):
                arc = flow.add_arc_with_capacity_and_unit_cost(
                    i, ns + j, 1, -round(result.value * 10**6))
                arcs.append((arc, result.value))
    for j, (_v, free) in enumerate(volunteers):
        flow.add_arc_with_capacity_and_unit_cost(ns + j, sink, max(free, 0), 0)
    flow.set_node_supply(source, ns)
    flow.set_node_supply(sink, -ns)
    assert flow.solve_max_flow_with_min_cost() == flow.OPTIMAL
    used = [value for arc, value in arcs if flow.flow(arc)]
    return len(used), sum(used)


def check_feasible(plan: Assignment, students: Sequence[WaitingStudent], volunteers: Volunteers,
                   excluded: Collection[tuple[int, int]]) -> None:
    """Capacities, exclusions and hard constraints hold, and scores are score()'s."""
    profiles = {w.profile.user_id: w.profile for w in students}
    offered = {v.user_id: (v, free) for v, free in volunteers}
    load = Counter(v for _s, v, _x in plan.pairs)
    assert all(load[v] <= offered[v][1] for v in load)
    assert len({s for s, _v, _x in plan.pairs}) == len(plan.pairs) == plan.matched
    for s, v, value in plan.pairs:
        assert (s, v) not in excluded and s != v
        assert eligible(profiles[s], offered[v][0])
        result = score(profiles[s], offered[v][0])
        assert result is not None and value == result.value
    assert plan.total_score == pytest.approx(sum(x for _s, _v, x in plan.pairs))
    assert 0.0 <= plan.ratio <= 1.0


# ---------------------------------------------------------------------- examples


def test_nobody_waiting_or_nobody_free() -> None:
    empty = assign([], [(volunteer(), 2)])
    assert (empty.pairs, empty.matched, empty.ratio) == ([], 0, 1.0)
    assert assign([waiting(student())], [(volunteer(), 0)]).matched == 0


def test_more_students_matched_beats_a_better_score() -> None:
    # Léa fits Marc best and could also go to Nina; Tom can only go to Marc.
    lea, tom = student(user_id=1), student(user_id=2, field="music", languages=["en"])
    marc = volunteer(user_id=101)
    nina = volunteer(user_id=102, field="music", languages=["fr"], department="38")
    students, volunteers = [waiting(lea, 2), waiting(tom, 1)], [(marc, 1), (nina, 1)]
    plan = assign(students, volunteers)
    assert sorted((s, v) for s, v, _x in plan.pairs) == [(1, 102), (2, 101)]
    # Greedy serves Léa first, with her favourite, and leaves Tom without anyone.
    assert [(s, v) for s, v, _x in greedy(students, volunteers).pairs] == [(1, 101)]


def test_capacity_exclusions_and_constraints_hold() -> None:
    students = [waiting(student(user_id=i), i) for i in range(1, 6)]
    volunteers = [(volunteer(user_id=101), 2), (volunteer(user_id=102, department="13"), 3),
                  (volunteer(user_id=103, languages=["de"], remote=True), 3)]
    excluded = {(1, 101), (2, 101)}
    plan = assign(students, volunteers, excluded)
    check_feasible(plan, students, volunteers, excluded)
    assert Counter(v for _s, v, _x in plan.pairs) == {101: 2}  # 102 and 103 cannot help


def test_longer_waiting_students_win_ties() -> None:
    for first, second in ((1, 2), (2, 1)):
        students = [waiting(student(user_id=first), days=3),
                    waiting(student(user_id=second), days=1)]
        plan = assign(students, [(volunteer(), 1)])
        assert [s for s, _v, _x in plan.pairs] == [first]
    trio = [waiting(student(user_id=i), days) for i, days in ((1, 1), (2, 9), (3, 5))]
    plan = assign(trio, [(volunteer(user_id=101), 1), (volunteer(user_id=102), 1)])
    assert sorted(s for s, _v, _x in plan.pairs) == [2, 3]


def test_waiting_time_never_costs_score() -> None:
    # The longest waiting student fits less well: the better pair wins all the same.
    early = waiting(student(user_id=1, needs=["homework"]), days=30)
    late = waiting(student(user_id=2), days=1)
    plan = assign([early, late], [(volunteer(), 1)])
    assert [s for s, _v, _x in plan.pairs] == [2]


def test_distinct_ids_are_required() -> None:
    with pytest.raises(ValueError):
        assign([waiting(student()), waiting(student())], [(volunteer(), 1)])


def test_a_tiny_time_budget_still_gives_a_valid_plan() -> None:
    people = generate(300, 80, 3)
    plan = assign(people.students, people.available(), time_budget=0.0)
    check_feasible(plan, people.students, people.available(), ())
    assert plan.rounds == 1


@pytest.mark.parametrize("seed", range(4))
def test_the_optimum_on_generated_populations(seed: int) -> None:
    rng = random.Random(seed)
    people = generate(400, 100, seed)
    volunteers = [(v, rng.choice((0, 1, 1, 2, 3))) for v in people.volunteers]
    excluded = {(w.profile.user_id, v.user_id) for w in people.students
                for v, _ in rng.sample(volunteers, 3)}
    plan = assign(people.students, volunteers, excluded, target=1.0)
    check_feasible(plan, people.students, volunteers, excluded)
    most, best = exact(people.students, volunteers, excluded)
    assert plan.matched == most
    assert plan.total_score == pytest.approx(best, abs=1e-4)
    assert best <= plan.upper_bound + 1e-9
    assert plan.ratio > 0.999


def test_the_default_target_stops_within_it() -> None:
    people = generate(1000, 250, 11)
    plan = assign(people.students, people.available())
    _most, best = exact(people.students, people.available(), ())
    assert plan.ratio >= 0.995
    assert plan.total_score >= 0.995 * best
    assert best <= plan.upper_bound + 1e-9


def test_greedy_serves_students_in_sign_up_order() -> None:
    students = [waiting(student(user_id=i), days=10 - i) for i in range(1, 5)]
    volunteers = [(volunteer(user_id=101), 1), (volunteer(user_id=102, field="music"), 2)]
    plan = greedy(students, volunteers, excluded={(2, 102)})
    assert [(s, v) for s, v, _x in plan.pairs] == [(1, 101), (3, 102), (4, 102)]
    check_feasible(plan, students, volunteers, {(2, 102)})


# -------------------------------------------------------------------- properties

FIELDS = ("law", "political_sci", "music", "computer_sci")
DEPARTMENTS = ("69", "38", "13", "75")


@st.composite
def instances(draw: st.DrawFn) -> tuple[list[WaitingStudent], list[tuple[VolunteerProfile, int]],
                                        set[tuple[int, int]]]:
    def some(options: tuple[str, ...], least: int = 0) -> list[str]:
        return draw(st.lists(st.sampled_from(options), min_size=least, max_size=3))

    students = [waiting(student(
        user_id=i, field=draw(st.sampled_from(FIELDS)),
        department=draw(st.sampled_from(DEPARTMENTS)),
        needs=some(("cv", "oral", "exams")), languages=some(("fr", "en"), 1),
        availability=some(("saturday", "sunday"))), days=draw(st.integers(0, 3)))
        for i in range(1, draw(st.integers(0, 12)) + 1)]
    volunteers = [(volunteer(
        user_id=100 + j, field=draw(st.sampled_from(FIELDS)),
        help_families=some(("law_politics", "arts")),
        department=draw(st.sampled_from(DEPARTMENTS)), remote=draw(st.booleans()),
        skills=some(("cv", "oral", "exams")), languages=some(("fr", "en"), 1),
        availability=some(("saturday", "sunday"))), draw(st.integers(0, 3)))
        for j in range(draw(st.integers(0, 6)))]
    pairs = [(w.profile.user_id, v.user_id) for w in students for v, _ in volunteers]
    excluded = set(draw(st.lists(st.sampled_from(pairs), max_size=8))) if pairs else set()
    return students, volunteers, excluded


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_assignments_are_feasible_and_maximal(
        instance: tuple[list[WaitingStudent], list[tuple[VolunteerProfile, int]],
                        set[tuple[int, int]]]) -> None:
    students, volunteers, excluded = instance
    plan = assign(students, volunteers, excluded, target=1.0)
    check_feasible(plan, students, volunteers, excluded)
    most, best = exact(students, volunteers, excluded)
    assert plan.matched == most
    assert plan.total_score == pytest.approx(best, abs=1e-6)
    assert best <= plan.upper_bound + 1e-9
    check_feasible(greedy(students, volunteers, excluded), students, volunteers, excluded)
