"""Webhook mode: the sandbox posts updates to the bot's own server with the secret header."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import socket

import aiohttp
import pytest
from sqlalchemy import func, select

from bot import runner
from bot.app import build_bot, build_dispatcher, build_runtime
from storage.tables import UserRow
from tests.e2e.conftest import settings_for


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_updates_arrive_by_webhook_and_forged_ones_are_refused(
        sandbox, client, database_url) -> None:
    port = free_port()
    secret = secrets.token_urlsafe(32)
    settings = settings_for(database_url, webhook_url=f"http://127.0.0.1:{port}/webhook",
                            webhook_secret=secret, webhook_host="127.0.0.1",
                            webhook_port=port)
    runtime = build_runtime(settings)
    bot = build_bot(settings, token=sandbox.token, api_url=sandbox.url)
    stop = asyncio.Event()
    serving = asyncio.create_task(runner._serve(runtime, bot, build_dispatcher(runtime),
                                                scheduler=False, stop=stop))
    try:
        info = await _webhook_info(client)
        assert info["url"] == settings.webhook_url
        assert sandbox.sandbox.webhook.secret == secret  # what Telegram will send back
        user = await client.create_user(first_name="Léa", language_code="en")
        await user.send("/start")
        for _ in range(200):
            if await user.bot_messages() and await user.last_text() == "Who are you?":
                break
            await asyncio.sleep(0.05)
        assert await user.last_text() == "Who are you?"

        before = len(await user.bot_messages())
        async with aiohttp.ClientSession() as session:
            for number, headers in enumerate([{}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"},
                                              {"X-Telegram-Bot-Api-Secret-Token": secret[:-1]}]):
                forged = {"update_id": 999 + number, "message": {
                    "message_id": 1, "date": 0, "chat": {"id": user.id, "type": "private"},
                    "from": {"id": user.id, "is_bot": False, "first_name": "X"},
                    "text": "/language"}}
                async with session.post(settings.webhook_url, json=forged,
                                        headers=headers) as response:
                    assert response.status == 401, headers
        await asyncio.sleep(0.5)  # time enough for a handler to answer, were one running
        assert len(await user.bot_messages()) == before  # not handled: no answer
        async with runtime.sessions() as session:
            assert await session.scalar(select(func.count()).select_from(UserRow)
                                        .where(UserRow.id == user.id)) == 1
        stop.set()  # as SIGTERM does
        await asyncio.wait_for(serving, 10)
        with pytest.raises(aiohttp.ClientConnectionError):  # no longer listening
            async with aiohttp.ClientSession() as session:
                await session.post(settings.webhook_url, json={})
    finally:
        serving.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await serving


async def _webhook_info(client) -> dict:
    for _ in range(200):
        info = (await client.bot_info())["webhook"]
        if info.get("url"):
            return info
        await asyncio.sleep(0.05)
    raise AssertionError("the bot never set its webhook")
