"""A bot process with the scheduler takes the leader lease and its sender delivers the outbox
on its own; a second process asking for the lease stays a follower. Among many contenders
whose leases expire and are taken over, never two leaders at once."""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import socket
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot import runner
from bot.app import build_bot, build_dispatcher, build_runtime
from mentoring.pairing import Notification
from scheduler import Leadership
from storage.database import make_engine, make_sessionmaker
from storage.leases import Lease
from storage.tables import LeaseRow
from storage.uow import SqlUnitOfWork
from tests.e2e.conftest import settings_for


async def test_the_leader_sends_the_outbox_and_others_follow(sandbox, client,
                                                                 database_url) -> None:
    user = await client.create_user(first_name="Léa", language_code="en")
    settings = settings_for(database_url)
    runtime = build_runtime(settings)
    bot = build_bot(settings, token=sandbox.token, api_url=sandbox.url)
    stop = asyncio.Event()
    serving = asyncio.create_task(
        runner._serve(runtime, bot, build_dispatcher(runtime), scheduler=True, stop=stop))
    # Another process, with its own connections: the serving one closes its own on stop.
    follower_engine = make_engine(database_url)
    follower = Leadership(Lease(make_sessionmaker(follower_engine), "scheduler",
                                "other-host:1", timedelta(seconds=60)).acquire)
    try:
        await user.send("/start")
        async with SqlUnitOfWork(runtime.sessions) as uow:
            await uow.outbox.add(Notification("hello:1", user.id, "student_waiting"),
                                 datetime.now(UTC))
            await uow.commit()
        for _ in range(100):
            if any("waiting list" in m["text"] for m in await user.bot_messages()):
                break
            await asyncio.sleep(0.1)
        async with runtime.sessions() as session:
            holder = await session.scalar(select(LeaseRow.holder))
        assert holder == f"{socket.gethostname()}:{os.getpid()}"  # the serving process
        assert not await follower.renew()  # a second process would stay a follower
        sent = [m for m in await user.bot_messages() if "waiting list" in m["text"]]
        assert len(sent) == 1
        stop.set()
        await asyncio.wait_for(serving, 10)
        # The stopped leader released its lease: the follower leads at once, not a minute
        # later.
        assert await follower.renew()
    finally:
        stop.set()
        with contextlib.suppress(asyncio.CancelledError):
            await serving
        await follower_engine.dispose()


NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


async def test_never_two_leaders_among_contenders_taking_over(database_url) -> None:
    """Six processes ask for the lease at random moments, some crash (they stop renewing
    and their lease runs out), some come back, a leader sometimes stops and releases it.
    A process that was granted the lease believes it leads until the lease's end; at every
    step at most one process may believe so, and it is the one the table names."""
    engine = make_engine(database_url)
    sessions = make_sessionmaker(engine)
    length = timedelta(seconds=60)
    contenders = [Lease(sessions, "scheduler", f"host-{n}:{100 + n}", length)
                  for n in range(6)]
    alive = set(range(len(contenders)))
    leads_until: dict[int, datetime] = {}  # what each process believes
    rng = random.Random(20261126)
    now, seen = NOW, []
    try:
        for step in range(150):
            now += timedelta(seconds=rng.choice((5, 10, 20, 30, 45)))
            for n in list(alive):
                if rng.random() < 0.08:  # crash: a dead process believes nothing
                    alive.discard(n)
                    leads_until.pop(n, None)
            for n in set(range(len(contenders))) - alive:
                if rng.random() < 0.3:
                    alive.add(n)
            leader = next((n for n, until in leads_until.items() if until > now), None)
            if leader is not None and rng.random() < 0.05:  # a clean stop
                await contenders[leader].release()
                leads_until.pop(leader)
            asking = [n for n in sorted(alive) if rng.random() < 0.7]
            granted = await asyncio.gather(*(contenders[n].acquire(now) for n in asking))
            for n, held in zip(asking, granted, strict=True):
                if held:
                    leads_until[n] = now + length
                else:
                    leads_until.pop(n, None)
            believers = [n for n, until in leads_until.items() if until > now]
            assert len(believers) <= 1, f"step {step}: {believers} all believe they lead"
            async with sessions() as session:
                row = await session.get(LeaseRow, "scheduler")
            if believers:
                assert row is not None and row.holder == contenders[believers[0]].holder
                assert row.expires_at > now
            seen.append(believers[0] if believers else None)
    finally:
        await engine.dispose()
    assert len({n for n in seen if n is not None}) >= 4  # leases were taken over, often
    assert seen.count(None) < len(seen) / 4  # and someone led most of the time
