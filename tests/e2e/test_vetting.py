"""Safeguarding, as users and staff live it: a new volunteer reads and accepts the charter
and waits for staff approval before meeting anyone; staff approve, question or refuse them in
/approvals and record their criminal-record check; students give their year of birth, the
too young are turned away with nothing kept, and minors meet only checked volunteers."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select, update

from handlers.callbacks import CharterAccept, VettingAction
from mentoring.vetting import CHARTER_VERSION, add_months
from storage.tables import (
    AuditRow,
    ConsentRow,
    FollowUpRow,
    PairRow,
    ProposalRow,
    StudentProfileRow,
    UserRow,
    VolunteerVettingRow,
)
from tests.e2e.conftest import Binome
from tests.e2e.journeys import CONFIRM, act, pick, start_as, student_script
from tests.e2e.test_matching import sign_up_volunteer

STAFF_ONLY = "This button is for the programme staff."
NO_LONGER = "This button is no longer active."
ACCEPT_CHARTER = "✅ I have read it and I accept"


@contextlib.asynccontextmanager
async def vetted(make_binome: Callable[..., Binome], client: Any, approval: str = "required",
                 ) -> AsyncIterator[tuple[Binome, Any]]:
    """A running bot with staff member Sam, approval as production has it unless told."""
    boss = await client.create_user(first_name="Sam", language_code="en")
    running = make_binome(staff_ids=frozenset({boss.id}), volunteer_approval=approval)
    await running.start()
    try:
        await boss.send("/start")
        yield running, boss
    finally:
        await running.stop()


async def sign_up_student(user: Any, born: int | str = 2004) -> None:
    await start_as(user, "student")
    for step, actions in student_script(user.info["first_name"]):
        await act(user, [("send", str(born))] if step == "birth_year" else actions)
    await user.press(CONFIRM)


async def new_texts(user: Any, before: int) -> list[str]:
    return [m.get("text") or "" for m in (await user.bot_messages())[before:]]


async def vetting_row(running: Binome, user_id: int) -> VolunteerVettingRow:
    assert running.runtime is not None
    async with running.runtime.sessions() as session:
        row = await session.get(VolunteerVettingRow, user_id)
        assert row is not None
        return row


async def audited(running: Binome, action: str) -> list[AuditRow]:
    assert running.runtime is not None
    async with running.runtime.sessions() as session:
        return list(await session.scalars(select(AuditRow).where(AuditRow.action == action)))


async def proposals(running: Binome) -> list[ProposalRow]:
    assert running.runtime is not None
    async with running.runtime.sessions() as session:
        return list(await session.scalars(select(ProposalRow).order_by(ProposalRow.id)))


async def approved_volunteer(running: Binome, boss: Any, user: Any, **changes: Any) -> None:
    await sign_up_volunteer(user, **changes)
    await user.press(ACCEPT_CHARTER)
    await boss.send(f"/approvals {user.id}")
    await boss.press("✅ Approve")
    await running.drain()


# --- approval ------------------------------------------------------------------------------

async def test_a_volunteer_is_proposed_only_once_approved_after_the_charter(
        make_binome, client) -> None:
    async with vetted(make_binome, client) as (running, boss):
        lea = await client.create_user(first_name="Léa", language_code="en")
        await sign_up_student(lea)
        marc = await client.create_user(first_name="Marc", language_code="en")
        await sign_up_volunteer(marc)
        told = await new_texts(marc, 0)
        assert any("the programme's team welcomes every new volunteer" in t for t in told)
        assert "The mentor's charter" in await marc.last_text()
        assert "never meet a student under 18 alone in a private place" in await marc.last_text()
        await running.drain()
        assert await proposals(running) == []  # Léa waits: Marc is not approved yet
        assert (await vetting_row(running, marc.id)).status == "pending"
        assert f"A new volunteer, Marc ({marc.id}), waits for your approval" in \
            await boss.last_text()

        await boss.send("/approvals")
        assert "1 volunteer waiting for approval" in (await new_texts(boss, -2))[0]
        summary = await boss.last_text()
        assert "Marc · Avocat d'affaires" in summary and "Charter: not accepted yet" in summary
        assert "Check: none recorded" in summary
        refused = await boss.press("✅ Approve")
        assert refused["answer"]["text"] == ("Marc has not accepted the charter yet: they can "
                                             "be approved once they have.")
        assert (await vetting_row(running, marc.id)).status == "pending"

        await marc.press(ACCEPT_CHARTER)
        assert "get back to you here" in await marc.last_text()
        row = await vetting_row(running, marc.id)
        assert row.charter_version == CHARTER_VERSION and row.charter_accepted_at is not None
        charter = [m for m in await marc.bot_messages() if "mentor's charter" in m["text"]][-1]
        again = await marc.forge_callback(CharterAccept(version=CHARTER_VERSION).pack(),
                                          charter["message_id"])
        assert again["answer"]["text"] == "You have already accepted the charter. Thank you!"

        await boss.send("/approvals")
        assert "Charter: accepted on" in await boss.last_text()
        done = await boss.press("✅ Approve")
        assert done["answer"]["text"] == "Approved: Marc can now be proposed to students."
        await running.drain()
        texts = await new_texts(marc, 0)
        assert any("Welcome to the programme!" in t for t in texts)
        assert "A student would like you as a mentor" in await marc.last_text()
        assert [(p.student_id, p.volunteer_id) for p in await proposals(running)] == [
            (lea.id, marc.id)]
        row = await vetting_row(running, marc.id)
        assert (row.status, row.decided_by) == ("approved", boss.id)
        [entry] = await audited(running, "volunteer_approved")
        assert (entry.actor_id, entry.details) == (boss.id, {"volunteer": marc.id})

        mine = (await boss.last_bot_message())["message_id"]
        twice = await boss.forge_callback(
            VettingAction(volunteer=marc.id, action="approve").pack(), mine)
        assert twice["answer"]["text"] == "This volunteer has already been approved or refused."
        assert len(await audited(running, "volunteer_approved")) == 1


async def test_staff_ask_a_question_and_the_answer_comes_back(make_binome, client) -> None:
    async with vetted(make_binome, client) as (running, boss):
        marc = await client.create_user(first_name="Marc", language_code="en")
        await sign_up_volunteer(marc)
        await running.drain()
        await boss.send("/approvals")
        await boss.press("❓ Ask a question")
        assert "Write your question to Marc" in await boss.last_text()
        await boss.send("/cancel")  # changed their mind: nothing goes
        assert await boss.last_text() == "Cancelled."
        await boss.send("Hello?")
        await running.drain()
        assert not any("A question from" in t for t in await new_texts(marc, 0))

        await boss.send("/approvals")
        await boss.press("❓ Ask a question")
        await boss.sticker()
        assert await boss.last_text() == "Please write it in a message."
        await boss.send("x" * 1001)
        assert "please keep it under 1000 characters" in await boss.last_text()
        await boss.send("Which city do you work in, <b>exactly</b>?")
        assert await boss.last_text() == "Sent. Their answer will come to you here."
        await running.drain()
        assert "Which city do you work in, <b>exactly</b>?" in await marc.last_text()
        await marc.send("In Paris, <i>near</i> Bastille.")
        assert await marc.last_text() == "Thank you: I have passed your answer on to the team."
        await running.drain()
        answer = await boss.last_text()
        assert f"Marc (volunteer {marc.id}) answers your question" in answer
        assert "In Paris, <i>near</i> Bastille." in answer  # shown as typed, not as markup
        assert (await vetting_row(running, marc.id)).question_from is None
        assert len(await audited(running, "volunteer_question")) == 1

        seen = len(await boss.bot_messages())
        await marc.send("One more thing")  # the question is answered: nothing more goes
        await running.drain()
        assert len(await boss.bot_messages()) == seen


async def test_a_refused_volunteer_is_told_kindly_and_never_proposed(make_binome, client) -> None:
    async with vetted(make_binome, client) as (running, boss):
        marc = await client.create_user(first_name="Marc", language_code="en")
        await sign_up_volunteer(marc)
        await marc.press(ACCEPT_CHARTER)
        await boss.send("/approvals")
        await boss.press("❌ Refuse")
        assert "Write the reason in a few kind words: Marc will read it." in \
            await boss.last_text()
        await boss.send("\u200b\u200b")  # only invisible characters
        assert await boss.last_text() == "Please write it in a message."
        reason = "We only take volunteers from Lyon this term."
        await boss.send(reason)
        assert await boss.last_text() == "Done: the volunteer has been told, kindly."
        await running.drain()
        told = await marc.last_text()
        assert "Thank you warmly for offering your time" in told and reason in told
        row = await vetting_row(running, marc.id)
        assert (row.status, row.refusal_reason, row.decided_by) == ("refused", reason, boss.id)
        assert len(await audited(running, "volunteer_refused")) == 1

        lea = await client.create_user(first_name="Léa", language_code="en")
        await sign_up_student(lea)
        await running.drain()
        assert await proposals(running) == []
        await boss.send("/approvals")
        assert "No volunteer is waiting for approval" in await boss.last_text()
        mine = (await boss.last_bot_message())["message_id"]
        for action in ("approve", "ask", "refuse", "check"):
            late = await boss.forge_callback(
                VettingAction(volunteer=marc.id, action=action).pack(), mine)
            assert late["answer"]["text"] == NO_LONGER, action
        assert (await vetting_row(running, marc.id)).status == "refused"


async def test_staff_record_a_check_and_wrong_dates_are_explained(make_binome, client) -> None:
    async with vetted(make_binome, client) as (running, boss):
        marc = await client.create_user(first_name="Marc", language_code="en")
        await approved_volunteer(running, boss, marc)
        for wrong in ("/approvals 999", "/approvals abc"):
            await boss.send(wrong)
            assert "No volunteer has this id" in await boss.last_text()
        await boss.send(f"/approvals {marc.id}")
        assert "approved" in await boss.last_text()
        await boss.press("📅 Record the check's date")
        assert "Send the date of Marc's criminal-record check" in await boss.last_text()
        today = running.clock().date()
        for typed, said in (
                ("soon", "I can't read this date"),
                ((today + timedelta(days=1)).isoformat(), "This date is in the future"),
                (add_months(today, -12).isoformat(), "This check has already expired")):
            await boss.send(typed)
            assert said in await boss.last_text(), typed
        assert (await vetting_row(running, marc.id)).check_on is None
        day = today - timedelta(days=10)
        await boss.send(day.strftime("%d/%m/%Y"))
        assert "Recorded: the check is valid until" in await boss.last_text()
        row = await vetting_row(running, marc.id)
        assert (row.check_on, row.check_recorded_by) == (day, boss.id)
        [entry] = await audited(running, "volunteer_check")
        assert entry.details == {"volunteer": marc.id, "check_on": day.isoformat()}
        await boss.send(f"/approvals {marc.id}")
        assert "Check: valid until" in await boss.last_text()


async def test_forged_vetting_buttons_change_nothing(make_binome, client) -> None:
    async with vetted(make_binome, client) as (running, boss):
        marc = await client.create_user(first_name="Marc", language_code="en")
        await sign_up_volunteer(marc)
        await marc.send("/approvals")
        assert await marc.last_text() == "This command is for the programme staff."
        mine = (await marc.last_bot_message())["message_id"]
        for action in ("approve", "refuse", "check"):
            forged = await marc.forge_callback(
                VettingAction(volunteer=marc.id, action=action).pack(), mine)
            assert forged["answer"]["text"] == STAFF_ONLY
        wrong_version = await marc.forge_callback(CharterAccept(version="1999-01").pack(), mine)
        assert wrong_version["answer"]["text"] == NO_LONGER
        row = await vetting_row(running, marc.id)
        assert (row.status, row.charter_version) == ("pending", None)
        assert len(await audited(running, "refused")) == 4

        lea = await client.create_user(first_name="Léa", language_code="en")
        await sign_up_student(lea)
        hers = (await lea.last_bot_message())["message_id"]
        no_record = await lea.forge_callback(CharterAccept(version=CHARTER_VERSION).pack(), hers)
        assert no_record["answer"]["text"] == NO_LONGER

        await boss.send("/approvals")
        on = (await boss.last_bot_message())["message_id"]
        for data in (VettingAction(volunteer=424242, action="approve").pack(),
                     VettingAction(volunteer=lea.id, action="approve").pack(),
                     VettingAction(volunteer=marc.id, action="explode").pack()):
            forged = await boss.forge_callback(data, on)
            assert forged["answer"]["text"] == NO_LONGER, data
        assert (await vetting_row(running, marc.id)).status == "pending"


async def test_a_new_charter_is_asked_again_at_the_next_message(make_binome, client) -> None:
    async with vetted(make_binome, client) as (running, boss):
        marc = await client.create_user(first_name="Marc", language_code="en")
        await approved_volunteer(running, boss, marc)
        assert running.runtime is not None
        async with running.runtime.sessions() as session:
            await session.execute(update(VolunteerVettingRow).where(
                VolunteerVettingRow.user_id == marc.id).values(charter_version="2020-01",
                                                              charter_asked_at=None))
            await session.commit()
        before = len(await marc.bot_messages())
        await marc.send("/help")
        said = await new_texts(marc, before)
        assert any("Our mentor's charter has changed" in t for t in said)
        assert any("Here is what I can do" in t for t in said)  # the message went on
        before = len(await marc.bot_messages())
        await marc.send("/help")
        assert not any("charter" in t for t in await new_texts(marc, before))  # once a day
        await marc.press(ACCEPT_CHARTER)
        assert await marc.last_text() == "Thank you! Nothing else changes: carry on as before."
        row = await vetting_row(running, marc.id)
        assert row.charter_version == CHARTER_VERSION and row.status == "approved"


async def test_gaps_show_students_waiting_on_a_pending_volunteer(make_binome, client) -> None:
    async with vetted(make_binome, client) as (_running, boss):
        lea = await client.create_user(first_name="Léa", language_code="en")
        await sign_up_student(lea)
        marc = await client.create_user(first_name="Marc", language_code="en")
        await sign_up_volunteer(marc, place=[("send", "69001")])
        await boss.send("/gaps")
        assert "1 / 0 · 1 volunteer pending approval" in await boss.last_text()


# --- minors ----------------------------------------------------------------------------------

async def test_too_young_to_sign_up_is_refused_kindly_and_nothing_is_kept(
        make_binome, client) -> None:
    async with vetted(make_binome, client) as (running, _boss):
        running.clock.at = datetime(2025, 12, 31, 10, 0, tzinfo=UTC)  # the day before 2026
        tom = await client.create_user(first_name="Tom", language_code="en")
        await start_as(tom, "student")
        await tom.send("Tom")
        assert "In which year were you born?" in await tom.last_text()
        await tom.send("20O8")
        assert await tom.last_text() == ("Please send your year of birth in four digits, for "
                                         "example 2008.")
        await tom.send("2031")
        assert "That year has not come yet" in await tom.last_text()
        await tom.send("2010")  # 15 in 2025
        refusal = await tom.last_text()
        assert "open from the age of 16" in refusal and "kept nothing" in refusal
        assert running.runtime is not None
        async with running.runtime.sessions() as session:
            assert await session.get(UserRow, tom.id) is None
            assert (await session.scalars(select(ConsentRow).where(
                ConsentRow.user_id == tom.id))).first() is None
        await tom.send("/start")  # a stranger again
        assert await tom.last_text() == "Who are you?"

        for day, name in ((datetime(2026, 1, 1, 10, tzinfo=UTC), "Zoé"),   # the day of
                          (datetime(2026, 1, 2, 10, tzinfo=UTC), "Inès")):  # the day after
            running.clock.at = day
            young = await client.create_user(first_name=name, language_code="en")
            await start_as(young, "student")
            await young.send(name)
            await young.press(pick("birth_year", "2010"))  # 16 this year
            assert "What do you study?" in await young.last_text()


async def test_an_in_progress_sign_up_keeps_its_answers_and_asks_the_new_question(
        make_binome, client) -> None:
    from aiogram.fsm.storage.base import StorageKey

    async with vetted(make_binome, client) as (running, _boss):
        assert running.runtime is not None and running.bot is not None
        ana = await client.create_user(first_name="Ana", language_code="en")
        await start_as(ana, "student")
        script = student_script("Ana")
        for _step, actions in script[:-1]:
            await act(ana, actions)
        # As a draft begun before the question existed: every answer but the year of birth,
        # the last question being answered.
        key = StorageKey(bot_id=running.bot.id, chat_id=ana.id, user_id=ana.id)
        data = await running.runtime.storage.get_data(key)
        del data["draft"]["answers"]["birth_year"]
        await running.runtime.storage.set_data(key, data)
        await act(ana, script[-1][1])
        assert "In which year were you born?" in await ana.last_text()
        await ana.send("2005")
        summary = await ana.last_text()
        assert "Is everything right?" in summary and "Year of birth: 2005" in summary
        await ana.press(CONFIRM)
        async with running.runtime.sessions() as session:
            row = await session.get(StudentProfileRow, ana.id)
            assert row is not None and (row.birth_year, row.goals) == (
                2005, "Réussir mes partiels et trouver un stage en cabinet.")


async def test_a_minor_is_proposed_only_to_a_volunteer_with_a_valid_check(
        make_binome, client) -> None:
    async with vetted(make_binome, client, approval="off") as (running, boss):
        assert running.runtime is not None
        marc = await client.create_user(first_name="Marc", language_code="en")
        await sign_up_volunteer(marc)  # first, so the better choice when all else is equal
        nina = await client.create_user(first_name="Nina", language_code="en")
        await sign_up_volunteer(nina)
        today = running.clock().date()
        await running.runtime.vetting.record_check(boss.id, nina.id,
                                                   (today - timedelta(days=30)).isoformat())
        lea = await client.create_user(first_name="Léa", language_code="en")
        await sign_up_student(lea, born=today.year - 17)
        omar = await client.create_user(first_name="Omar", language_code="en")
        await sign_up_student(omar, born=today.year - 20)
        assert [(p.student_id, p.volunteer_id) for p in await proposals(running)] == [
            (lea.id, nina.id), (omar.id, marc.id)]


async def test_a_check_is_renewed_then_expires_at_its_boundaries(make_binome, client) -> None:
    async with vetted(make_binome, client, approval="off") as (running, boss):
        assert running.runtime is not None
        policy = running.runtime.vetting.policy
        marc = await client.create_user(first_name="Marc", language_code="en")
        await sign_up_volunteer(marc)
        today = running.clock().date()
        checked = add_months(today + timedelta(days=2), -(policy.check_valid_months - 1))
        await running.runtime.vetting.record_check(boss.id, marc.id, checked.isoformat())
        lea = await client.create_user(first_name="Léa", language_code="en")
        await sign_up_student(lea, born=today.year - 16)
        await running.drain()
        await marc.press("✅ Accept")
        renewal, expiry = policy.renewal_due_on(checked), policy.check_expires_on(checked)

        def at(day: date) -> datetime:
            return datetime.combine(day, time(10, 0), UTC)

        day = timedelta(days=1)
        assert [(await running.tick(at(d)))["check_renewals"]
                for d in (renewal - day, renewal, renewal + day)] == [0, 1, 0]
        await running.drain(at(renewal + day))
        asked = [t for t in await new_texts(marc, 0) if "attestation d'honorabilité" in t]
        assert len(asked) == 1 and "Please ask for a new one" in asked[0]
        assert [(await running.tick(at(d)))["check_expired_pairs"]
                for d in (expiry - day, expiry, expiry + day)] == [0, 1, 0]
        await running.drain(at(expiry + day))
        alerts = [t for t in await new_texts(boss, 0) if "has expired" in t]
        assert len(alerts) == 1 and f"volunteer {marc.id}" in alerts[0]
        async with running.runtime.sessions() as session:
            pair = (await session.scalars(select(PairRow))).one()
            assert pair.status == "active"  # an alert, not an automatic end
        assert f"pair {pair.id}, student {lea.id}" in alerts[0]

        running.clock.at = at(expiry + day)  # Marc has room for one more, but no valid check
        zoe = await client.create_user(first_name="Zoé", language_code="en")
        await sign_up_student(zoe, born=today.year - 16)
        assert all(p.student_id != zoe.id for p in await proposals(running))
        await running.runtime.vetting.record_check(boss.id, marc.id, expiry.isoformat())
        await running.runtime.matchmaker.student_ready(zoe.id)  # a new check: proposed
        assert any((p.student_id, p.volunteer_id) == (zoe.id, marc.id)
                   for p in await proposals(running))


async def test_a_minors_pair_is_marked_in_risk(make_binome, client) -> None:
    async with vetted(make_binome, client, approval="off") as (running, boss):
        assert running.runtime is not None
        marc = await client.create_user(first_name="Marc", language_code="en")
        await sign_up_volunteer(marc)
        today = running.clock().date()
        await running.runtime.vetting.record_check(boss.id, marc.id, today.isoformat())
        lea = await client.create_user(first_name="Léa", language_code="en")
        await sign_up_student(lea, born=today.year - 17)
        await running.drain()
        await marc.press("✅ Accept")
        async with running.runtime.sessions() as session:
            await session.execute(update(FollowUpRow).values(silent_periods=2))
            await session.commit()
        await boss.send("/risk")
        assert "no news for 2 check-ins · 🔞 the student is under 18" in await boss.last_text()


async def test_the_demo_has_pending_volunteers_minors_and_expiring_checks(
        make_binome, client) -> None:
    from bot.demo import EXPIRING_CHECKS, PENDING_VOLUNTEERS, seed_demo
    from mentoring.vetting import is_minor

    async with vetted(make_binome, client) as (running, _boss):
        assert running.runtime is not None
        now = running.clock()
        await seed_demo(running.runtime.sessions, now)
        async with running.runtime.sessions() as session:
            statuses = list(await session.scalars(select(VolunteerVettingRow.status)))
            years = list(await session.scalars(select(StudentProfileRow.birth_year)))
        assert statuses.count("pending") == PENDING_VOLUNTEERS
        assert any(is_minor(year, now.date()) for year in years)
        assert len(await running.runtime.vetting.pending()) == PENDING_VOLUNTEERS
        due = await running.runtime.vetting.run_due(now)
        assert due.renewals >= EXPIRING_CHECKS and due.expired_pairs >= 1
