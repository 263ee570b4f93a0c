"""The instant search: VolunteerPool.best against a brute-force search over score()."""

from __future__ import annotations

import random

import numpy as np
import pytest

from mentoring.matching.encoding import Vocabularies, pair_values
from mentoring.matching.pool import VolunteerPool
from mentoring.matching.scoring import DEFAULT_WEIGHTS, Score, Weights, score
from mentoring.model import StudentProfile, VolunteerProfile
from mentoring.population import generate
from tests.unit.test_matching_scoring import student, volunteer


def brute_force(s: StudentProfile, volunteers: list[tuple[VolunteerProfile, int]],
                excluded: set[int], limit: int, weights: Weights = DEFAULT_WEIGHTS
                ) -> list[tuple[int, Score]]:
    ranked = []
    for v, free in volunteers:
        if free <= 0 or v.user_id in excluded or v.user_id == s.user_id:
            continue
        result = score(s, v, weights)
        if result is not None:
            ranked.append(((-result.value, -free, v.user_id), (v.user_id, result)))
    ranked.sort(key=lambda item: item[0])
    return [found for _key, found in ranked[:limit]]


@pytest.mark.parametrize("seed", range(6))
def test_best_is_the_brute_force_search(seed: int) -> None:
    rng = random.Random(seed)
    people = generate(40, 300, seed)
    available = [(v, rng.choice((0, 1, 1, 2, 3))) for v in people.volunteers]
    weights = Weights() if seed % 2 else Weights(field=0.2, place=0.4, needs=0.2,
                                                  availability=0.2, remote=0.5)
    pool = VolunteerPool(available, weights)
    for waiting in people.students:
        excluded = {v.user_id for v, _ in rng.sample(available, 20)}
        limit = rng.choice((1, 3, 10, 400))
        assert pool.best(waiting.profile, excluded=excluded, limit=limit) == brute_force(
            waiting.profile, available, excluded, limit, weights)


def test_vectorised_values_equal_score_to_the_last_bit() -> None:
    people = generate(60, 200, 7)
    codes = Vocabularies()
    table = codes.volunteers(people.volunteers)
    for waiting in people.students:
        column = np.array(codes.student(waiting.profile), np.int64)
        values, ok = pair_values(column, table, Weights())
        for j, v in enumerate(people.volunteers):
            result = score(waiting.profile, v)
            assert ok[j] == (result is not None)
            if result is not None:
                assert values[j] == result.value


def test_ties_go_to_more_room_then_to_the_lowest_id() -> None:
    twins = [(volunteer(user_id=i), free) for i, free in ((105, 1), (104, 2), (103, 2))]
    found = VolunteerPool(twins).best(student(), limit=3)
    assert [volunteer_id for volunteer_id, _ in found] == [103, 104, 105]


def test_full_excluded_ineligible_and_self_are_skipped() -> None:
    pool = VolunteerPool([
        (volunteer(user_id=101), 0),  # full
        (volunteer(user_id=102), 1),  # excluded below
        (volunteer(user_id=103, languages=["de"]), 1),  # no shared language
        (volunteer(user_id=1), 1),  # the student themself
        (volunteer(user_id=104, field="music"), 1),
    ])
    assert [v for v, _ in pool.best(student(), excluded={102, 999}, limit=5)] == [104]


def test_set_free_upsert_and_remove() -> None:
    pool = VolunteerPool([(volunteer(user_id=i, field="music"), 1) for i in range(101, 106)])
    lawyer = volunteer(user_id=103)
    pool.upsert(lawyer, 2)  # a new profile for an existing volunteer
    assert len(pool) == 5 and pool.free(103) == 2
    assert pool.best(student())[0][0] == 103
    pool.set_free(103, 0)
    assert pool.best(student())[0][0] == 101
    pool.remove(101)
    pool.remove(101)  # already gone: nothing happens
    assert 101 not in pool and len(pool) == 4
    assert [v for v, _ in pool.best(student(), limit=9)] == [102, 104, 105]
    for volunteer_id in (102, 104, 105, 103):
        pool.remove(volunteer_id)
    assert pool.best(student()) == []


def test_a_growing_pool_learns_new_codes() -> None:
    pool = VolunteerPool()
    for i in range(40):  # more than the initial room
        pool.upsert(volunteer(user_id=200 + i, field=f"craft_{i}", department="99"), 1)
    found = pool.best(student(field="craft_7", department="99"))
    assert found[0][0] == 207
    assert found[0][1].reasons[0].code == "same_field"
    with pytest.raises(KeyError):
        pool.set_free(12345, 1)


def test_no_limit_no_result() -> None:
    assert VolunteerPool([(volunteer(), 1)]).best(student(), limit=0) == []
