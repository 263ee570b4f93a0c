"""Staff block a person (/block ID reason): their pairs end, the partner is told kindly and
offered a new match, their proposals are withdrawn, nothing they send is relayed or answered
(only /start gets one kind sentence), and /unblock lifts it. Both are audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from handlers.callbacks import EraseAnswer
from storage.tables import (
    AuditRow,
    OutboxRow,
    PairRow,
    ProposalRow,
    RelayMessageRow,
    StaffBlockRow,
    UserRow,
)
from tests.e2e.conftest import staffed
from tests.e2e.test_matching import sign_up_student, sign_up_volunteer
from tests.e2e.test_relay import pair_up

SORRY = {"fr": "Nous sommes désolés\u00a0: vous ne pouvez pas participer au programme. "
               "Merci de votre compréhension.",
         "en": "We are sorry: you cannot take part in the programme. Thank you for your "
               "understanding."}
REASON = "Messages déplacés à l'étudiante"


async def block_row(running, user_id: int) -> StaffBlockRow | None:
    async with running.runtime.sessions() as session:
        return await session.get(StaffBlockRow, user_id)


async def audits(running, action: str) -> list[AuditRow]:
    async with running.runtime.sessions() as session:
        return list(await session.scalars(select(AuditRow).where(AuditRow.action == action)))


@pytest.mark.parametrize("language", ["fr", "en"])
async def test_a_block_ends_the_pair_tells_the_partner_kindly_and_silences_the_person(
        make_binome, client, language: str) -> None:
    async with staffed(make_binome, client, language) as (running, boss):
        lea, marc = await pair_up(running, client, language)
        await boss.send(f"/block {marc.id} {REASON}")
        assert (await boss.last_text()).startswith(
            {"fr": f"C’est fait\u00a0: {marc.id} est bloqué.",
             "en": f"Done: {marc.id} is blocked."}[language])
        await running.drain()
        told = await lea.last_bot_message()
        assert told["text"] == running.t(
            "The programme team has ended your binôme. Would you like a new mentor?", language)
        assert REASON not in told["text"]
        assert told["reply_markup"]["inline_keyboard"], "a new mentor is offered"
        async with running.runtime.sessions() as session:
            pair = (await session.scalars(select(PairRow))).one()
            assert pair.status == "ended" and pair.ended_by == boss.id
            questions = (await session.scalars(select(OutboxRow.recipient_id).where(
                OutboxRow.kind == "outcome_question"))).all()
            assert questions == [lea.id], "the partner is asked what the pair changed"
        row = await block_row(running, marc.id)
        assert row is not None and row.reason == REASON and row.blocked_by == boss.id
        [audit] = await audits(running, "block")
        assert audit.actor_id == boss.id and audit.details["user_id"] == marc.id
        assert REASON not in str(audit.details)

        # Nothing Marc sends reaches Léa, and the bot does not answer him...
        seen_by_lea = len(await lea.bot_messages())
        answers_to_marc = len(await marc.bot_messages())
        await marc.send("Léa, réponds-moi !")
        await marc.send("/binome")
        await running.drain()
        assert len(await lea.bot_messages()) == seen_by_lea
        assert len(await marc.bot_messages()) == answers_to_marc
        async with running.runtime.sessions() as session:
            assert (await session.scalars(select(RelayMessageRow).where(
                RelayMessageRow.sender_id == marc.id))).all() == []
        # ...except /start, which tells him kindly that he cannot take part.
        await marc.send("/start")
        assert await marc.last_text() == SORRY[language]
        async with running.runtime.sessions() as session:
            assert (await session.get(UserRow, marc.id)).role == "volunteer"

        # Léa may ask for a new mentor at once.
        await lea.press(told["reply_markup"]["inline_keyboard"][0][0]["text"])
        await running.drain()
        assert marc.id not in {p.volunteer_id for p in await _open_proposals(running)}


async def _open_proposals(running) -> list[ProposalRow]:
    async with running.runtime.sessions() as session:
        return list(await session.scalars(select(ProposalRow).where(
            ProposalRow.status == "open")))


async def test_a_blocked_volunteers_proposal_is_withdrawn_and_their_tap_does_nothing(
        make_binome, client) -> None:
    async with staffed(make_binome, client) as (running, boss):
        marc = await client.create_user(first_name="Marc", language_code="en")
        await sign_up_volunteer(marc, "en")
        lea = await client.create_user(first_name="Léa", language_code="en")
        await sign_up_student(lea)
        await running.drain()
        [proposal] = await _open_proposals(running)
        assert proposal.volunteer_id == marc.id
        await boss.send(f"/block {marc.id} no longer suitable")
        await running.drain()
        assert await _open_proposals(running) == []
        async with running.runtime.sessions() as session:
            assert (await session.get(ProposalRow, proposal.id)).status == "cancelled"
        answers = len(await marc.bot_messages())
        await marc.press(running.t("✅ Accept", "en"))
        await running.drain()
        async with running.runtime.sessions() as session:
            assert (await session.scalars(select(PairRow))).all() == []
        assert len(await marc.bot_messages()) == answers
        # He cannot sign up again under the same account either.
        await marc.send("/start")
        assert await marc.last_text() == SORRY["en"]


@pytest.mark.parametrize("language", ["fr", "en"])
async def test_block_refusals_and_unblock(make_binome, client, language: str) -> None:
    async with staffed(make_binome, client, language) as (running, boss):
        lea = await client.create_user(first_name="Léa", language_code=language)
        await sign_up_student(lea)
        await running.drain()
        await lea.send(f"/block {boss.id} revenge")
        assert await lea.last_text() == running.t("This command is for the programme staff.",
                                                  language)
        assert await block_row(running, boss.id) is None
        assert [a.details.get("command") for a in await audits(running, "refused")] == [
            f"/block {boss.id} revenge"]
        await boss.send("/block 424242 spam")
        assert await boss.last_text() == {
            "fr": "Personne avec l’identifiant 424242 n’a écrit au bot.",
            "en": "Nobody with the id 424242 has written to the bot."}[language]
        await boss.send(f"/block {lea.id}")
        assert await boss.last_text() == running.t(
            "Write /block followed by the person's Telegram id and the reason, for the "
            "staff's record.", language)
        await boss.send(f"/block {boss.id} test")
        assert await boss.last_text() == running.t(
            "{id} is staff: remove them from the staff before blocking them.",
            language).format(id=boss.id)
        assert await block_row(running, lea.id) is None

        await boss.send(f"/block {lea.id} harcèlement")
        await boss.send(f"/block {lea.id} again")
        assert await boss.last_text() == running.t(
            "Nothing to change: {id} is already blocked.", language).format(id=lea.id)
        await lea.send("/start")
        assert await lea.last_text() == SORRY[language]

        await lea.send(f"/unblock {lea.id}")
        assert await block_row(running, lea.id) is not None
        await boss.send(f"/unblock {lea.id}")
        assert await boss.last_text() == running.t(
            "Done: {id} may take part again.", language).format(id=lea.id)
        assert await block_row(running, lea.id) is None
        [audit] = await audits(running, "unblock")
        assert (audit.actor_id, audit.details["user_id"]) == (boss.id, lea.id)
        await boss.send(f"/unblock {lea.id}")
        assert await boss.last_text() == running.t(
            "Nothing to change: {id} is not blocked.", language).format(id=lea.id)
        await lea.send("/start")
        assert await lea.last_text() != SORRY[language]
        await lea.send("/binome")
        assert await lea.last_text() != SORRY[language]


async def test_a_blocked_person_may_erase_their_data_and_the_block_stays(
        make_binome, client) -> None:
    async with staffed(make_binome, client) as (running, boss):
        lea, marc = await pair_up(running, client)
        await boss.send(f"/block {lea.id} {REASON}")
        await running.drain()
        assert "has ended your binôme" in await marc.last_text()
        await lea.send("/mydata")
        exported = await lea.last_bot_message()
        assert exported.get("document"), "a blocked person still gets their data"
        content = (await lea.download(exported["document"]["file_id"])).decode()
        assert REASON in content and "staff_blocks" in content
        await lea.send("/delete")
        await lea.press(EraseAnswer(answer="yes").pack())
        assert "your data has been erased" in await lea.last_text()
        async with running.runtime.sessions() as session:
            assert await session.get(UserRow, lea.id) is None
        row = await block_row(running, lea.id)
        assert row is not None and row.reason == "" and row.blocked_by == boss.id
        # Coming back under the same account does not lift the block.
        await lea.send("/start")
        assert await lea.last_text() == SORRY["en"]
        async with running.runtime.sessions() as session:
            assert await session.get(UserRow, lea.id) is None
