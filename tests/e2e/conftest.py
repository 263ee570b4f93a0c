"""End to end: the real Dispatcher and its real HTTP session, against the sandbox on
127.0.0.1, driven as users would drive it."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pytest
from aiogram import Bot, Dispatcher

from bot.app import (
    Runtime,
    build_bot,
    build_dispatcher,
    build_progress,
    build_runtime,
    build_sender,
    tick_jobs,
)
from bot.config import Settings
from mentoring.signup import now_utc
from sandbox.client import SandboxClient
from sandbox.server import start_sandbox


class MovableClock:
    """Real time, until a test sets ``at`` to replay programme time."""

    def __init__(self) -> None:
        self.at: datetime | None = None

    def __call__(self) -> datetime:
        return self.at or now_utc()


@dataclass
class Binome:
    """The bot under test, which can be stopped and started again like a process."""

    settings: Settings
    sandbox_url: str
    token: str
    client: SandboxClient
    runtime: Runtime | None = None
    bot: Bot | None = None
    dp: Dispatcher | None = None
    task: asyncio.Task[Any] | None = None
    restarts: int = field(default=0)
    clock: MovableClock = field(default_factory=MovableClock)

    async def start(self) -> None:
        self.runtime = build_runtime(self.settings, clock=self.clock)
        self.bot = build_bot(self.settings, token=self.token, api_url=self.sandbox_url)
        self.dp = build_dispatcher(self.runtime)
        # handle_as_tasks=False: an update is confirmed to the sandbox only once handled,
        # which is what the client's "wait" relies on to make each step deterministic.
        self.task = asyncio.create_task(self.dp.start_polling(
            self.bot, handle_as_tasks=False, handle_signals=False, polling_timeout=1))
        await asyncio.sleep(0)

    async def stop(self) -> None:
        if self.dp is not None and self.task is not None:
            with contextlib.suppress(RuntimeError):
                await self.dp.stop_polling()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(self.task, 10)
        if self.bot is not None:
            await self.bot.session.close()
        if self.runtime is not None:
            await self.runtime.close()
        self.runtime = self.bot = self.dp = self.task = None

    async def restart(self) -> None:
        """A new process: nothing kept in memory, only what the database (or Redis) holds."""
        await self.stop()
        self.restarts += 1
        await self.start()

    async def drain(self, at: datetime | None = None) -> int:
        """Deliver what the outbox holds, as the running bot's sender would (at ``at``)."""
        assert self.runtime is not None and self.bot is not None
        clock = (lambda: at) if at else self.clock
        return await build_sender(self.runtime, self.bot, clock).drain()

    def sender(self) -> Any:
        """A sender as ``drain`` builds it, to adjust before draining."""
        assert self.runtime is not None and self.bot is not None
        return build_sender(self.runtime, self.bot, self.clock)

    async def tick(self, at: datetime) -> dict[str, int]:
        from scheduler import tick

        assert self.runtime is not None
        return await tick(self.runtime.matchmaker, self.runtime.keeping,
                          self.runtime.availability, at, broadcasts=self.runtime.broadcasts,
                          jobs=tick_jobs(self.runtime))

    async def progress(self) -> None:
        """One round of the broadcasts' progress loop, as the leading process runs it."""
        assert self.runtime is not None and self.bot is not None
        sender = build_sender(self.runtime, self.bot, self.clock)
        await build_progress(self.runtime, self.bot, sender).round()

    def t(self, message: str, locale: str) -> str:
        """``message`` as a user reading ``locale`` sees it."""
        from bot.i18n import make_i18n

        return make_i18n().gettext(message, locale=locale)


def settings_for(database_url: str, **overrides: Any) -> Settings:
    # Volunteers are proposed at once unless a test asks for approval: the tests of
    # vetting set volunteer_approval="required" (the production default).
    overrides.setdefault("volunteer_approval", "off")
    return Settings(_env_file=None, database_url=database_url, bot_token=None,  # type: ignore[call-arg]
                    **overrides)


@pytest.fixture
async def sandbox() -> AsyncIterator[Any]:
    running = await start_sandbox(port=0)
    try:
        yield running
    finally:
        await running.stop()


@pytest.fixture
async def client(sandbox: Any) -> AsyncIterator[SandboxClient]:
    async with SandboxClient(sandbox.url) as sandbox_client:
        # Test users answer at machine speed, far faster than a person types, so the per-chat
        # burst limit would measure the test, not the bot; the global limit stays on.
        await sandbox_client.set_limits(chat_burst=None)
        yield sandbox_client


@pytest.fixture
def make_binome(sandbox: Any, client: SandboxClient,
                database_url: str) -> Callable[..., Binome]:
    def make(**overrides: Any) -> Binome:
        return Binome(settings_for(database_url, **overrides), sandbox.url, sandbox.token,
                      client)
    return make


@pytest.fixture
async def binome(make_binome: Callable[..., Binome]) -> AsyncIterator[Binome]:
    running = make_binome()
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
async def redis_url() -> str:
    """``TEST_REDIS_URL``, emptied. Without a Redis server the test is skipped, saying why,
    except in CI (``CI=true``), where Redis is part of the job and its absence a failure."""
    import redis.asyncio as redis
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    connection = redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        await connection.flushdb()
    except (OSError, RedisConnectionError, RedisTimeoutError) as error:
        reason = f"Redis is not reachable at {REDIS_URL}: {error}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (CI must provide it)")
        pytest.skip(f"{reason} (set TEST_REDIS_URL to run the Redis tests)")
    finally:
        await connection.aclose()
    return REDIS_URL


@contextlib.asynccontextmanager
async def staffed(make_binome: Callable[..., Binome], client: SandboxClient,
                  language: str = "en", at: datetime | None = None,
                  ) -> AsyncIterator[tuple[Binome, Any]]:
    """A running bot with one staff member, Sam, who has sent /start (``at``: the
    programme's clock, else real time)."""
    boss = await client.create_user(first_name="Sam", language_code=language)
    running = make_binome(staff_ids=frozenset({boss.id}))
    running.clock.at = at
    await running.start()
    try:
        await boss.send("/start")
        yield running, boss
    finally:
        await running.stop()


@pytest.fixture
async def empty_database_url(tmp_path: Any) -> str:
    """A database with no tables at all: the process under test migrates it, as
    ``make run`` does."""
    from sqlalchemy import text

    from storage.database import make_engine
    from storage.tables import Base

    url = os.environ.get("TEST_DATABASE_URL") or f"sqlite+aiosqlite:///{tmp_path / 'run.db'}"
    engine = make_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.drop_all)
        await connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    await engine.dispose()
    return url
