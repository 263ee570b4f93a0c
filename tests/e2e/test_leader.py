"""A bot process with the scheduler takes the leader lease and its sender delivers the outbox
on its own; a second process asking for the lease stays a follower."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot import runner
from bot.app import build_bot, build_dispatcher, build_runtime
from mentoring.pairing import Notification
from scheduler import Leadership
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
    serving = asyncio.create_task(
        runner._serve(runtime, bot, build_dispatcher(runtime), scheduler=True))
    follower = Leadership(Lease(runtime.sessions, "scheduler", "other-host:1",
                                timedelta(seconds=60)).acquire)
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
            holders = list(await session.scalars(select(LeaseRow.holder)))
        assert len(holders) == 1
        assert not await follower.renew()  # a second process would stay a follower
        sent = [m for m in await user.bot_messages() if "waiting list" in m["text"]]
        assert len(sent) == 1
    finally:
        serving.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await serving
