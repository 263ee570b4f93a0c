"""Broadcasts from the staff chat: composing, audience, preview, progress, cancelling."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from mentoring.broadcast import Audience
from storage.tables import AuditRow, OutboxRow
from tests.e2e.conftest import staffed
from tests.e2e.test_matching import sign_up_student, sign_up_volunteer


async def test_staff_announces_to_volunteers_of_one_region(make_binome, client) -> None:
    morning = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)  # 10:00 in Paris, outside quiet hours
    async with staffed(make_binome, client, at=morning) as (running, boss):
        paris = [await client.create_user(first_name=name, language_code="en")
                 for name in ("Marc", "Nina")]
        for volunteer in paris:
            await sign_up_volunteer(volunteer, place=[("send", "75011")])
        lyon = await client.create_user(first_name="Paul", language_code="en")
        await sign_up_volunteer(lyon, place=[("send", "69001")])
        lea = await client.create_user(first_name="Léa", language_code="en")
        await sign_up_student(lea)
        await running.drain()
        await lea.send("/broadcast")
        assert await lea.last_text() == "This command is for the programme staff."
        before = {u.id: len(await u.bot_messages()) for u in (*paris, lyon, lea)}

        await boss.send("/broadcast")
        assert "New announcement" in await boss.last_text()
        await boss.photo()
        assert await boss.last_text() == "Send the announcement as a text message."
        await boss.send("Meet-up <b>Thursday</b> <i>18:00")
        assert await boss.last_text() == ("<i> is opened but never closed: add its closing "
                                          "tag.")
        await boss.send("Meet-up <b>Thursday</b> at 18:00, Q&A after.")
        builder = await boss.last_text()
        assert "Everyone · all regions · all fields" in builder
        assert "4 recipients" in builder
        await boss.press("Volunteers")
        assert "3 recipients" in await boss.last_text()
        await boss.press("🗺 Regions: all")
        await boss.press("Île-de-France")
        assert "2 recipients" in await boss.last_text()
        await boss.press("◂ Done")
        await boss.press("Volunteers with room")
        assert "Volunteers · Île-de-France · all fields · Volunteers with room" in \
            await boss.last_text()
        await boss.press("Preview ▸")
        preview = (await boss.bot_messages())[-2]
        assert preview["text"] == "Meet-up Thursday at 18:00, Q&A after."
        assert await boss.last_text() == "Send it to 2 people now, or at a time you choose?"
        await boss.press("Send now")
        assert await boss.last_text() == "Send this announcement to 2 people now?"
        await boss.press("✅ Confirm")
        assert await boss.last_text() == ("Broadcast #1 is going out to 2 people. Its progress "
                                          "shows below.")

        await running.progress()  # the progress message appears before anything is sent
        progress = await boss.last_bot_message()
        assert progress["text"].startswith("📣 Broadcast #1 is going out\nSent: 0 of 2")
        assert await running.drain() == 2
        await running.progress()
        report = await boss.last_bot_message()
        assert report["message_id"] == progress["message_id"]  # edited in place
        assert report["text"].splitlines()[0].startswith("📣 Broadcast #1 finished in")
        assert "Delivered: 2\nBlocked the bot: 0\nFailed: 0" in report["text"]
        for volunteer in paris:
            messages = await volunteer.bot_messages()
            assert len(messages) == before[volunteer.id] + 1
            assert messages[-1]["text"] == "Meet-up Thursday at 18:00, Q&A after."
            assert {"type": "bold", "offset": 8, "length": 8} in messages[-1]["entities"]
        for other in (lyon, lea):
            assert len(await other.bot_messages()) == before[other.id]
        await running.progress()  # finished: reported once, never again
        assert (await boss.last_bot_message())["text"] == report["text"]


async def test_scheduled_broadcast_is_cancelled_and_never_sent(make_binome, client) -> None:
    thursday = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
    async with staffed(make_binome, client, "fr", at=thursday) as (running, boss):
        lea = await client.create_user(first_name="Léa", language_code="en")
        await sign_up_student(lea)
        await running.drain()
        await boss.send("/broadcast")
        await boss.send("Inscriptions ouvertes")
        await boss.press(running.t("Students", "fr"))
        await boss.press(running.t("Preview ▸", "fr"))
        await boss.press(running.t("Choose a time", "fr"))
        await boss.send("demain")
        assert await boss.last_text() == running.t(
            "I could not read this date: write it like 28/11 18:30 or 2026-11-28 18:30.", "fr")
        await boss.send("25/11/2026 18:00")
        assert await boss.last_text() == running.t(
            "This time has passed: choose a time to come, or send it now with /broadcast.",
            "fr")
        await boss.send("28/11 18:30")
        confirm = await boss.last_text()
        assert "samedi 28 novembre 18:30" in confirm
        await boss.press(running.t("✅ Confirm", "fr"))
        assert "n°1 est programmée pour samedi 28 novembre 18:30" in await boss.last_text()

        await boss.send("/broadcasts")
        listing = await boss.last_bot_message()
        assert "#1 · " + running.t("scheduled", "fr") in listing["text"]
        await boss.press("Annuler #1")
        assert "#1 · " + running.t("cancelled", "fr") in await boss.last_text()

        sent_before = len(await lea.bot_messages())
        done = await running.tick(datetime(2026, 11, 28, 18, 31, tzinfo=UTC))
        assert done["broadcasts"] == 0
        await running.drain(datetime(2026, 11, 28, 18, 31, tzinfo=UTC))
        assert len(await lea.bot_messages()) == sent_before
        async with running.runtime.sessions() as session:
            actions = [row.action for row in await session.scalars(select(AuditRow))]
            assert actions == ["broadcast", "broadcast_cancel"]


async def test_scheduled_broadcast_starts_at_its_time(make_binome, client) -> None:
    now = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
    async with staffed(make_binome, client, at=now) as (running, boss):
        lea = await client.create_user(first_name="Léa", language_code="en")
        await sign_up_student(lea)
        await running.drain()
        later = now + timedelta(hours=3)
        created = await running.runtime.broadcasts.create(
            boss.id, "Hello <b>all</b>", Audience(),
            later)
        assert created.status.value == "scheduled"
        assert (await running.tick(now + timedelta(hours=2)))["broadcasts"] == 0
        assert (await running.tick(later))["broadcasts"] == 1
        assert (await running.tick(later))["broadcasts"] == 0  # started once only
        async with running.runtime.sessions() as session:
            rows = list(await session.scalars(select(OutboxRow).where(
                OutboxRow.broadcast_id == created.id)))
        assert [(r.recipient_id, r.lane, r.status) for r in rows] == [(lea.id, 1, "pending")]
        await running.drain(later)
        assert await lea.last_text() == "Hello all"


async def test_someone_who_erases_their_data_gets_nothing_already_queued(binome,
                                                                         client) -> None:
    from handlers.callbacks import EraseAnswer

    lea = await client.create_user(first_name="Léa", language_code="en")
    zoe = await client.create_user(first_name="Zoé", language_code="en")
    for student in (lea, zoe):
        await sign_up_student(student)
    await binome.drain()
    broadcast = await binome.runtime.broadcasts.create(1, "Info <b>rentrée</b>", Audience())
    assert broadcast.recipients == 2
    await lea.send("/delete")
    await lea.press(EraseAnswer(answer="yes").pack())
    seen = len(await lea.bot_messages())
    assert await binome.drain() == 1
    assert await zoe.last_text() == "Info rentrée"
    assert len(await lea.bot_messages()) == seen
    async with binome.runtime.sessions() as session:
        assert list(await session.scalars(
            select(OutboxRow.id).where(OutboxRow.recipient_id == lea.id))) == []


async def test_staff_are_warned_before_sending_in_quiet_hours(make_binome, client) -> None:
    evening = datetime(2026, 11, 26, 21, 0, tzinfo=UTC)  # 22:00 in Paris
    async with staffed(make_binome, client, at=evening) as (_running, boss):
        lea = await client.create_user(first_name="Léa", language_code="en")
        await sign_up_student(lea)
        await boss.send("/broadcast")
        await boss.send("Reminder: meet-up tomorrow")
        await boss.press("Preview ▸")
        await boss.press("Send now")
        assert "during quiet hours" in await boss.last_text()
        await boss.press("Drop it")
        await boss.send("/broadcast")
        await boss.send("Reminder: meet-up tomorrow")
        await boss.press("Preview ▸")
        await boss.press("Choose a time")
        await boss.send("27/11 10:00")  # a weekday morning
        confirm = await boss.last_text()
        assert confirm.startswith("Send this announcement on Friday 27 November 10:00")
        assert "quiet hours" not in confirm
