"""The tick reads relayed messages in its own transaction: a pair who wrote both ways through
the bot since the last check-in gets a check-in saying so, never a silence nudge."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from mentoring.relay import Delivered
from storage.database import make_engine, make_sessionmaker
from storage.relay import SqlRelay
from storage.tables import FollowUpRow, OutboxRow, PairRow
from tests.storage.test_keeping import Clock, keeper, make_pairs


async def next_due(database_url: str):
    engine = make_engine(database_url)
    async with make_sessionmaker(engine)() as session:
        found = await session.scalar(select(func.min(FollowUpRow.next_due_at)))
    await engine.dispose()
    return found


async def test_two_way_relay_replaces_the_nudge_one_way_does_not(database_url) -> None:
    await make_pairs(database_url, 3)
    clock = Clock()
    engine, keeping = keeper(database_url, clock)
    sessions = make_sessionmaker(engine)
    try:
        # First exchange, asked again, then the first regular check-in.
        for _ in range(3):
            clock.now = await next_due(database_url)
            assert await keeping.run_due(clock.now) == 3
        async with sessions() as session:
            pairs = (await session.execute(select(
                PairRow.id, PairRow.student_id, PairRow.volunteer_id)
                .order_by(PairRow.id))).all()
        (talking, s1, v1), (one_way, s2, v2), (quiet, _s3, _v3) = pairs
        relay = SqlRelay(sessions)
        written = clock.now + timedelta(days=2)
        for n, (pair, sender, recipient) in enumerate(
                [(talking, s1, v1)] * 5 + [(talking, v1, s1)] * 4 + [(one_way, s2, v2)] * 6):
            await relay.record(Delivered(pair, sender, recipient, "text",
                                         written + timedelta(minutes=n), 100 + n, 200 + n))
        # Messages before the period began do not count for it.
        await relay.record(Delivered(quiet, _v3, _s3, "text", clock.now - timedelta(days=1),
                                     900, 901))
        clock.now = await next_due(database_url)
        assert await keeping.run_due(clock.now) == 3
        async with sessions() as session:
            rows = (await session.execute(
                select(OutboxRow.params, OutboxRow.kind).where(OutboxRow.key.like("checkin:%:4:%"))
            )).all()
    finally:
        await engine.dispose()
    kinds = {params["pair_id"]: kind for params, kind in rows}
    assert kinds == {talking: "checkin_check_in", one_way: "checkin_nudge",
                     quiet: "checkin_nudge"}
    relayed = {params["pair_id"]: params.get("relayed") for params, _kind in rows}
    assert relayed == {talking: 9, one_way: None, quiet: None}
