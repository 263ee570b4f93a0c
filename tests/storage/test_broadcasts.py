"""Broadcasts in the database: audiences, the second outbox lane, cancelling, finishing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select, update

from mentoring.broadcast import Audience, Broadcasts, Condition, Target
from mentoring.errors import Stale, StaleReason
from mentoring.pairing import Notification
from storage.database import make_engine, make_sessionmaker
from storage.outbox import OutboxQueue
from storage.tables import OutboxRow, StudentProfileRow, UserRow, VolunteerProfileRow
from storage.uow import SqlUnitOfWork, uow_factory

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


async def seed(sessions, students: int, volunteers: list[tuple[int, int]],
               blocked: set[int] = frozenset()) -> None:
    """Students 1..n in Paris, waiting; volunteers (load, capacity) from 1001, in Lyon."""
    async with sessions() as session, session.begin():
        users = [{"id": i, "language": "fr", "role": "student", "blocked": i in blocked,
                  "created_at": NOW} for i in range(1, students + 1)]
        users += [{"id": 1000 + i, "language": "fr", "role": "volunteer", "blocked": False,
                   "created_at": NOW} for i in range(1, len(volunteers) + 1)]
        await session.execute(insert(UserRow), users)
        await session.execute(insert(StudentProfileRow), [
            {"user_id": i, "first_name": "S", "field": "law", "level": "licence_1",
             "department": "75", "needs": [], "languages": ["fr"], "availability": [],
             "goals": "", "completed_at": NOW, "waiting_since": NOW}
            for i in range(1, students + 1)])
        if not volunteers:
            return
        await session.execute(insert(VolunteerProfileRow), [
            {"user_id": 1000 + i, "first_name": "V", "profession": "p", "sector": "health",
             "field": "medicine", "help_families": ["business"], "department": "69",
             "remote": False, "skills": [], "languages": ["fr"], "capacity": capacity,
             "availability": [], "bio": "", "completed_at": NOW, "load": load}
            for i, (load, capacity) in enumerate(volunteers, start=1)])


async def test_audiences_lanes_cancel_and_finish(database_url) -> None:
    engine = make_engine(database_url)
    sessions = make_sessionmaker(engine)
    clock = [NOW]
    broadcasts = Broadcasts(uow_factory(sessions), lambda: clock[0])
    queue = OutboxQueue(sessions)
    try:
        await seed(sessions, 40, [(0, 1), (1, 1)], blocked={3})
        assert len(await broadcasts.recipients(Audience())) == 41
        assert await broadcasts.recipients(Audience(condition=Condition.ROOM)) == [1001]
        assert await broadcasts.recipients(
            Audience(Target.VOLUNTEERS, families=frozenset({"business"}))) == [1001, 1002]
        assert await broadcasts.recipients(
            Audience(regions=frozenset({"84"}), condition=Condition.WAITING)) == []

        everyone = await broadcasts.create(7, "<b>Hello</b>", Audience(Target.STUDENTS))
        assert (everyone.status.value, everyone.recipients) == ("sending", 39)
        # A check-in queued after the broadcast goes out first all the same.
        async with SqlUnitOfWork(sessions) as uow:
            await uow.outbox.add(Notification("checkin:1", 1001, "checkin_check_in",
                                              due_at=NOW + timedelta(seconds=1)), NOW)
            await uow.commit()
        claimed = await queue.claim(NOW + timedelta(seconds=2), 5)
        assert [row.kind for row in claimed] == ["checkin_check_in"] + ["broadcast"] * 4
        assert [row.recipient_id for row in claimed[1:]] == [1, 2, 4, 5]
        for row in claimed[1:3]:
            await queue.finish(row.id, "sent", NOW)
        await queue.finish(claimed[3].id, "blocked", NOW)

        running = await broadcasts.running()
        assert [(r.broadcast.id, r.progress.sent, r.progress.blocked, r.progress.left,
                 r.just_finished) for r in running] == [(everyone.id, 2, 1, 36, False)]

        broadcast, progress = await broadcasts.cancel(8, everyone.id)
        assert broadcast.status.value == "cancelled"
        # The one still in flight (claimed[4]) is left to the sender, which skips it.
        assert (progress.sent, progress.cancelled, progress.left) == (2, 35, 1)
        with pytest.raises(Stale) as again:
            await broadcasts.cancel(8, everyone.id)
        assert again.value.reason is StaleReason.FINISHED
        with pytest.raises(Stale) as unknown:
            await broadcasts.cancel(8, everyone.id + 100)
        assert unknown.value.reason is StaleReason.GONE
        assert (await broadcasts.get(everyone.id)).status.value == "cancelled"
        assert [row.kind for row in await queue.claim(NOW + timedelta(seconds=3), 50)] == []

        small = await broadcasts.create(7, "Hi", Audience(condition=Condition.ROOM))
        rows = await queue.claim(NOW + timedelta(seconds=3), 50)
        assert [(row.recipient_id, row.kind) for row in rows] == [(1001, "broadcast")]
        await queue.finish(rows[0].id, "sent", NOW)
        assert [r.just_finished for r in await broadcasts.running()] == [True]
        assert await broadcasts.running() == []  # reported once
        async with sessions() as session:
            keys = set(await session.scalars(select(OutboxRow.key).where(
                OutboxRow.broadcast_id == small.id)))
        assert keys == {f"broadcast:{small.id}:1001"}
    finally:
        await engine.dispose()


async def test_scheduled_broadcast_starts_once_and_counts_then(database_url) -> None:
    engine = make_engine(database_url)
    sessions = make_sessionmaker(engine)
    clock = [NOW]
    broadcasts = Broadcasts(uow_factory(sessions), lambda: clock[0])
    try:
        await seed(sessions, 3, [])
        later = NOW + timedelta(hours=1)
        scheduled = await broadcasts.create(7, "Soon", Audience(), later)
        assert scheduled.status.value == "scheduled"
        assert await broadcasts.start_due() == []
        async with sessions() as session, session.begin():  # someone leaves before
            await session.execute(update(UserRow).where(UserRow.id == 2).values(blocked=True))
        clock[0] = later
        first, second = Broadcasts(uow_factory(sessions), lambda: later), broadcasts
        started = await first.start_due()
        assert [(b.id, b.recipients) for b in started] == [(scheduled.id, 2)]
        assert await second.start_due() == []
        async with sessions() as session:
            recipients = sorted(await session.scalars(select(OutboxRow.recipient_id)))
        assert recipients == [1, 3]
    finally:
        await engine.dispose()
