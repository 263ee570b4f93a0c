"""One process leads the scheduler; another takes over once the leader's lease runs out."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from storage.database import make_engine, make_sessionmaker
from storage.leases import Lease
from storage.tables import LeaseRow

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


async def test_one_holder_at_a_time_and_takeover_after_expiry(database_url) -> None:
    engine = make_engine(database_url)
    sessions = make_sessionmaker(engine)
    first = Lease(sessions, "scheduler", "host-a:1", timedelta(seconds=60))
    second = Lease(sessions, "scheduler", "host-b:2", timedelta(seconds=60))
    try:
        results = await asyncio.gather(first.acquire(NOW), second.acquire(NOW))
        assert sorted(results) == [False, True]  # both raced to create it: one won
        leader, other = (first, second) if results[0] else (second, first)
        assert await leader.acquire(NOW + timedelta(seconds=20))  # renewals keep it
        assert not await other.acquire(NOW + timedelta(seconds=70))
        # The leader dies: no renewal; its lease (renewed at +20 s) ends at +80 s.
        assert await other.acquire(NOW + timedelta(seconds=81))
        assert not await leader.acquire(NOW + timedelta(seconds=82))
        await other.release()
        assert await leader.acquire(NOW + timedelta(seconds=83))
    finally:
        await engine.dispose()


async def test_with_the_database_clock_a_host_whose_clock_runs_ahead_cannot_take_over(
        database_url) -> None:
    """Both processes pass their own idea of now; the lease trusts only the database's."""
    engine = make_engine(database_url)
    sessions = make_sessionmaker(engine)
    leader = Lease(sessions, "scheduler", "host-a:1", timedelta(seconds=60),
                   database_clock=True)
    ahead = Lease(sessions, "scheduler", "host-b:2", timedelta(seconds=60),
                  database_clock=True)
    try:
        assert await leader.acquire(datetime.now(UTC))
        # host-b's clock says an hour later: by its own clock the lease ran out long ago.
        assert not await ahead.acquire(datetime.now(UTC) + timedelta(hours=1))
        assert await leader.acquire(datetime.now(UTC) - timedelta(hours=1))  # still renews
        async with sessions() as session:
            expires = await session.scalar(select(LeaseRow.expires_at))
        # Stamped with the database's time, whatever the hosts passed.
        assert abs(expires - (datetime.now(UTC) + timedelta(seconds=60))) < timedelta(seconds=10)
        await leader.release()
        assert await ahead.acquire(datetime.now(UTC) + timedelta(hours=1))
    finally:
        await engine.dispose()
