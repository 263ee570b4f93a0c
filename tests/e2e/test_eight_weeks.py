"""Eight weeks of programme time replayed through the sandbox: a healthy pair, a silent pair,
a pair with a report and a paused volunteer each get exactly what the rules say, in their
language, never in quiet hours, and never twice."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from handlers.callbacks import CheckInAnswer, PauseChoice, RhythmChoice
from mentoring.quiet_hours import QuietHours, is_allowed
from storage.tables import OutboxRow
from tests.e2e.test_matching import sign_up_student, sign_up_volunteer

PARIS = ZoneInfo("Europe/Paris")
# A Monday at 10:00 in Paris: the pairs are introduced then.
START = datetime(2026, 9, 7, 10, 0, tzinfo=PARIS).astimezone(UTC)


async def pair_up(binome, client, student: str, volunteer: str, place: str, language: str):
    mentor = await client.create_user(first_name=volunteer, language_code=language)
    await sign_up_volunteer(mentor, language, place=[("send", place)],
                            remote=[("press", "ans:remote:pick:no")])
    mentee = await client.create_user(first_name=student, language_code=language)
    await sign_up_student(mentee)  # the student's place is 69003: only mentors nearby fit
    await binome.drain()
    await mentor.press("✅ Accept" if language == "en" else "✅ Accepter")
    await binome.drain()
    return mentee, mentor


async def kinds_for(binome, user_id: int) -> list[str]:
    async with binome.runtime.sessions() as session:
        rows = await session.scalars(select(OutboxRow.kind).where(
            OutboxRow.recipient_id == user_id, OutboxRow.kind.like("%_%"))
            .order_by(OutboxRow.due_at, OutboxRow.id))
        return [kind for kind in rows if kind.startswith(("checkin_", "silence_"))]


async def test_eight_weeks_of_follow_up(make_binome, client) -> None:
    staff = await client.create_user(first_name="Sam", language_code="fr")
    binome = make_binome(staff_ids=frozenset({staff.id}))
    binome.clock.at = START
    await binome.start()
    try:
        await staff.send("/start")
        healthy = await pair_up(binome, client, "Léa", "Marc", "69001", "fr")
        silent = await pair_up(binome, client, "Inès", "Paul", "69002", "en")
        reported = await pair_up(binome, client, "Zoé", "Nina", "69004", "en")
        paused = await client.create_user(first_name="Hugo", language_code="en")
        await sign_up_volunteer(paused, place=[("send", "69005")])
        await paused.send("/pause")
        await paused.press(PauseChoice(length="date").pack())
        await paused.send((START + timedelta(days=120)).strftime("%d/%m/%Y"))
        await silent[0].send("/rhythm")
        await silent[0].press(RhythmChoice(rhythm="weekly").pack())
        await reported[1].send("/report")
        await reported[1].send("Zoé ne vient jamais aux rendez-vous.")

        moment = START
        while moment < START + timedelta(weeks=8):
            moment += timedelta(hours=3)
            binome.clock.at = moment
            await binome.tick(moment)
            await binome.drain(moment)
            for user in healthy:
                last = await user.last_bot_message()
                data = {b.get("callback_data") for row in (last.get("reply_markup") or {})
                        .get("inline_keyboard", []) for b in row}
                pair_id = next((int(d.split(":")[1]) for d in data if d and d.startswith("ci:")),
                               None)
                if pair_id is not None:
                    await user.press(CheckInAnswer(pair=pair_id, answer="yes").pack(),
                                     message_id=last["message_id"])

        lea, marc = healthy
        # First exchange on day 3, answered yes; then every two weeks: days 17, 31 and 45.
        assert await kinds_for(binome, lea.id) == [
            "checkin_first_exchange", "checkin_check_in", "checkin_check_in", "checkin_check_in"]
        assert await kinds_for(binome, marc.id) == await kinds_for(binome, lea.id)
        french = binome.t("Did you talk with {name} since {since}?", "fr").split("{name}")[0]
        assert french and any(m["text"].startswith(french) for m in await lea.bot_messages())
        ines, _paul = silent
        # Weekly and never answered: asked again on day 5, then the ladder climbs one rung
        # a week until staff are alerted (day 33); plain check-ins after that.
        assert await kinds_for(binome, ines.id) == [
            "checkin_first_exchange", "checkin_first_exchange_again", "checkin_check_in",
            "checkin_nudge", "checkin_second_nudge", "silence_student", "checkin_check_in",
            "checkin_check_in", "checkin_check_in"]
        assert await kinds_for(binome, staff.id) == ["silence_staff"]
        assert await kinds_for(binome, reported[0].id) == []
        assert await kinds_for(binome, paused.id) == []
        assert not [m for m in await paused.bot_messages() if "would like you" in m["text"]]

        async with binome.runtime.sessions() as session:
            rows = (await session.execute(select(OutboxRow.key, OutboxRow.due_at,
                                                 OutboxRow.status))).all()
        assert all(status == "sent" for _k, _d, status in rows)
        assert all(is_allowed(due, PARIS, QuietHours()) for _k, due, _s in rows)
        assert max(Counter(key for key, _d, _s in rows).values()) == 1
    finally:
        await binome.stop()
