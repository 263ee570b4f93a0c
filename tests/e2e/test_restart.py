"""A sign-up interrupted by a restart goes on where it stopped."""

from __future__ import annotations

import pytest

from tests.e2e.journeys import CONFIRM, act, start_as, student_script


async def interrupted_signup(binome, client, language: str) -> None:
    user = await client.create_user(first_name="Léa", language_code=language)
    await start_as(user, "student", source="forum")
    script = student_script()
    for _step, actions in script[:6]:  # up to the needs, half ticked
        await act(user, actions)
    await binome.restart()
    await user.send("/start")
    texts = [m["text"] for m in (await user.bot_messages())[-2:]]
    assert binome.t("Welcome back! Let's pick up where you stopped.", language) in texts[0]
    assert binome.t("Which languages can you talk in? Tap all that apply, then “Done”.",
                    language) in texts[1]
    for _step, actions in script[6:]:
        await act(user, actions)
    await user.press(CONFIRM)
    profile = await binome.runtime.signup.profile(user.id)
    assert profile is not None
    assert (profile.first_name, profile.field, profile.department, profile.needs) == (
        "Léa", "law", "69", ["exams", "cv"])
    assert (await binome.runtime.signup.user(user.id)).source == "forum"


async def test_resumes_after_a_restart_with_state_in_the_database(binome, client) -> None:
    await interrupted_signup(binome, client, "fr")


async def test_an_answer_after_a_restart_is_taken_as_is(binome, client) -> None:
    user = await client.create_user(first_name="Léa", language_code="en")
    await start_as(user, "student")
    await user.send("Léa")
    await user.send("2004")
    await binome.restart()
    await user.send("informatique")  # no /start needed: the step was remembered
    assert "Here is what I found" in await user.last_text()


@pytest.fixture
async def redis_binome(make_binome, redis_url):
    running = make_binome(redis_url=redis_url)
    await running.start()
    yield running
    await running.stop()


async def test_resumes_after_a_restart_with_state_in_redis(redis_binome, client) -> None:
    await interrupted_signup(redis_binome, client, "en")
