"""The follow-up tick on the real storage: two processes ticking at once, or a tick that dies
before committing, still queue every due step exactly once."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from mentoring.keeping_in_touch import KeepingInTouch, KeepingPolicy
from mentoring.matchmaking import Answer, Matchmaker
from storage.database import make_engine, make_sessionmaker
from storage.tables import FollowUpRow, OutboxRow, ProposalRow
from storage.uow import uow_factory
from tests.storage.test_matchmaking import STUDENT, VOLUNTEER, add_people

START = datetime(2026, 9, 7, 8, 0, tzinfo=UTC)  # a Monday, 10:00 in Paris


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


async def make_pairs(database_url: str, count: int) -> None:
    engine = make_engine(database_url)
    sessions = make_sessionmaker(engine)
    people = []
    for n in range(count):
        people += [replace(STUDENT, user_id=1000 + n), replace(VOLUNTEER, user_id=2000 + n)]
    await add_people(sessions, *people)
    matchmaker = Matchmaker(uow_factory(sessions), Clock())
    for n in range(count):
        await matchmaker.student_ready(1000 + n)
    async with sessions() as session:
        proposals = list(await session.scalars(select(ProposalRow)))
    for proposal in proposals:
        await matchmaker.answer(proposal.id, proposal.volunteer_id, Answer.ACCEPT)
    await engine.dispose()


def keeper(database_url: str, clock: Clock):
    engine = make_engine(database_url)
    return engine, KeepingInTouch(uow_factory(make_sessionmaker(engine)), clock,
                                  KeepingPolicy(), staff_ids=())


async def counts(database_url: str) -> tuple[int, int, list[int]]:
    engine = make_engine(database_url)
    async with make_sessionmaker(engine)() as session:
        rows = await session.scalar(select(func.count()).select_from(OutboxRow).where(
            OutboxRow.kind.like("checkin%")))
        keys = await session.scalar(select(func.count(func.distinct(OutboxRow.key))).where(
            OutboxRow.kind.like("checkin%")))
        sequences = list(await session.scalars(select(FollowUpRow.sequence)))
    await engine.dispose()
    return int(rows or 0), int(keys or 0), sequences


async def test_two_processes_ticking_at_once_queue_each_step_once(database_url) -> None:
    await make_pairs(database_url, 12)
    clock = Clock()
    clock.now = START + timedelta(days=3, hours=1)
    (engine_a, a), (engine_b, b) = keeper(database_url, clock), keeper(database_url, clock)
    try:
        sent = await asyncio.gather(a.run_due(clock.now), b.run_due(clock.now))
        assert sum(sent) == 12  # between them, each pair's step once
        assert await a.run_due(clock.now) == 0
    finally:
        await engine_a.dispose()
        await engine_b.dispose()
    rows, keys, sequences = await counts(database_url)
    assert rows == keys == 24 and sequences == [1] * 12


async def test_a_tick_that_dies_before_committing_is_redone_once(database_url,
                                                                 monkeypatch) -> None:
    from storage.matching import SqlOutbox

    await make_pairs(database_url, 5)
    clock = Clock()
    clock.now = START + timedelta(days=3, hours=1)
    engine, keeping = keeper(database_url, clock)
    real = SqlOutbox.add_many

    async def dies(self, notifications, now):
        await real(self, notifications, now)
        raise RuntimeError("killed between deciding and committing")

    try:
        monkeypatch.setattr(SqlOutbox, "add_many", dies)
        with pytest.raises(RuntimeError):
            await keeping.run_due(clock.now)
        assert await counts(database_url) == (0, 0, [0] * 5)
        monkeypatch.setattr(SqlOutbox, "add_many", real)
        assert await keeping.run_due(clock.now) == 5
        assert await keeping.run_due(clock.now) == 0
    finally:
        await engine.dispose()
    assert await counts(database_url) == (10, 10, [1] * 5)
