"""Callback data comes from the client and can be forged: a button's data must never let
anyone act on a proposal, a pair or a broadcast that is not theirs to act on."""

from __future__ import annotations

from sqlalchemy import select

from handlers.callbacks import (
    BroadcastCancel,
    BroadcastPick,
    ProposalAnswer,
    Rating,
    RiskAction,
)
from mentoring.broadcast import Audience
from storage.tables import AuditRow, BroadcastRow, PairRow, ProposalRow
from tests.e2e.conftest import staffed
from tests.e2e.test_matching import sign_up_student, sign_up_volunteer

STAFF_ONLY = "This button is for the programme staff."


async def test_forged_buttons_change_nothing(make_binome, client) -> None:
    async with staffed(make_binome, client) as (running, boss):
        marc = await client.create_user(first_name="Marc", language_code="en")
        await sign_up_volunteer(marc)
        nina = await client.create_user(first_name="Nina", language_code="en")
        await sign_up_volunteer(nina, place=[("send", "75011")])
        lea = await client.create_user(first_name="Léa", language_code="en")
        await sign_up_student(lea)
        await running.drain()
        async with running.runtime.sessions() as session:
            proposal = (await session.scalars(select(ProposalRow))).one()
        owner, other = (marc, nina) if proposal.volunteer_id == marc.id else (nina, marc)
        on = (await other.last_bot_message())["message_id"]  # any message of their own chat

        # Another volunteer accepts, declines or pauses someone else's proposal.
        for action, value in (("accept", ""), ("reason", "none"), ("not_now", "")):
            answer = await other.forge_callback(
                ProposalAnswer(id=proposal.id, action=action, value=value).pack(), on)
            assert answer["answer"]["text"] == "This button is no longer active."
        async with running.runtime.sessions() as session:
            assert (await session.get(ProposalRow, proposal.id)).status == "open"

        await owner.press("✅ Accept")
        await running.drain()
        async with running.runtime.sessions() as session:
            pair = (await session.scalars(select(PairRow))).one()

        # Someone outside the pair rates it; non-staff press the staff's buttons.
        answer = await other.forge_callback(Rating(pair=pair.id, value=1).pack(), on)
        assert answer["answer"]["text"] == "This button is no longer active."
        scheduled = await running.runtime.broadcasts.create(
            boss.id, "Soon", Audience(), running.clock().replace(year=2099))
        for forger in (lea, other):
            mine = (await forger.last_bot_message())["message_id"]
            for data in (RiskAction(pair=pair.id, action="end").pack(),
                         BroadcastCancel(id=scheduled.id).pack(),
                         BroadcastPick(action="confirm").pack()):
                answer = await forger.forge_callback(data, mine)
                assert answer["answer"]["text"] == STAFF_ONLY, data
        async with running.runtime.sessions() as session:
            assert (await session.get(PairRow, pair.id)).status == "active"
            assert (await session.get(BroadcastRow, scheduled.id)).status == "scheduled"
            refused = [row.actor_id for row in await session.scalars(
                select(AuditRow).where(AuditRow.action == "refused"))]
        assert sorted(refused) == sorted([lea.id] * 3 + [other.id] * 3)

        # Staff out of the composer: a stale press, not a broadcast.
        answer = await boss.forge_callback(BroadcastPick(action="confirm").pack(),
                                           (await boss.last_bot_message())["message_id"])
        assert answer["answer"]["text"] == "This button is no longer active."
        async with running.runtime.sessions() as session:
            assert len(list(await session.scalars(select(BroadcastRow)))) == 1
