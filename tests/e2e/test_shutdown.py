"""``binome run`` stops cleanly on SIGTERM in the middle of an outbox drain: it exits with 0
within 10 s, leaves no row claimed, and the next process delivers the rest exactly once."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from mentoring.pairing import Notification
from storage.database import make_engine, make_sessionmaker
from storage.tables import OutboxRow
from storage.uow import SqlUnitOfWork
from tests.e2e.test_process import polling, say

pytestmark = pytest.mark.slow

USERS = 24
SEND_RATE = 4  # six seconds of drain: time to stop the process in the middle of it


async def start_leader(sandbox, database_url: str, tmp_path: Path) -> asyncio.subprocess.Process:
    """``binome run`` with the scheduler: it takes the lease and its sender drains."""
    env = {**os.environ, "BOT_TOKEN": sandbox.token, "TELEGRAM_API_URL": sandbox.url,
           "DATABASE_URL": database_url, "REDIS_URL": "", "LOG_LEVEL": "INFO",
           "SEND_RATE": str(SEND_RATE)}
    log = (tmp_path / "bot.log").open("ab")
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=env, cwd=tmp_path, stdout=log, stderr=log)


async def outbox(sessions) -> list[tuple[int, str, int]]:
    async with sessions() as session:
        rows = await session.execute(
            select(OutboxRow.recipient_id, OutboxRow.status, OutboxRow.attempts)
            .where(OutboxRow.kind == "student_waiting"))
        return [(recipient, status, attempts) for recipient, status, attempts in rows.all()]


async def until(condition, seconds: float, what: str) -> None:
    for _ in range(int(seconds * 10)):
        if await condition():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{what} within {seconds}s")


async def test_sigterm_in_the_middle_of_a_drain(sandbox, client, empty_database_url,
                                                tmp_path) -> None:
    process = await start_leader(sandbox, empty_database_url, tmp_path)
    engine = make_engine(empty_database_url)
    sessions = make_sessionmaker(engine)
    try:
        await polling(client)
        users = [await client.create_user(first_name=f"U{n}", language_code="en")
                 for n in range(USERS)]
        for user in users:
            await say(user, "/start", expect=2)
        async with SqlUnitOfWork(sessions) as uow:
            now = datetime.now(UTC)
            for user in users:
                await uow.outbox.add(Notification(f"waiting:{user.id}", user.id,
                                                  "student_waiting"), now)
            await uow.commit()

        async def some_sent() -> bool:
            return sum(status == "sent" for _, status, _ in await outbox(sessions)) >= 5

        await until(some_sent, 30, "the leader did not start sending")
        process.send_signal(signal.SIGTERM)
        asked = time.monotonic()
        await asyncio.wait_for(process.wait(), 15)
        took = time.monotonic() - asked
        assert process.returncode == 0
        assert took < 10, f"stopped in {took:.1f}s"
        assert b"Traceback" not in (tmp_path / "bot.log").read_bytes()

        rows = await outbox(sessions)
        statuses = Counter(status for _, status, _ in rows)
        assert "sending" not in statuses, statuses
        assert 5 <= statuses["sent"] < USERS, statuses  # stopped in the middle
        # Rows given back were not tried: the claim did not count as an attempt.
        assert {attempts for _, status, attempts in rows if status == "pending"} == {0}

        process = await start_leader(sandbox, empty_database_url, tmp_path)

        async def all_sent() -> bool:
            return [status for _, status, _ in await outbox(sessions)] == ["sent"] * USERS

        await until(all_sent, 60, "the next process did not deliver the rest")
        for user in users:
            texts = Counter(m["text"] for m in await user.bot_messages())
            assert sum(n for text, n in texts.items() if "waiting list" in text) == 1, texts
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 15)
        assert process.returncode == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        await engine.dispose()


async def test_ctrl_c_stops_it_the_same_way(sandbox, client, empty_database_url,
                                            tmp_path) -> None:
    process = await start_leader(sandbox, empty_database_url, tmp_path)
    try:
        await polling(client)
        process.send_signal(signal.SIGINT)
        await asyncio.wait_for(process.wait(), 15)  # as for SIGTERM; a loaded machine is slow
        assert process.returncode == 0
        assert b"Traceback" not in (tmp_path / "bot.log").read_bytes()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
