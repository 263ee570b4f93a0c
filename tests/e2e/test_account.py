"""Commands that work at any moment: /mydata, /delete, /language, /cancel, /help, /privacy."""

from __future__ import annotations

import json

from handlers.callbacks import ConsentAnswer, EraseAnswer, LanguageChoice
from mentoring.model import PRIVACY_NOTICE_VERSION
from tests.e2e.journeys import CONFIRM, act, start_as, student_answers, student_script


async def test_mydata_sends_everything_held_as_a_file(binome, client) -> None:
    user = await client.create_user(first_name="Léa", language_code="en")
    await start_as(user, "student", source="cio-lyon")
    await student_answers(user)
    await user.press(CONFIRM)
    await user.send("/mydata")
    message = await user.last_bot_message()
    assert message["caption"] == "Here is everything we hold about you."
    assert message["document"]["file_name"] == "binome-my-data.json"
    data = json.loads(await user.download(message["document"]["file_id"]))
    tables = data["tables"]
    assert tables["users"][0]["id"] == user.id and tables["users"][0]["source"] == "cio-lyon"
    assert tables["consents"][0]["notice_version"] == PRIVACY_NOTICE_VERSION
    assert tables["student_profiles"][0]["goals"].startswith("Réussir mes partiels")
    assert data["sign_up_in_progress"] is None


async def test_mydata_includes_a_sign_up_in_progress(binome, client) -> None:
    user = await client.create_user(first_name="Léa", language_code="fr")
    await start_as(user, "student")
    await act(user, student_script()[0][1])
    await user.send("/mydata")
    message = await user.last_bot_message()
    data = json.loads(await user.download(message["document"]["file_id"]))
    assert data["sign_up_in_progress"]["answers"] == {"first_name": "Léa"}


async def test_delete_erases_after_confirmation_and_keeps_an_anonymous_count(
        binome, client) -> None:
    from sqlalchemy import select

    from storage.tables import ConsentRow, ErasureCountRow, StudentProfileRow, UserRow

    user = await client.create_user(first_name="Léa", language_code="en")
    await start_as(user, "student")
    await student_answers(user)
    await user.press(CONFIRM)
    await user.send("/delete")
    await user.press(EraseAnswer(answer="no").pack())
    assert await binome.runtime.signup.profile(user.id) is not None
    await user.send("/delete")
    await user.press(EraseAnswer(answer="yes").pack())
    assert "your data has been erased" in await user.last_text()
    async with binome.runtime.sessions() as session:
        for table in (UserRow, StudentProfileRow, ConsentRow):
            assert (await session.scalars(select(table))).all() == []
        [count] = (await session.scalars(select(ErasureCountRow))).all()
    assert (count.role, count.count) == ("student", 1)
    await user.send("/mydata")
    assert await user.last_text() == "We hold no data about you."
    await user.send("/start")  # a fresh start, as a new user
    assert await user.last_text() == "Who are you?"


async def test_delete_in_the_middle_of_sign_up_forgets_the_draft(binome, client) -> None:
    user = await client.create_user(first_name="Léa", language_code="en")
    await start_as(user, "student")
    await act(user, student_script()[0][1])
    await user.send("/delete")
    await user.press(EraseAnswer(answer="yes").pack())
    await user.send("/start")
    assert await user.last_text() == "Who are you?"


async def test_language_switches_and_the_question_is_asked_again(binome, client) -> None:
    user = await client.create_user(first_name="Léa", language_code="fr")
    await start_as(user, "student")
    await user.send("/language")
    await user.press(LanguageChoice(code="en").pack())
    texts = [m["text"] for m in (await user.bot_messages())[-2:]]
    assert texts == ["Done: I will talk to you in English from now on.",
                     "What is your first name?"]
    await user.send("/help")
    assert "/mydata" in await user.last_text()


async def test_cancel_pauses_and_start_resumes(binome, client) -> None:
    user = await client.create_user(first_name="Léa", language_code="en")
    await start_as(user, "student")
    await act(user, student_script()[0][1])
    await user.send("/cancel")
    assert "Sign-up paused" in await user.last_text()
    await user.send("hello?")
    await user.send("/start")
    assert await user.last_text() == ("In which year were you born? Tap it below, or type it "
                                      "(for example 2008).")


async def test_consent_can_be_read_refused_then_given(binome, client) -> None:
    user = await client.create_user(first_name="Léa", language_code="en")
    await user.send("/start")
    await user.press("🎓 I am a student")
    await user.press(ConsentAnswer(answer="read").pack())
    notice = (await user.bot_messages())[-2]["text"]
    assert f"Privacy notice (version {PRIVACY_NOTICE_VERSION})" in notice
    await user.press(ConsentAnswer(answer="no").pack())
    assert "Without your agreement" in await user.last_text()
    assert not await binome.runtime.signup.has_current_consent(user.id)
    await user.press(ConsentAnswer(answer="yes").pack())
    assert await binome.runtime.signup.has_current_consent(user.id)
    assert await user.last_text() == "What is your first name?"


async def test_blocking_the_bot_is_recorded(binome, client) -> None:
    user = await client.create_user(first_name="Léa", language_code="en")
    await user.send("/start")
    await user.block()
    assert (await binome.runtime.signup.user(user.id)).blocked
    await user.unblock()
    assert not (await binome.runtime.signup.user(user.id)).blocked
