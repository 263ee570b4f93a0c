"""The seeded population generator used by the benchmark and the demo."""

from __future__ import annotations

from collections import Counter

from mentoring import catalog, places
from mentoring.population import FIRST_NAMES, generate


def test_the_same_seed_gives_the_same_population() -> None:
    assert generate(50, 20, 4) == generate(50, 20, 4)
    assert generate(50, 20, 4) != generate(50, 20, 5)


def test_profiles_use_catalogue_codes_and_unique_ids() -> None:
    people = generate(3000, 1000, 1)
    ids = [w.profile.user_id for w in people.students] + [v.user_id for v in people.volunteers]
    assert len(set(ids)) == len(ids) == 4000
    fields, families = set(catalog.codes(catalog.FIELDS)), set(catalog.codes(catalog.FAMILIES))
    departments = {d.code for d in places.DEPARTMENTS}
    for w in people.students:
        s = w.profile
        assert s.field in fields and s.department in departments
        assert s.first_name in FIRST_NAMES and 10 <= len(s.goals) <= 80
        assert s.needs and s.languages and s.availability
        assert len(set(s.needs)) == len(s.needs)
        assert w.waiting_since == s.completed_at
    for v in people.volunteers:
        assert v.field in fields and set(v.help_families) <= families
        assert v.capacity in catalog.CAPACITIES and v.skills and v.languages
        assert catalog.field(v.field).family not in v.help_families


def test_the_population_looks_like_the_programme() -> None:
    people = generate(20_000, 5_000, 2)
    students, volunteers = [w.profile for w in people.students], people.volunteers
    where = Counter(s.department for s in students)
    assert where.most_common(1)[0][0] == "75"  # Paris first
    assert {"69", "13", "59", "31", "33", "44"} <= {d for d, _ in where.most_common(12)}
    assert sum(where[d] for d in ("971", "972", "973", "974", "976")) > 100  # overseas
    english_only = sum(s.languages == ["en"] for s in students) / len(students)
    assert 0.08 < english_only < 0.12
    capacities = Counter(v.capacity for v in volunteers)
    assert capacities[1] > capacities[2] > capacities[3] > 0
    waited = sorted(w.waiting_since for w in people.students)
    assert (waited[-1] - waited[0]).days >= 50  # spread over weeks
    assert 0.55 < sum(v.remote for v in volunteers) / len(volunteers) < 0.75
    assert people.available()[0] == (volunteers[0], volunteers[0].capacity)
