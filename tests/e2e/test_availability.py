"""Volunteers pause for a while or until a date; the pause ends by itself and is announced."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from handlers.callbacks import PauseChoice
from tests.e2e.test_matching import sign_up_student, sign_up_volunteer


async def test_pause_holds_proposals_until_it_ends(binome, client) -> None:
    marc = await client.create_user(first_name="Marc", language_code="en")
    await sign_up_volunteer(marc)
    await marc.send("/pause")
    await marc.press(PauseChoice(length="date").pack())
    await marc.send("31/02/2027")
    assert await marc.last_text() == "I didn't understand this date: write it like 15/01/2027."
    await marc.send("01/01/2020")
    assert await marc.last_text() == "Choose a date after today and within a year."
    day = (datetime.now(UTC) + timedelta(days=10)).date()
    await marc.send(day.strftime("%d/%m/%Y"))
    assert "Your pause runs until" in await marc.last_text()

    lea = await client.create_user(first_name="Léa", language_code="en")
    await sign_up_student(lea)
    assert "waiting list" in await lea.last_text()  # Marc fits but is on a break

    later = datetime.now(UTC) + timedelta(days=11)
    await binome.tick(later)
    await binome.drain(later)
    texts = [m["text"] for m in await marc.bot_messages()]
    assert any("Your pause is over" in text for text in texts)
    assert "A student would like you as a mentor" in texts[-1]


async def test_available_ends_a_pause_at_once_and_students_cannot_pause(binome, client) -> None:
    marc = await client.create_user(first_name="Marc", language_code="en")
    await sign_up_volunteer(marc)
    await marc.send("/pause")
    await marc.press(PauseChoice(length="1m").pack())
    lea = await client.create_user(first_name="Léa", language_code="en")
    await sign_up_student(lea)
    await marc.send("/available")
    assert await marc.last_text() == ("Welcome back! You can be proposed students again from "
                                      "now on.")
    await binome.drain()
    assert "A student would like you as a mentor" in await marc.last_text()
    await lea.send("/pause")
    assert "Only volunteers can pause" in await lea.last_text()


async def test_monthly_question_and_silence_pauses(binome, client) -> None:
    from handlers.callbacks import AvailabilityReply

    marc = await client.create_user(first_name="Marc", language_code="en")
    await sign_up_volunteer(marc)
    nina = await client.create_user(first_name="Nina", language_code="en")
    await sign_up_volunteer(nina, place=[("send", "38000")])
    month = datetime.now(UTC) + timedelta(days=31)
    binome.clock.at = month
    await binome.tick(month)
    await binome.drain(month)
    for volunteer in (marc, nina):
        assert await volunteer.last_text() == ("Hello! Can you take a new student now? One "
                                               "tap is enough.")
    await marc.press(AvailabilityReply(answer="capacity").pack())
    answer = await marc.press(AvailabilityReply(answer="set", value=3).pack())
    assert "as soon as one fits" in answer["answer"]["text"]
    week = month + timedelta(days=8)
    binome.clock.at = week
    await binome.tick(week)
    await binome.drain(week)
    assert "we won't propose you any student for now" in await nina.last_text()
    assert "we won't propose" not in await marc.last_text()
    volunteer = await binome.runtime.signup.profile(marc.id)
    assert volunteer.capacity == 3
    lea = await client.create_user(first_name="Léa", language_code="en")
    await sign_up_student(lea)
    await binome.drain(week)
    assert "A student would like you" in await marc.last_text()  # Nina is paused
    assert "A student would like you" not in await nina.last_text()
