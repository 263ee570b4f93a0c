"""The real ``binome run`` process: it migrates an empty database, talks to the sandbox as it
would to Telegram, and a sign-up survives the process being killed with SIGKILL."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from tests.e2e.journeys import AGREE, ROLE_STUDENT, pick

pytestmark = pytest.mark.slow


async def start_process(sandbox, database_url: str, tmp_path: Path) -> asyncio.subprocess.Process:
    env = {**os.environ, "BOT_TOKEN": sandbox.token, "TELEGRAM_API_URL": sandbox.url,
           "DATABASE_URL": database_url, "REDIS_URL": "", "LOG_LEVEL": "WARNING"}
    log = (tmp_path / "bot.log").open("ab")
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--no-scheduler", env=env, cwd=tmp_path,
        stdout=log, stderr=log)


async def polling(client, seconds: float = 90) -> None:
    """Wait until the new process asks for updates: starting Python, importing and migrating
    can take a while on a loaded machine, longer than one action's wait."""
    start = (await client.bot_info())["calls"].get("getUpdates", 0)
    for _ in range(int(seconds * 10)):
        if (await client.bot_info())["calls"].get("getUpdates", 0) > start:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"the bot process did not poll within {seconds}s")


async def replies_after(user, before: int, count: int = 1, seconds: float = 20) -> list[str]:
    """The bot's next messages; the process handles updates as tasks, so poll for them."""
    for _ in range(int(seconds * 20)):
        messages = await user.bot_messages()
        if len(messages) >= before + count:
            return [m["text"] for m in messages[before:]]
        await asyncio.sleep(0.05)
    raise AssertionError(f"the bot did not answer within {seconds}s")


async def say(user, text: str, expect: int = 1) -> list[str]:
    before = len(await user.bot_messages())
    await user.send(text)
    return await replies_after(user, before, expect)


async def tap(user, data: str, expect: int = 1) -> list[str]:
    before = len(await user.bot_messages())
    await user.press(data)
    return await replies_after(user, before, expect)


async def test_sign_up_survives_a_killed_process(sandbox, client, empty_database_url,
                                                 tmp_path) -> None:
    process = await start_process(sandbox, empty_database_url, tmp_path)
    try:
        await polling(client)
        user = await client.create_user(first_name="Léa", language_code="en")
        assert "Who are you?" in (await say(user, "/start tract-fac", expect=2))[-1]
        await tap(user, ROLE_STUDENT)
        assert (await tap(user, AGREE))[-1] == "What is your first name?"
        assert "In which year were you born?" in (await say(user, "Léa"))[-1]
        assert "What do you study?" in (await say(user, "2004"))[-1]
        await say(user, "droit")
        assert (await tap(user, pick("field", "law")))[-1] == "What is your level of study?"
        process.send_signal(signal.SIGKILL)
        await process.wait()

        process = await start_process(sandbox, empty_database_url, tmp_path)
        await polling(client)
        assert "Where do you live?" in (await tap(user, pick("level", "licence_3")))[-1]
        reply = (await say(user, "13001"))[-1]
        assert reply.startswith("Noted: Bouches-du-Rhône (13), Provence-Alpes-Côte d'Azur.")
    finally:
        if process.returncode is None:
            process.terminate()
            await process.wait()
    assert process.returncode in (0, -signal.SIGTERM)
