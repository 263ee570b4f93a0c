"""Journey 7: a report alerts staff at once and staff close it; ending a pair asks for
feedback, frees the volunteer and offers the student a new mentor."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from handlers.callbacks import NewMatch, Rating
from mentoring.errors import Stale
from storage.tables import FeedbackRow, PairRow, ReportRow
from tests.e2e.test_matching import sign_up_student, sign_up_volunteer


async def paired(binome, client):
    marc = await client.create_user(first_name="Marc", language_code="en")
    await sign_up_volunteer(marc)
    lea = await client.create_user(first_name="Léa", language_code="en")
    await sign_up_student(lea)
    await binome.drain()
    await marc.press("✅ Accept")
    await binome.drain()
    return lea, marc


async def test_ending_asks_feedback_and_offers_a_new_mentor(binome, client) -> None:
    lea, marc = await paired(binome, client)
    await marc.send("/end")
    await marc.press("Yes, end it")
    assert "How was it" in await marc.last_text()
    async with binome.runtime.sessions() as session:
        pair = (await session.scalars(select(PairRow))).one()
    assert (pair.status, pair.ended_by) == ("ended", marc.id)
    await marc.press(Rating(pair=pair.id, value=4).pack())
    await marc.send("Très bonne expérience, merci !")
    await binome.drain()
    assert "Would you like a new mentor?" in await lea.last_text()
    await lea.press(NewMatch(answer="yes").pack())
    assert "waiting list" in await lea.last_text()  # Marc was already paired with her
    async with binome.runtime.sessions() as session:
        feedback = (await session.scalars(select(FeedbackRow))).one()
    assert (feedback.rating, feedback.comment) == (4, "Très bonne expérience, merci !")
    status = await binome.runtime.matchmaker.status(lea.id)
    assert status.pair is None and status.waiting_since is not None
    # Ratings can't be forged for a pair one was not in.
    stranger = await client.create_user(first_name="Zoé", language_code="en")
    await stranger.send("/start")
    with pytest.raises(Stale):
        await binome.runtime.care.feedback(pair.id, stranger.id, 5)


async def test_a_report_alerts_staff_who_close_it(make_binome, client) -> None:
    staff = await client.create_user(first_name="Sam", language_code="en")
    running = make_binome(staff_ids=frozenset({staff.id}))
    await running.start()
    try:
        await staff.send("/start")  # staff, too, must have started the bot to hear from it
        lea, _marc = await paired(running, client)
        await lea.send("/report")
        await lea.send("Mon mentor ne répond plus et a été désagréable.")
        assert "staff have been alerted" in await lea.last_text()
        await running.drain()
        alert = await staff.last_text()
        assert alert.startswith("⚠️ New report #1") and "désagréable" in alert
        report = (await running.runtime.care.open_reports())[0]
        assert await running.runtime.care.is_frozen(report[1])
        await lea.send("/reports")
        assert await lea.last_text() == "This command is for the programme staff."
        await staff.send("/reports")
        answer = await staff.press("Close this report")
        assert answer["answer"]["text"] == "Report closed: the pair's reminders start again."
        assert not await running.runtime.care.is_frozen(report[1])
        async with running.runtime.sessions() as session:
            assert (await session.scalars(select(ReportRow))).one().closed_at is not None
    finally:
        await running.stop()
