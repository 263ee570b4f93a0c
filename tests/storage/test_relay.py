"""The relay's records: counts by pair and direction, the relay lane first, the purge."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select

from mentoring.relay import Delivered, Mapped, RelayService
from storage.database import make_engine, make_sessionmaker
from storage.outbox import OutboxQueue
from storage.relay import SqlRelay, active_members
from storage.tables import OutboxRow, PairRow, RelayChoiceRow, RelayMessageRow, UserRow

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
LEA, ZOE, MARC = 1, 2, 1001


async def setup(database_url: str):
    engine = make_engine(database_url)
    sessions = make_sessionmaker(engine)
    async with sessions() as session, session.begin():
        await session.execute(insert(UserRow), [
            {"id": i, "language": "fr", "blocked": False, "created_at": NOW}
            for i in (LEA, ZOE, MARC)])
        await session.execute(insert(PairRow), [
            {"id": 1, "student_id": LEA, "volunteer_id": MARC, "status": "active",
             "started_at": NOW},
            {"id": 2, "student_id": ZOE, "volunteer_id": MARC, "status": "active",
             "started_at": NOW}])
    return engine, sessions


def sent(pair: int, sender: int, recipient: int, at: datetime, n: int) -> Delivered:
    return Delivered(pair, sender, recipient, "text", at, 100 + n, 200 + n)


async def test_counts_by_pair_and_direction_between_two_moments(database_url) -> None:
    engine, sessions = await setup(database_url)
    relay = SqlRelay(sessions)
    try:
        for n, (pair, sender, recipient, hours) in enumerate([
                (1, LEA, MARC, 0), (1, LEA, MARC, 1), (1, MARC, LEA, 2), (2, ZOE, MARC, 3),
                (1, LEA, MARC, 48)]):
            await relay.record(sent(pair, sender, recipient, NOW + timedelta(hours=hours), n))
        until = NOW + timedelta(days=1)
        assert await relay.counts(1, NOW, until) == {(LEA, MARC): 2, (MARC, LEA): 1}
        assert await relay.counts(1, NOW + timedelta(hours=1), until) == {
            (LEA, MARC): 1, (MARC, LEA): 1}
        assert await relay.counts_by_pair(NOW, until) == {
            1: {(LEA, MARC): 2, (MARC, LEA): 1}, 2: {(ZOE, MARC): 1}}
        # Seen from either chat, a message maps to the same message on the other side.
        assert await relay.replied(MARC, 200) == Mapped(1, LEA, 100)
        assert await relay.replied(LEA, 100) == Mapped(1, MARC, 200)
        assert await relay.replied(ZOE, 200) is None
    finally:
        await engine.dispose()


async def test_purge_after_30_days_and_when_the_pair_ends(database_url) -> None:
    engine, sessions = await setup(database_url)
    relay = SqlRelay(sessions)
    try:
        await relay.record(sent(1, LEA, MARC, NOW, 1))
        await relay.record(sent(1, LEA, MARC, NOW + timedelta(days=10), 2))
        await relay.record(sent(2, ZOE, MARC, NOW + timedelta(days=10), 3))
        await relay.choose(MARC, 2, NOW)
        assert await relay.purge(NOW + timedelta(days=30)) == 0
        assert await relay.purge(NOW + timedelta(days=30, seconds=1)) == 1
        async with sessions() as session, session.begin():
            pair = await session.get(PairRow, 2)
            assert pair is not None
            pair.status = "ended"
        assert await relay.purge(NOW + timedelta(days=31)) == 1
        async with sessions() as session:
            left = list(await session.scalars(select(RelayMessageRow.pair_id)))
            choices = list(await session.scalars(select(RelayChoiceRow.volunteer_id)))
        assert (left, choices) == ([1], [])
        assert [m.pair_id for m in await active_members(sessions, MARC)] == [1]
    finally:
        await engine.dispose()


async def test_relayed_messages_are_claimed_before_direct_ones_and_broadcasts(
        database_url) -> None:
    engine, sessions = await setup(database_url)
    try:
        async with sessions() as session, session.begin():
            await session.execute(insert(OutboxRow), [
                {"key": f"k{lane}", "recipient_id": MARC, "kind": "x", "params": {},
                 "status": "pending", "due_at": NOW - timedelta(minutes=5 - lane),
                 "attempts": 0, "created_at": NOW, "lane": lane} for lane in (1, 0)])
        await SqlRelay(sessions).enqueue("relay:1:5", MARC, "relay", {"body": "hi"}, NOW)
        assert not await SqlRelay(sessions).enqueue("relay:1:5", MARC, "relay", {}, NOW)
        claimed = await OutboxQueue(sessions).claim(NOW, 3)
        assert [row.kind for row in claimed] == ["relay", "x", "x"]
        assert [row.params for row in claimed][1:] == [{}, {}]
        assert [row.id for row in claimed][1:] == sorted(row.id for row in claimed[1:])[::-1]
    finally:
        await engine.dispose()


async def test_a_sender_is_told_once_a_minute_even_across_a_clock_minute(database_url) -> None:
    engine, sessions = await setup(database_url)
    now = [NOW - timedelta(seconds=1)]
    try:
        service = RelayService(SqlRelay(sessions), None, lambda: now[0],  # type: ignore[arg-type]
                               staff=_no_staff)
        for seconds in (0, 2, 30):  # 11:59:59, 12:00:01, 12:00:29: one notice
            now[0] = NOW - timedelta(seconds=1) + timedelta(seconds=seconds)
            await service.notice(LEA, "blocked", about=MARC, pair_id=1)
        now[0] = NOW + timedelta(seconds=61)  # more than a minute after the first
        await service.notice(LEA, "blocked", about=MARC, pair_id=1)
        await service.notice(LEA, "refused")  # another reason is told on its own
        async with sessions() as session:
            reasons = [row.params["reason"] for row in await session.scalars(
                select(OutboxRow).where(OutboxRow.kind == "relay_notice")
                .order_by(OutboxRow.id))]
        assert reasons == ["blocked", "blocked", "refused"]
    finally:
        await engine.dispose()


async def _no_staff() -> list[int]:
    return []
