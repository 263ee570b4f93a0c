"""The session-log tick on the real storage: two processes ticking at once ask each member
of an ended meeting once; meetings not confirmed, not over, or of an ended pair are left."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import func, select, update

from mentoring.quiet_hours import QuietHours
from mentoring.sessionlog import SessionLogs
from storage.database import make_engine, make_sessionmaker
from storage.tables import MeetingRow, OutboxRow, PairRow, SessionLogRow
from storage.uow import uow_factory
from tests.storage.test_keeping import START, Clock, make_pairs


async def add_meetings(sessions, pairs: list[int], **changes) -> None:
    async with sessions() as session:
        for pair_id in pairs:
            values = {"pair_id": pair_id, "kind": "call", "status": "confirmed",
                      "slots": [], "starts_at": START + timedelta(hours=1), "minutes": 60,
                      "timezone": "Europe/Paris", "sequence": 0, "created_at": START,
                      "updated_at": START, **changes}
            session.add(MeetingRow(**values))
        await session.commit()


async def test_two_ticks_at_once_ask_each_member_of_each_ended_meeting_once(
        database_url) -> None:
    await make_pairs(database_url, 6)
    engine = make_engine(database_url)
    sessions = make_sessionmaker(engine)
    try:
        async with sessions() as session:
            pairs = sorted(await session.scalars(select(PairRow.id)))
            await session.execute(update(PairRow).where(PairRow.id == pairs[5])
                                  .values(status="ended"))
            await session.commit()
        await add_meetings(sessions, pairs[:4])
        await add_meetings(sessions, pairs[4:5], status="proposed")
        await add_meetings(sessions, pairs[5:])  # of an ended pair
        await add_meetings(sessions, pairs[:1], starts_at=START + timedelta(hours=2))
        clock = Clock()
        logs = [SessionLogs(uow_factory(sessions), clock, QuietHours(), "Europe/Paris", [])
                for _ in range(2)]
        at = START + timedelta(hours=2, minutes=30)  # the later meeting is not over
        done = await asyncio.gather(logs[0].run_due(at), logs[1].run_due(at))
        assert 4 <= sum(done) <= 8 and await logs[0].run_due(at) == 0
        async with sessions() as session:
            entries = await session.scalar(select(func.count()).select_from(SessionLogRow))
            questions = list(await session.scalars(select(OutboxRow.key).where(
                OutboxRow.kind == "sessionlog_question")))
        assert entries == 8 and len(questions) == len(set(questions)) == 8
        assert await logs[1].run_due(at + timedelta(hours=1)) == 1
    finally:
        await engine.dispose()
