"""Callback data comes from the client and can be forged: a button's data must never let
anyone act on a proposal, a pair or a broadcast that is not theirs to act on."""

from __future__ import annotations

from sqlalchemy import func, select

from handlers.callbacks import (
    BroadcastCancel,
    BroadcastPick,
    CheckInAnswer,
    CloseReport,
    ContinueAnswer,
    EndAnswer,
    NewMatch,
    ProposalAnswer,
    Rating,
    RiskAction,
)
from mentoring.broadcast import Audience
from storage.tables import (
    AuditRow,
    BroadcastRow,
    ExchangeRow,
    FeedbackRow,
    FollowUpRow,
    OutboxRow,
    PairRow,
    ProposalRow,
    ReportRow,
    VolunteerProfileRow,
)
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


# --- every button that names a pair, proposal, report or broadcast -----------------------

STALE = "This button is no longer active."
NOBODY = 999_999  # an id nothing has


async def count(session, row) -> int:
    return int(await session.scalar(select(func.count()).select_from(row)))


async def snapshot(running) -> dict[str, object]:
    """Everything a press could change: if this is equal before and after, nothing did."""
    async with running.runtime.sessions() as session:
        return {
            "pairs": sorted((p.id, p.status, p.ended_by) for p in
                            await session.scalars(select(PairRow))),
            "proposals": sorted((p.id, p.status) for p in
                                await session.scalars(select(ProposalRow))),
            "clocks": sorted((f.pair_id, f.frozen, f.ended, f.next_due_at, f.silent_periods)
                             for f in await session.scalars(select(FollowUpRow))),
            "volunteers": sorted((v.user_id, v.load, v.paused_until) for v in
                                 await session.scalars(select(VolunteerProfileRow))),
            "reports": sorted((r.id, r.closed_at) for r in
                              await session.scalars(select(ReportRow))),
            "broadcasts": sorted((b.id, b.status) for b in
                                 await session.scalars(select(BroadcastRow))),
            "outbox": await count(session, OutboxRow),
            "feedback": await count(session, FeedbackRow),
            "exchanges": await count(session, ExchangeRow),
        }


async def pair_of(running, student, volunteer) -> int:
    async with running.runtime.sessions() as session:
        return (await session.scalars(select(PairRow.id).where(
            PairRow.student_id == student.id, PairRow.volunteer_id == volunteer.id))).one()


async def proposal_of(running, student, volunteer) -> int:
    async with running.runtime.sessions() as session:
        return (await session.scalars(select(ProposalRow.id).where(
            ProposalRow.student_id == student.id,
            ProposalRow.volunteer_id == volunteer.id))).one()


async def three_pairs(running, client):
    """Léa was paired with Marc (ended, rated) and now is with Nina; Zoé is with Marc.
    Only labels are pressed, so this runs whatever the buttons' data look like."""
    marc = await client.create_user(first_name="Marc", language_code="en")
    await sign_up_volunteer(marc)
    lea = await client.create_user(first_name="Léa", language_code="en")
    await sign_up_student(lea)
    await running.drain()
    await marc.press("✅ Accept")
    zoe = await client.create_user(first_name="Zoé", language_code="en")
    await sign_up_student(zoe)
    await running.drain()
    await marc.press("✅ Accept")
    nina = await client.create_user(first_name="Nina", language_code="en")
    await sign_up_volunteer(nina)
    await lea.send("/end")
    await lea.press("Yes, end it")
    await lea.press("⭐⭐⭐⭐")
    await lea.send("/skip")
    await lea.press("Yes, find me a new mentor")
    await running.drain()
    await nina.press("✅ Accept")
    await running.drain()
    return lea, marc, nina, zoe


async def test_continue_answers_act_on_the_presser_s_current_pair_only(make_binome,
                                                                      client) -> None:
    async with staffed(make_binome, client) as (running, _boss):
        lea, marc, nina, zoe = await three_pairs(running, client)
        old, current = await pair_of(running, lea, marc), await pair_of(running, lea, nina)
        others = await pair_of(running, zoe, marc)
        on = (await lea.last_bot_message())["message_id"]
        before = await snapshot(running)
        for pair in (others, NOBODY, old):
            for answer in ("no", "yes"):
                reply = await lea.forge_callback(ContinueAnswer(pair=pair, answer=answer).pack(),
                                                 on)
                assert await snapshot(running) == before, (pair, answer)
                assert reply["answer"]["text"] == STALE, (pair, answer)

        # Her own current pair: "no" asks first, since ending can't be undone.
        on = (await lea.last_bot_message())["message_id"]
        await lea.forge_callback(ContinueAnswer(pair=current, answer="no").pack(), on)
        assert await lea.last_text() == ("Do you really want to end your binôme? Your contact "
                                         "will be told.")
        assert await snapshot(running) == before
        await lea.press("No, keep going")
        assert await lea.last_text() == "Good: your binôme goes on."
        assert await snapshot(running) == before


async def rate_once(user, pair: int, on: int) -> None:
    reply = await user.forge_callback(Rating(pair=pair, value=5).pack(), on)
    assert reply["answer"]["text"] == "Thank you!"
    await user.send("/skip")
    reply = await user.forge_callback(Rating(pair=pair, value=1).pack(), on)
    assert reply["answer"]["text"] == STALE


async def test_forged_or_old_pair_buttons_change_nothing(make_binome, client) -> None:
    async with staffed(make_binome, client) as (running, _boss):
        lea, marc, nina, zoe = await three_pairs(running, client)
        old, current = await pair_of(running, lea, marc), await pair_of(running, lea, nina)
        others = await pair_of(running, zoe, marc)
        on = (await lea.last_bot_message())["message_id"]
        before = await snapshot(running)
        # ``old`` was Léa's and ended; she rated it already, once is all.
        for pair in (others, NOBODY, old):
            for data in (CheckInAnswer(pair=pair, answer="problem"),
                         CheckInAnswer(pair=pair, answer="yes"),
                         EndAnswer(pair=pair, answer="yes"), EndAnswer(pair=pair, answer="no"),
                         NewMatch(answer="switch", pair=pair),
                         NewMatch(answer="keep", pair=pair),
                         Rating(pair=pair, value=1)):
                reply = await lea.forge_callback(data.pack(), on)
                assert reply["answer"]["text"] == STALE, data
        # An answer that no button has, on her own pair.
        reply = await lea.forge_callback(CheckInAnswer(pair=current, answer="maybe").pack(), on)
        assert reply["answer"]["text"] == STALE
        assert await snapshot(running) == before

        # The buttons themselves still work on her current pair. A rating counts once
        # while the pair lasts (asked at six months) and once after it ended.
        await lea.forge_callback(CheckInAnswer(pair=current, answer="yes").pack(), on)
        assert await lea.last_text() == "Great, thank you! Keep it up."
        await rate_once(lea, current, on)
        reply = await lea.forge_callback(EndAnswer(pair=current, answer="yes").pack(), on)
        assert reply["answer"]["text"] != STALE
        await rate_once(lea, current, on)
        async with running.runtime.sessions() as session:
            assert (await session.get(PairRow, current)).status == "ended"
            assert (await session.get(PairRow, others)).status == "active"
            assert [f.rating for f in await session.scalars(
                select(FeedbackRow).where(FeedbackRow.pair_id == current))] == [5, 5]

        # After a long silence Zoé may keep her mentor or change, for her own pair.
        mine = (await zoe.last_bot_message())["message_id"]
        await zoe.forge_callback(NewMatch(answer="keep", pair=others).pack(), mine)
        assert (await zoe.last_text()).startswith("Great, keep going!")
        await zoe.forge_callback(NewMatch(answer="switch", pair=others).pack(), mine)
        async with running.runtime.sessions() as session:
            assert (await session.get(PairRow, others)).ended_by == zoe.id


async def test_forged_or_old_proposal_buttons_change_nothing(make_binome, client) -> None:
    async with staffed(make_binome, client) as (running, _boss):
        lea, marc, nina, zoe = await three_pairs(running, client)
        marcs = await proposal_of(running, zoe, marc)
        accepted = await proposal_of(running, lea, nina)
        on = (await nina.last_bot_message())["message_id"]
        before = await snapshot(running)
        for proposal, expected in ((marcs, STALE), (NOBODY, STALE),
                                   (accepted, "You have already answered this proposal.")):
            for action, value in (("accept", ""), ("decline", ""), ("reason", "none"),
                                  ("not_now", "")):
                reply = await nina.forge_callback(
                    ProposalAnswer(id=proposal, action=action, value=value).pack(), on)
                assert reply["answer"]["text"] == expected, (proposal, action)
        assert await snapshot(running) == before
        assert (await nina.last_bot_message())["message_id"] == on


async def test_forged_or_old_staff_buttons_change_nothing(make_binome, client) -> None:
    async with staffed(make_binome, client) as (running, boss):
        lea, marc, nina, _zoe = await three_pairs(running, client)
        old, current = await pair_of(running, lea, marc), await pair_of(running, lea, nina)
        await lea.send("/report")
        await lea.send("Nina ne répond plus.")
        await running.drain()
        report = (await running.runtime.care.open_reports())[0][0]
        scheduled = await running.runtime.broadcasts.create(
            boss.id, "Soon", Audience(), running.clock().replace(year=2099))
        on = (await boss.last_bot_message())["message_id"]
        # Someone else's report is closed by a student: refused like any staff button.
        reply = await lea.forge_callback(CloseReport(report=report).pack(),
                                         (await lea.last_bot_message())["message_id"])
        assert reply["answer"]["text"] == STAFF_ONLY
        await boss.forge_callback(CloseReport(report=report).pack(), on)
        await boss.forge_callback(BroadcastCancel(id=scheduled.id).pack(), on)
        before = await snapshot(running)
        for data, expected in (
                (RiskAction(pair=NOBODY, action="end"), STALE),
                (RiskAction(pair=current, action="explode"), STALE),
                (RiskAction(pair=old, action="rematch"), "This pair has already ended."),
                (CloseReport(report=NOBODY), STALE),
                (CloseReport(report=report), "This report was already closed."),
                (BroadcastCancel(id=NOBODY), STALE),
                (BroadcastCancel(id=scheduled.id),
                 "This broadcast has already finished or been cancelled.")):
            reply = await boss.forge_callback(data.pack(), on)
            assert reply["answer"]["text"] == expected, data
        assert await snapshot(running) == before
