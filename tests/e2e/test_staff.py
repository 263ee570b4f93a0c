"""Staff rights: STAFF_IDS and staff added from the chat; refusals are audited; /stats."""

from __future__ import annotations

from sqlalchemy import select

from storage.tables import AuditRow
from tests.e2e.conftest import staffed
from tests.e2e.test_matching import sign_up_student, sign_up_volunteer


async def test_staff_add_remove_refusals_and_stats(make_binome, client) -> None:
    async with staffed(make_binome, client) as (running, boss):
        helper = await client.create_user(first_name="Alex", language_code="en")
        await helper.send("/start")
        await helper.send("/stats")
        assert await helper.last_text() == "This command is for the programme staff."
        await boss.send(f"/staff add {helper.id}")
        assert await boss.last_text() == "Done."
        menus = {c["scope"].get("chat_id"): [command["command"] for command in c["commands"]]
                 for c in (await client.bot_info())["commands"]
                 if c["scope"]["type"] == "chat"}
        assert set(menus) == {boss.id, helper.id}  # Sam's at his /start, Alex's when added
        assert menus[helper.id][:10] == ["waiting", "stats", "gaps", "risk", "reports",
                                          "broadcast", "broadcasts", "export", "staff",
                                          "exclude"]
        await boss.send("/staff remove 12x")
        assert "Write /staff add ID" in await boss.last_text()
        await helper.send(f"/staff remove {boss.id}")
        assert "STAFF_IDS" in await helper.last_text()

        lea = await client.create_user(first_name="Léa", language_code="en")
        await sign_up_student(lea)
        marc = await client.create_user(first_name="Marc", language_code="en")
        await sign_up_volunteer(marc)
        await helper.send("/stats")
        figures, chart = (await helper.bot_messages())[-2:]
        assert "Sign-ups: 1 students, 1 volunteers" in figures["text"]
        assert chart["caption"] == "Sign-ups and new pairs, week by week."
        png = await helper.download(chart["photo"]["file_id"])  # the largest size
        assert png.startswith(b"\x89PNG")
        figures = figures["text"]
        assert "Proposals pending: 1" in figures

        await helper.send("/gaps")
        assert "No gap" in await helper.last_text()  # Léa is proposed to Marc
        for name in ("Zoé", "Inès"):  # Marc can take two students: Inès waits
            await sign_up_student(await client.create_user(first_name=name,
                                                           language_code="en"))
        await helper.send("/gaps")
        gap_lines = await helper.last_text()
        assert "Law and political science · Auvergne-Rhône-Alpes: 1 / 0" in gap_lines

        await boss.send(f"/staff remove {helper.id}")
        assert [c["scope"].get("chat_id") for c in (await client.bot_info())["commands"]
                if c["scope"]["type"] == "chat"] == [boss.id]
        await helper.send("/waiting")
        assert await helper.last_text() == "This command is for the programme staff."
        async with running.runtime.sessions() as session:
            actions = [(row.actor_id, row.action) for row in
                       await session.scalars(select(AuditRow).order_by(AuditRow.id))]
        assert actions == [(helper.id, "refused"), (boss.id, "staff_add"),
                           (boss.id, "staff_remove"), (helper.id, "refused")]


async def test_risk_lists_reported_pairs_and_staff_can_rematch(make_binome, client) -> None:
    from tests.e2e.test_pair_care import paired

    async with staffed(make_binome, client) as (running, boss):
        await boss.send("/risk")
        assert await boss.last_text() == "No pair at risk right now."
        lea, marc = await paired(running, client)
        await lea.send("/report")
        await lea.send("Il ne répond plus.")
        await boss.send("/risk")
        card = await boss.last_bot_message()
        assert card["text"].splitlines()[0].endswith("a report is open.")
        assert card["text"].startswith("Pair ")
        answer = await boss.press("Rematch the student")
        assert "matched again" in answer["answer"]["text"]
        assert (await running.runtime.matchmaker.status(lea.id)).pair is None
        await running.drain()
        assert "The programme team has ended your binôme" in await marc.last_text()


async def test_export_sends_csv_files_and_is_audited(make_binome, client) -> None:
    import csv
    import io

    from storage.tables import AuditRow

    async with staffed(make_binome, client) as (running, boss):
        lea = await client.create_user(first_name="Léa", language_code="en")
        await sign_up_student(lea)
        await boss.send("/export")
        documents = [m for m in await boss.bot_messages() if m.get("document")]
        assert [d["document"]["file_name"] for d in documents] == [
            "binome-students.csv", "binome-volunteers.csv", "binome-pairs.csv",
            "binome-checkins.csv", "binome-meetings.csv", "binome-session_logs.csv",
            "binome-outcomes.csv"]
        students = list(csv.DictReader(io.StringIO(
            (await boss.download(documents[0]["document"]["file_id"])).decode("utf-8-sig"))))
        assert [(row["id"], row["first_name"], row["needs"]) for row in students] == [
            (str(lea.id), "Léa", "exams|cv")]
        assert documents[0]["caption"] == "Export: students (1 row)"
        async with running.runtime.sessions() as session:
            assert [row.action for row in await session.scalars(select(AuditRow))] == ["export"]
        await lea.send("/export")
        assert await lea.last_text() == "This command is for the programme staff."


async def test_staff_exclusion_keeps_two_people_apart_until_allowed(make_binome, client) -> None:
    from handlers.callbacks import PauseChoice

    async with staffed(make_binome, client) as (running, boss):
        marc = await client.create_user(first_name="Marc", language_code="en")
        await sign_up_volunteer(marc)
        await marc.send("/pause")
        await marc.press(PauseChoice(length="1m").pack())
        lea = await client.create_user(first_name="Léa", language_code="en")
        await sign_up_student(lea)
        await boss.send(f"/exclude {lea.id} 12345")
        assert "not one student and one volunteer" in await boss.last_text()
        await boss.send(f"/exclude {marc.id} {lea.id}")  # either order
        assert await boss.last_text() == "Done: they will never be proposed to each other."
        await boss.send(f"/exclude {lea.id} {marc.id}")
        assert await boss.last_text() == "Nothing to change: this is already the case."
        await boss.send("/exclude")
        assert f"{lea.id} · {marc.id}" in await boss.last_text()
        await lea.send(f"/allow {lea.id} {marc.id}")
        assert await lea.last_text() == "This command is for the programme staff."

        await marc.send("/available")
        await running.drain()
        assert "A student would like you" not in await marc.last_text()
        _plan, made = await running.runtime.matchmaker.run_batch()
        assert made == 0  # Léa still waits: Marc is the only volunteer, and excluded
        await running.drain()
        assert "A student would like you" not in await marc.last_text()

        await boss.send(f"/allow {lea.id} {marc.id}")
        assert await boss.last_text() == "Done: they may be proposed to each other again."
        _plan, made = await running.runtime.matchmaker.run_batch()
        assert made == 1
        await running.drain()
        assert "A student would like you" in await marc.last_text()
        async with running.runtime.sessions() as session:
            actions = [row.action for row in await session.scalars(
                select(AuditRow).where(AuditRow.actor_id == boss.id))]
        assert actions == ["exclude", "allow"]


async def test_risk_lists_a_student_who_forbids_links_without_the_link_to_her(
        make_binome, client) -> None:
    """Telegram refuses a whole message whose tg://user button names someone who forbids
    links to their account: the view is sent again without that button."""
    async with staffed(make_binome, client) as (running, boss):
        marc = await client.create_user(first_name="Marc", language_code="en")
        await sign_up_volunteer(marc)
        lea = await client.create_user(first_name="Léa", language_code="en",
                                       allows_links=False)
        await sign_up_student(lea)
        await running.drain()
        await marc.press("✅ Accept")
        await running.drain()
        await lea.send("/report")
        await lea.send("Il ne répond plus.")
        await boss.send("/risk")
        card = await boss.last_bot_message()
        assert card["text"].startswith("Pair ") and "a report is open" in card["text"]
        buttons = [button["text"] for row in card["reply_markup"]["inline_keyboard"]
                   for button in row]
        assert buttons == ["Write to the volunteer", "End the pair", "Rematch the student"]
        assert "Sorry" not in await boss.last_text()
