"""In webhook mode an update Telegram posts twice (its answer was late) is handled once, by
whichever worker takes it first, with the database or Redis as the shared memory; one whose
handling failed is handled when it comes again."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from aiogram.types import Update

from bot.app import build_bot, build_dispatcher, build_runtime
from bot.updates import OnceOnly
from storage.updates import SqlSeenUpdates
from tests.e2e.conftest import settings_for

SECRET = "s" * 40


async def test_an_update_posted_twice_to_two_workers_is_handled_once(
        sandbox, client, database_url) -> None:
    await posted_twice(sandbox, client, database_url)


async def test_with_redis_an_update_posted_twice_is_handled_once(
        sandbox, client, database_url, redis_url) -> None:
    await posted_twice(sandbox, client, database_url, redis_url=redis_url)


async def posted_twice(sandbox, client, database_url: str, **extra: str) -> None:
    settings = settings_for(database_url, webhook_url="https://bot.example.org/webhook",
                            webhook_secret=SECRET, **extra)
    workers = [build_runtime(settings) for _ in range(2)]
    bots = [build_bot(settings, token=sandbox.token, api_url=sandbox.url) for _ in workers]
    try:
        lea = await client.create_user(first_name="Léa", language_code="en")
        await lea.send("/start", wait=False)
        [update] = await bots[0].get_updates(timeout=0)
        await build_dispatcher(workers[0]).feed_update(bots[0], update)
        once = len(await lea.bot_messages())
        assert once >= 1
        # Telegram posts it again; the load balancer gives it to the other worker.
        await build_dispatcher(workers[1]).feed_update(bots[1], update)
        assert len(await lea.bot_messages()) == once
        # A new update from the same person is handled as usual.
        await lea.send("/help", wait=False)
        [second] = await bots[0].get_updates(offset=update.update_id + 1, timeout=0)
        await build_dispatcher(workers[1]).feed_update(bots[1], second)
        assert len(await lea.bot_messages()) > once
    finally:
        for runtime, bot in zip(workers, bots, strict=True):
            await bot.session.close()
            await runtime.close()


async def test_an_update_whose_handling_failed_is_handled_when_it_comes_again(
        database_url) -> None:
    runtime = build_runtime(settings_for(database_url))
    seen = SqlSeenUpdates(runtime.sessions)
    guard = OnceOnly(seen, lambda: datetime.now(UTC))
    handled: list[int] = []

    async def failing(event, data):
        raise RuntimeError("the database went away")

    async def working(event, data):
        handled.append(event.update_id)
        return True

    update = Update(update_id=987654)
    try:
        with pytest.raises(RuntimeError):
            await guard(failing, update, {})
        assert await guard(working, update, {}) is True
        assert await guard(working, update, {}) is None  # and then only once
        assert handled == [987654]
    finally:
        await runtime.close()
