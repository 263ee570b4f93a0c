"""/mydata and /delete for a student who has been through everything: signed up, proposed,
paired, answered a check-in, reported a problem, ended the pair with feedback, excluded by
staff, refused a staff command, with messages queued to her and to her mentor about her."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from handlers.callbacks import CheckInAnswer, EndAnswer, EraseAnswer, Rating
from storage.tables import (
    AuditRow,
    ErasureCountRow,
    OutboxRow,
    PairRow,
    UserRow,
    VolunteerProfileRow,
)
from tests.e2e.conftest import staffed
from tests.e2e.journeys import CONFIRM, start_as, student_answers
from tests.e2e.test_matching import sign_up_volunteer
from tests.storage.person_scan import traces

START = datetime(2026, 9, 8, 10, 0, tzinfo=ZoneInfo("Europe/Paris")).astimezone(UTC)
PERSON = 7770001
GOALS = "Réussir ma licence de droit, mot de passe zorglub-goals."
REPORT = "Il m'a demandé mon numéro, le 06 12 34 56 78, c'est gênant."
FEEDBACK = "Merci pour tout, zorglub-feedback."
NOTE = "On a refait le CV, zorglub-note."
WRITTEN = [GOALS, "06 12 34 56 78", FEEDBACK, "Zéphyrine", NOTE]

HELD = ("users", "consents", "student_profiles", "proposals", "pairs", "pair_followups",
        "exchanges", "feedback", "reports", "exclusions", "outbox", "audit_log",
        "contact_offers", "session_logs", "outcomes")


async def everything(binome, boss, client):
    """Zéphyrine (the person) and Marc, her mentor, through every table."""
    marc = await client.create_user(first_name="Marc", language_code="en")
    await sign_up_volunteer(marc)
    zoe = await client.create_user(first_name="Zéphyrine", language_code="en", id=PERSON)
    await start_as(zoe, "student")
    await student_answers(zoe, name="Zéphyrine", goals=GOALS)
    await zoe.press(CONFIRM)
    await binome.drain()
    await marc.press("✅ Accept")
    await binome.drain()
    async with binome.runtime.sessions() as session:
        pair_id = (await session.scalars(select(PairRow.id))).one()
    moment = START + timedelta(days=3, hours=1)
    binome.clock.at = moment
    await binome.tick(moment)
    await binome.drain(moment)
    await zoe.press(CheckInAnswer(pair=pair_id, answer="yes").pack())
    await zoe.press("🤝 Share my Telegram contact")
    await binome.drain(moment)
    await marc.press("Yes, please")  # her contact offer is one of her rows
    await zoe.press("✅ Yes")  # the session log asks what they did, and keeps her note
    await zoe.press("▫️ CV review")
    await zoe.press("Done ➡️")
    await zoe.send(NOTE)
    await zoe.press("4")
    await zoe.send("/news")  # her news is an outcome of the pair
    await zoe.press("▫️ Internship found")
    await zoe.press("Done ➡️")
    # The next check-in is queued for both, not delivered yet: Marc's names her.
    moment = START + timedelta(days=18, hours=1)
    binome.clock.at = moment
    await binome.tick(moment)
    await zoe.send("/report")
    await zoe.send(REPORT)  # staff's alert stays queued too
    await zoe.send("/end")
    await zoe.press(EndAnswer(pair=pair_id, answer="yes").pack())
    await zoe.press(Rating(pair=pair_id, value=5).pack())
    await zoe.send(FEEDBACK)
    await boss.send(f"/exclude {zoe.id} {marc.id}")
    await zoe.send("/stats")  # refused, and written to the audit log
    return zoe, marc


async def queued_to(binome, recipient: int) -> list[OutboxRow]:
    async with binome.runtime.sessions() as session:
        return list((await session.scalars(select(OutboxRow).where(
            OutboxRow.recipient_id == recipient).order_by(OutboxRow.id))).all())


async def test_mydata_holds_every_table_that_names_her_and_nobody_else(
        make_binome, client) -> None:
    async with staffed(make_binome, client, at=START) as (binome, boss):
        zoe, marc = await everything(binome, boss, client)
        await zoe.send("/mydata")
        message = await zoe.last_bot_message()
        raw = await zoe.download(message["document"]["file_id"])
    data = json.loads(raw)
    tables = data["tables"]
    assert data["user_id"] == zoe.id
    assert [name for name in HELD if not tables.get(name)] == []
    assert tables["student_profiles"][0]["goals"] == GOALS
    assert [r["text"] for r in tables["reports"]] == [REPORT]
    assert [r["comment"] for r in tables["feedback"]] == [FEEDBACK]
    assert [r["answer"] for r in tables["exchanges"]] == ["yes"]
    assert [(r["topics"], r["note"], r["usefulness"]) for r in tables["session_logs"]] == [
        (["cv"], NOTE, 4)]
    assert [(r["source"], r["changes"]) for r in tables["outcomes"]] == [
        ("news", ["internship"])]
    assert {r["action"] for r in tables["audit_log"]} == {"exclude", "refused"}
    assert {r["recipient_id"] for r in tables["outbox"]} == {zoe.id}
    assert {"intro_student", "checkin_first_exchange"} <= {r["kind"] for r in tables["outbox"]}
    # Her mentor's and the staff member's Telegram ids are theirs, not hers.
    text = raw.decode()
    assert str(marc.id) not in text and str(boss.id) not in text
    assert tables["pairs"][0]["volunteer_id"] == "someone else"


async def test_delete_leaves_nothing_that_names_her(make_binome, client) -> None:
    async with staffed(make_binome, client, at=START) as (binome, boss):
        zoe, marc = await everything(binome, boss, client)
        to_marc = [r for r in await queued_to(binome, marc.id) if r.status == "pending"
                   and r.params.get("student_id") == zoe.id]
        alerts = [r for r in await queued_to(binome, boss.id) if r.kind == "staff_report"]
        assert to_marc and [a.status for a in alerts] == ["pending"]
        assert REPORT in alerts[0].params["text"]
        await zoe.send("/delete")
        await zoe.press(EraseAnswer(answer="yes").pack())
        assert "your data has been erased" in await zoe.last_text()

        assert await traces(binome.runtime.sessions, zoe.id, WRITTEN) == []
        after = {r.id: r for r in await queued_to(binome, marc.id)}
        for row in to_marc:
            assert after[row.id].status == "skipped"
        [alert] = [r for r in await queued_to(binome, boss.id) if r.kind == "staff_report"]
        assert (alert.status, alert.params["text"]) == ("skipped", "")
        async with binome.runtime.sessions() as session:
            audit = (await session.execute(select(AuditRow.actor_id, AuditRow.action)
                                           .where(AuditRow.action.in_(("exclude", "refused")))
                                           .order_by(AuditRow.id))).all()
            counts = (await session.execute(select(ErasureCountRow.role,
                                                   ErasureCountRow.count))).all()
            kept = set(await session.scalars(select(UserRow.id)))
            mentor = await session.get(VolunteerProfileRow, marc.id)
        assert [tuple(r) for r in audit] == [(boss.id, "exclude"), (0, "refused")]
        assert [tuple(r) for r in counts] == [("student", 1)]
        assert kept == {boss.id, marc.id} and mentor is not None and mentor.load == 0
        # The sender delivers what still applies (the pair's end) and nothing else.
        await binome.drain(binome.clock.at)
        assert await marc.last_text() == ("Your student has ended your binôme. Thank you for "
                                          "your help! We will propose you another student "
                                          "when one fits.")
        assert {r.status for r in await queued_to(binome, marc.id)} == {"sent", "skipped"}


async def test_a_mentor_who_leaves_takes_the_pair_but_not_her_report(
        make_binome, client) -> None:
    async with staffed(make_binome, client, at=START) as (binome, boss):
        zoe, marc = await everything(binome, boss, client)
        await marc.send("/delete")
        await marc.press(EraseAnswer(answer="yes").pack())
        assert await traces(binome.runtime.sessions, marc.id,
                            ["Avocat", "Marc"]) == []
        await zoe.send("/mydata")
        message = await zoe.last_bot_message()
        tables = json.loads(await zoe.download(message["document"]["file_id"]))["tables"]
    assert [(r["text"], r["pair_id"]) for r in tables["reports"]] == [(REPORT, None)]
    assert tables["student_profiles"][0]["goals"] == GOALS
    assert tables["pairs"] == [] and tables["feedback"] == []
