"""Journeys 1 and 2: a student and a volunteer sign up, in French and in English."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from handlers.callbacks import SummaryAction
from mentoring.model import PRIVACY_NOTICE_VERSION
from storage.tables import ConsentRow, StudentProfileRow, UserRow, VolunteerProfileRow
from tests.e2e.journeys import (
    CONFIRM,
    EDIT,
    done,
    edit_field,
    pick,
    start_as,
    student_answers,
    toggle,
    volunteer_answers,
)


async def rows(binome, table):
    async with binome.runtime.sessions() as session:
        return (await session.scalars(select(table))).all()


@pytest.mark.parametrize("language", ["fr", "en"])
async def test_a_student_signs_up_from_a_deep_link(binome, client, language) -> None:
    user = await client.create_user(first_name="Léa", language_code=language)
    await start_as(user, "student", source="lycee-jaures")
    assert binome.t("What is your first name?", language) in await user.last_text()
    await student_answers(user)
    summary = await user.last_text()
    assert binome.t("Is everything right?", language) in summary
    assert "Rhône (69), Auvergne-Rhône-Alpes" in summary
    assert binome.t("Law", language) in summary
    await user.press(CONFIRM)
    thanks, waiting = [m["text"] for m in (await user.bot_messages())[-2:]]
    assert "Léa" in thanks
    assert waiting == binome.t("For now, no volunteer who fits your profile is free. You are "
                               "on our waiting list, and we will write to you here as soon as "
                               "a mentor is available.", language)

    [account] = await rows(binome, UserRow)
    assert (account.id, account.source, account.language, account.role) == (
        user.id, "lycee-jaures", language, "student")
    [consent] = await rows(binome, ConsentRow)
    assert consent.notice_version == PRIVACY_NOTICE_VERSION
    [profile] = await rows(binome, StudentProfileRow)
    assert (profile.first_name, profile.field, profile.level, profile.department,
            profile.postal_code) == ("Léa", "law", "licence_2", "69", "69003")
    assert profile.needs == ["exams", "cv"]
    assert profile.languages == [language]  # the user's own language is ticked for them
    assert profile.availability == ["weekday_evening"]


async def test_french_users_read_french(binome, client) -> None:
    user = await client.create_user(first_name="Léa", language_code="fr")
    await user.send("/start")
    texts = [m["text"] for m in await user.bot_messages()]
    assert any(text.startswith("Salut Léa") for text in texts), texts


@pytest.mark.parametrize("language", ["fr", "en"])
async def test_a_volunteer_signs_up(binome, client, language) -> None:
    user = await client.create_user(first_name="Marc", language_code=language)
    await start_as(user, "volunteer")
    await volunteer_answers(user, language=language)
    summary = await user.last_text()
    assert binome.t("Is everything right?", language) in summary
    await user.press(CONFIRM)
    [profile] = await rows(binome, VolunteerProfileRow)
    assert (profile.profession, profile.sector, profile.field, profile.department,
            profile.remote, profile.capacity) == ("Avocat d'affaires", "law", "law", "75",
                                                  True, 2)
    assert profile.help_families == ["law_politics", "business"]
    assert profile.skills == ["oral", "cv"]  # in the catalogue's order
    assert profile.languages == ["fr", "en"]
    [account] = await rows(binome, UserRow)
    assert account.role == "volunteer"


async def test_any_field_can_be_edited_from_the_summary(binome, client) -> None:
    user = await client.create_user(first_name="Léa", language_code="en")
    await start_as(user, "student")
    await student_answers(user)
    await user.press(EDIT)
    await user.press(edit_field("place"))
    await user.send("2B")
    summary = await user.last_text()
    assert "Haute-Corse (2B), Corse" in summary
    assert "Is everything right?" in summary  # back at the summary, not at the next step
    await user.press(EDIT)
    await user.press(edit_field("needs"))
    await user.press(toggle("needs", "cv"))  # cv was ticked: untick it
    await user.press(done("needs"))
    await user.press(CONFIRM)
    [profile] = await rows(binome, StudentProfileRow)
    assert (profile.department, profile.needs) == ("2B", ["exams"])


async def test_profile_shows_and_edits_a_saved_profile(binome, client) -> None:
    user = await client.create_user(first_name="Léa", language_code="en")
    await start_as(user, "student")
    await student_answers(user)
    await user.press(CONFIRM)
    await user.send("/profile")
    assert "Here is your profile:" in await user.last_text()
    await user.press(SummaryAction(mode="profile", action="edit").pack())
    await user.press(edit_field("level", mode="profile"))
    await user.press(pick("level", "master_1"))
    assert "Saved." in await user.last_text()
    [profile] = await rows(binome, StudentProfileRow)
    assert profile.level == "master_1"


async def test_start_again_after_signing_up_does_not_restart_the_form(binome, client) -> None:
    user = await client.create_user(first_name="Léa", language_code="en")
    await start_as(user, "student")
    await student_answers(user)
    await user.press(CONFIRM)
    await user.send("/start")
    assert "You are already signed up" in await user.last_text()
