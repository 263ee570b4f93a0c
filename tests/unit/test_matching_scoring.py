"""The score of a (student, volunteer) pair: components, reasons and hard constraints."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mentoring import catalog
from mentoring.matching.scoring import Reason, Weights, eligible, family_of, region_of, score
from mentoring.model import StudentProfile, VolunteerProfile

NOW = datetime(2026, 9, 14, tzinfo=UTC)


def student(**changes: object) -> StudentProfile:
    """A law student in Lyon (Rhône, 69) who needs a CV review and interview practice."""
    base = StudentProfile(
        user_id=1, first_name="Léa", field="law", level="licence_3", department="69",
        postal_code="69003", needs=["cv", "oral"], languages=["fr"],
        availability=["weekday_evening", "saturday", "sunday"],
        goals="Trouver un stage en droit", completed_at=NOW)
    return replace(base, **changes)  # type: ignore[arg-type]


def volunteer(**changes: object) -> VolunteerProfile:
    """A lawyer in Lyon who helps with CVs and cover letters on weekday evenings."""
    base = VolunteerProfile(
        user_id=101, first_name="Marc", profession="Avocat", sector="law", field="law",
        help_families=[], department="69", postal_code="69001", remote=False,
        skills=["cv", "cover_letter"], languages=["fr", "en"], capacity=2,
        availability=["weekday_evening"], bio="Avocat depuis quinze ans.", completed_at=NOW)
    return replace(base, **changes)  # type: ignore[arg-type]


def reasons(result: object) -> dict[str, tuple[str, ...]]:
    assert result is not None
    return {r.code: r.details for r in result.reasons}  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- weights


def test_default_weights() -> None:
    w = Weights()
    assert (w.field, w.place, w.needs, w.availability) == (0.35, 0.25, 0.30, 0.10)
    assert (w.same_family, w.same_region, w.remote) == (0.6, 0.6, 0.3)


@pytest.mark.parametrize("changes", [
    {"field": -0.1, "place": 0.7},
    {"field": 0.5},
    {"same_family": 1.5},
    {"remote": -0.3},
    {"needs": math.nan},
])
def test_invalid_weights_are_refused(changes: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        Weights(**changes)


def test_weights_from_rescaled_settings_are_accepted() -> None:
    total = 0.35 + 0.25 + 0.30 + 0.10 + 0.2
    Weights(field=0.55 / total, place=0.25 / total, needs=0.3 / total, availability=0.1 / total)


# ------------------------------------------------------------------------ components


def test_a_full_example_adds_up_and_explains_itself() -> None:
    result = score(student(), volunteer())
    assert result is not None
    # same field 0.35 + same department 0.25 + half the needs 0.15 + a third of the slots
    assert result.value == pytest.approx(0.35 + 0.25 + 0.15 + 0.1 / 3, abs=1e-12)
    assert result.reasons == (
        Reason("same_field", ("law",)), Reason("same_department", ("69",)),
        Reason("covers_needs", ("cv",)), Reason("shared_availability", ("weekday_evening",)),
    )


def test_same_family_through_the_volunteers_own_field() -> None:
    result = score(student(), volunteer(field="political_sci"))
    assert reasons(result)["same_family"] == ("law_politics",)
    assert "same_field" not in reasons(result)
    assert result is not None
    assert result.value == pytest.approx(0.35 * 0.6 + 0.25 + 0.15 + 0.1 / 3)


def test_same_family_through_the_families_a_volunteer_helps_with() -> None:
    helper = volunteer(field="computer_sci", help_families=["law_politics"])
    assert reasons(score(student(), helper))["same_family"] == ("law_politics",)


def test_no_field_reason_when_fields_are_unrelated() -> None:
    result = score(student(), volunteer(field="computer_sci"))
    assert not {"same_field", "same_family"} & set(reasons(result))
    assert result is not None
    assert result.value == pytest.approx(0.25 + 0.15 + 0.1 / 3)


def test_same_region_counts_less_than_same_department() -> None:
    nearby = score(student(), volunteer(department="38"))  # Isère, Auvergne-Rhône-Alpes
    assert reasons(nearby)["same_region"] == ("84",)
    assert nearby is not None
    assert nearby.value == pytest.approx(0.35 + 0.25 * 0.6 + 0.15 + 0.1 / 3)


def test_remote_mentoring_from_elsewhere() -> None:
    far = score(student(), volunteer(department="29", remote=True))  # Finistère
    assert reasons(far)["remote"] == ()
    assert far is not None
    assert far.value == pytest.approx(0.35 + 0.25 * 0.3 + 0.15 + 0.1 / 3)


def test_remote_volunteers_nearby_still_count_as_nearby() -> None:
    assert "same_department" in reasons(score(student(), volunteer(remote=True)))


def test_needs_and_slots_are_shares_of_what_the_student_asked() -> None:
    s = student(needs=["cv", "oral", "cv"], availability=["saturday"])
    v = volunteer(skills=["oral", "cv", "exams"], availability=["saturday", "sunday"])
    result = score(s, v)
    assert reasons(result)["covers_needs"] == ("cv", "oral")  # the student's order, once
    assert reasons(result)["shared_availability"] == ("saturday",)
    assert result is not None
    assert result.value == pytest.approx(1.0)


def test_nothing_in_common_but_the_constraints() -> None:
    s = student(needs=["homework"], availability=["weekday_morning"])
    v = volunteer(field="music", department="2A", remote=True)
    result = score(s, v)
    assert result is not None
    assert result.reasons == (Reason("remote"),)
    assert result.value == pytest.approx(0.25 * 0.3)


def test_a_student_without_needs_or_slots_gets_zero_for_them() -> None:
    result = score(student(needs=[], availability=[]), volunteer())
    assert result is not None
    assert result.value == pytest.approx(0.35 + 0.25)


def test_custom_weights() -> None:
    only_place = Weights(field=0.0, place=1.0, needs=0.0, availability=0.0, same_region=0.5)
    result = score(student(), volunteer(department="38"), only_place)
    assert result is not None
    assert result.value == pytest.approx(0.5)


# ------------------------------------------------------------------- hard constraints


def test_a_shared_language_is_required() -> None:
    assert score(student(languages=["en"]), volunteer(languages=["fr"])) is None
    assert score(student(languages=["en", "ar"]), volunteer(languages=["ar"])) is not None


def test_a_volunteer_who_does_not_mentor_remotely_stays_in_the_region() -> None:
    assert score(student(), volunteer(department="13")) is None  # Marseille
    assert score(student(), volunteer(department="13", remote=True)) is not None
    assert score(student(), volunteer(department="01")) is not None  # Ain, same region


def test_unknown_codes_only_match_themselves() -> None:
    assert region_of("99") != region_of("98")
    assert family_of("alchemy") is None
    s, v = student(department="99", field="alchemy"), volunteer(department="99", field="alchemy")
    assert eligible(s, v)
    assert reasons(score(s, v)) == {"same_field": ("alchemy",), "same_department": ("99",),
                                    "covers_needs": ("cv",),
                                    "shared_availability": ("weekday_evening",)}
    assert not eligible(s, volunteer(department="98"))


# ------------------------------------------------------------------------- properties

FIELDS = catalog.codes(catalog.FIELDS)
DEPARTMENTS = ("75", "92", "69", "38", "13", "29", "974", "2A")


def subsets(options: tuple[str, ...]) -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(options), max_size=4)


students = st.builds(
    student, field=st.sampled_from(FIELDS), department=st.sampled_from(DEPARTMENTS),
    needs=subsets(catalog.codes(catalog.NEEDS)),
    languages=st.lists(st.sampled_from(("fr", "en", "ar")), min_size=1, max_size=2),
    availability=subsets(catalog.codes(catalog.AVAILABILITY)))
volunteers = st.builds(
    volunteer, field=st.sampled_from(FIELDS), department=st.sampled_from(DEPARTMENTS),
    help_families=subsets(catalog.codes(catalog.FAMILIES)), remote=st.booleans(),
    skills=subsets(catalog.codes(catalog.NEEDS)),
    languages=st.lists(st.sampled_from(("fr", "en", "ar")), min_size=1, max_size=2),
    availability=subsets(catalog.codes(catalog.AVAILABILITY)))


@settings(max_examples=300, deadline=None)
@given(students, volunteers)
def test_scores_stay_in_range_with_known_reasons(s: StudentProfile, v: VolunteerProfile) -> None:
    result = score(s, v)
    assert (result is None) == (not eligible(s, v))
    if result is not None:
        assert 0.0 <= result.value <= 1.0 + 1e-12
        codes = [r.code for r in result.reasons]
        assert len(codes) == len(set(codes))
        assert set(codes) <= {"same_field", "same_family", "same_department", "same_region",
                              "remote", "covers_needs", "shared_availability"}
        assert sum(c in codes for c in ("same_department", "same_region", "remote")) == 1
