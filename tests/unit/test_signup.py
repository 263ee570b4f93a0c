"""Sign-up rules and use cases, with in-memory fakes: no Telegram, no database."""

from __future__ import annotations

import pytest

from mentoring.errors import InvalidAnswer, SignupIncomplete, UnknownUser
from mentoring.form import (
    FIRST_NAME,
    GOALS,
    LANGUAGES,
    LEVEL,
    PLACE,
    Draft,
    check_choice,
    check_choices,
    check_place,
    check_text,
    steps_for,
)
from mentoring.model import PRIVACY_NOTICE_VERSION, Role, StudentProfile
from mentoring.signup import language_from_telegram


def complete_student_draft() -> Draft:
    draft = Draft(Role.STUDENT)
    draft.answers.update(first_name="Léa", field="law", level=LEVEL.options[0].code,
                         needs=["cv"], languages=["fr"], availability=["saturday"],
                         goals="Trouver un stage en droit des affaires", birth_year=2005)
    draft.set_place(check_place(PLACE, "69003"))
    return draft


@pytest.mark.parametrize(("raw", "reason"), [
    ("", "empty"), ("   ", "empty"), ("😀😀", "no_letters"), ("1234", "no_letters"),
    ("x" * 41, "too_long"), ("Léa<script>", "bad_characters"), ("Léa 2", "bad_characters"),
])
def test_first_name_mistakes_are_named(raw: str, reason: str) -> None:
    with pytest.raises(InvalidAnswer) as caught:
        check_text(FIRST_NAME, raw)
    assert caught.value.reason == reason


@pytest.mark.parametrize("raw", ["Léa", "Jean-Baptiste", "N’Golo", "Anne Marie", "Zoé  "])
def test_first_names_with_accents_hyphens_and_apostrophes_are_kept(raw: str) -> None:
    assert check_text(FIRST_NAME, raw) == " ".join(raw.split())


def test_goals_need_a_few_words_and_not_a_novel() -> None:
    with pytest.raises(InvalidAnswer, match="too_short"):
        check_text(GOALS, "stage")
    with pytest.raises(InvalidAnswer, match="too_long"):
        check_text(GOALS, "mot " * 300)
    assert check_text(GOALS, "  Réussir   ma licence  ") == "Réussir ma licence"


def test_choices_keep_catalogue_order_and_refuse_unknown_or_empty() -> None:
    assert check_choices(LANGUAGES, ["en", "fr"]) == ["fr", "en"]
    with pytest.raises(InvalidAnswer, match="none_chosen"):
        check_choices(LANGUAGES, [])
    with pytest.raises(InvalidAnswer, match="unknown_option"):
        check_choices(LANGUAGES, ["klingon"])
    with pytest.raises(InvalidAnswer, match="unknown_option"):
        check_choice(LEVEL, "phd_in_chess")


def test_draft_walks_the_steps_in_order_and_builds_a_profile(clock) -> None:
    draft = Draft(Role.STUDENT)
    assert draft.next_step() is FIRST_NAME
    draft.answers["first_name"] = "Léa"
    assert draft.next_step() == steps_for(Role.STUDENT)[1]
    with pytest.raises(SignupIncomplete):
        draft.to_student(1, clock())
    full = complete_student_draft()
    assert full.next_step() is None
    profile = full.to_student(1, clock())
    assert (profile.department, profile.postal_code) == ("69", "69003")
    assert Draft.from_dict(full.to_dict()) == full
    assert Draft.from_profile(profile).answers == full.answers


def test_telegram_language_picks_the_first_catalogue() -> None:
    assert language_from_telegram("en-GB", "fr") == "en"
    assert language_from_telegram("fr", "fr") == "fr"
    assert language_from_telegram("de", "fr") == "fr"
    assert language_from_telegram(None, "en") == "en"


async def test_greet_records_the_first_source_only_and_the_telegram_language(signup, db) -> None:
    user, new = await signup.greet(1, telegram_name="Léa B", username=None,
                                   language_code="en-US", source="salon-etudiant")
    assert new and user.language == "en" and user.source == "salon-etudiant"
    again, new = await signup.greet(1, telegram_name="Léa B", username="lea",
                                    language_code="fr", source="flyer")
    assert not new
    assert (again.source, again.language, again.username) == ("salon-etudiant", "en", "lea")
    assert db.users[1].username == "lea"


async def test_consent_names_the_notice_version_and_date(signup, db, clock) -> None:
    await signup.greet(2, telegram_name="A", username=None, language_code=None, source=None)
    assert not await signup.has_current_consent(2)
    consent = await signup.consent(2)
    assert (consent.notice_version, consent.accepted_at) == (PRIVACY_NOTICE_VERSION, clock())
    assert await signup.has_current_consent(2)


async def test_saving_a_profile_sets_the_role_and_keeps_the_first_completion_date(
        signup, db, clock) -> None:
    await signup.greet(3, telegram_name="A", username=None, language_code=None, source=None)
    draft = complete_student_draft()
    first = await signup.save(3, draft)
    clock.advance(days=3)
    draft.answers["goals"] = "Préparer mon grand oral de droit"
    edited = await signup.save(3, draft)
    assert isinstance(edited, StudentProfile)
    assert edited.completed_at == first.completed_at
    assert db.students[3].goals == "Préparer mon grand oral de droit"
    assert db.users[3].role is Role.STUDENT


async def test_an_incomplete_draft_is_never_saved(signup, db) -> None:
    await signup.greet(4, telegram_name="A", username=None, language_code=None, source=None)
    draft = complete_student_draft()
    del draft.answers["goals"]
    with pytest.raises(SignupIncomplete) as caught:
        await signup.save(4, draft)
    assert caught.value.missing == ["goals"]
    assert 4 not in db.students


async def test_personal_data_holds_everything_and_erase_leaves_only_a_count(
        signup, db, clock) -> None:
    await signup.greet(5, telegram_name="Léa B", username="lea", language_code="fr",
                       source="cio")
    await signup.consent(5)
    await signup.save(5, complete_student_draft())
    data = await signup.personal_data(5, None)
    assert data["user_id"] == 5
    assert data["tables"]["users"][0]["source"] == "cio"
    assert data["tables"]["student_profiles"][0]["first_name"] == "Léa"
    assert data["tables"]["consents"][0]["notice_version"] == PRIVACY_NOTICE_VERSION
    assert await signup.erase(5) is True
    assert 5 not in db.users and 5 not in db.students and db.consents == []
    assert db.erasures == {(clock().date().isoformat(), "student"): 1}
    assert await signup.erase(5) is False
    with pytest.raises(UnknownUser):
        await signup.personal_data(5, None)


async def test_blocking_is_remembered_and_a_new_start_clears_it(signup, db) -> None:
    await signup.greet(6, telegram_name="A", username=None, language_code=None, source=None)
    await signup.set_blocked(6, True)
    assert db.users[6].blocked
    # Their open proposals move on at once, and matching's search pools hear of it.
    assert (db.hurried, db.touched) == ([6], [6])
    await signup.set_blocked(99, True)  # unknown users are ignored
    await signup.greet(6, telegram_name="A", username=None, language_code=None, source=None)
    assert not db.users[6].blocked
    assert (db.hurried, db.touched) == ([6], [6, 6])
