"""Flood limits (429 with retry_after) and injected faults."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest

from sandbox.client import SandboxClient, SandboxError, SandboxUser
from sandbox.server import start_sandbox


async def started_users(client: SandboxClient, count: int) -> list[SandboxUser]:
    users = [await client.create_user(f"U{i}") for i in range(count)]
    for user in users:
        await user.send("/start", wait=False)
    return users


async def test_global_rate(api, client: SandboxClient) -> None:
    await client.set_limits(global_rate=3, chat_burst=None)
    users = await started_users(client, 4)
    for user in users[:3]:
        await api.ok("sendMessage", chat_id=user.id, text="x")
    status, body = await api("sendMessage", chat_id=users[3].id, text="x")
    assert status == 429
    retry_after = body["parameters"]["retry_after"]
    assert isinstance(retry_after, int) and retry_after >= 1
    assert body["description"] == f"Too Many Requests: retry after {retry_after}"
    # Refused calls do not count: after the window the same call goes through.
    await client.advance_clock(1.0)
    await api.ok("sendMessage", chat_id=users[3].id, text="x")
    info = await client.bot_info()
    assert info["too_many_requests"] == 1 and info["calls"]["sendMessage"] == 5


async def test_per_chat_bucket(api, client: SandboxClient) -> None:
    await client.set_limits(global_rate=None, chat_burst=2, chat_refill=0.5)
    lea, marc = await started_users(client, 2)
    await api.ok("sendMessage", chat_id=lea.id, text="1")
    await api.ok("sendMessage", chat_id=lea.id, text="2")
    status, body = await api("sendMessage", chat_id=lea.id, text="3")
    assert status == 429 and body["parameters"] == {"retry_after": 2}  # 1 token at 0.5/s
    await api.ok("sendMessage", chat_id=marc.id, text="other chats are not affected")
    await client.advance_clock(2)
    await api.ok("sendMessage", chat_id=lea.id, text="3")


async def test_limits_from_constructor_and_default_burst() -> None:
    running = await start_sandbox(global_rate=100)
    try:
        user = running.sandbox.create_user("Léa")
        user.started = True
        base = f"{running.url}/bot{running.token}/sendMessage"
        async with aiohttp.ClientSession() as session:
            statuses = []
            for _ in range(6):
                async with session.post(base, json={"chat_id": user.id, "text": "x"}) as reply:
                    statuses.append(reply.status)
        assert statuses == [200] * 5 + [429]  # the default burst is 5 per chat
        assert running.sandbox.limiter.settings()["global_rate"] == 100
    finally:
        await running.stop()


async def test_fault_429_500_and_counts(api, client: SandboxClient, user: SandboxUser) -> None:
    await client.add_fault("sendMessage", "429", retry_after=3, count=2)
    await client.add_fault("sendChatAction", "500")
    for _ in range(2):
        status, body = await api("sendMessage", chat_id=user.id, text="x")
        assert (status, body["parameters"]) == (429, {"retry_after": 3})
    await api.ok("sendMessage", chat_id=user.id, text="x")
    assert await api.error("sendChatAction", chat_id=user.id, action="typing") == (
        500,
        "Internal Server Error",
    )
    await api.ok("sendChatAction", chat_id=user.id, action="typing")
    assert (await client.bot_info())["too_many_requests"] == 2
    log = await client.log()
    assert [(e["method"], e["error_code"]) for e in log] == [
        ("sendMessage", 429), ("sendMessage", 429), ("sendMessage", None),
        ("sendChatAction", 500), ("sendChatAction", None),
    ]
    assert log[0]["chat_id"] == user.id
    assert [e["seq"] for e in await client.log(since=log[-2]["seq"])] == [log[-1]["seq"]]


async def test_fault_for_one_chat_only(api, client: SandboxClient) -> None:
    lea, marc = await started_users(client, 2)
    await client.add_fault("sendMessage", "502", chat_id=marc.id)
    await api.ok("sendMessage", chat_id=lea.id, text="x")
    assert await api.error("sendMessage", chat_id=marc.id, text="x") == (502, "Bad Gateway")
    await client.add_fault("sendMessage", "500")
    await client.clear_faults()
    await api.ok("sendMessage", chat_id=marc.id, text="x")


async def test_slow_and_timeout_faults(api, client: SandboxClient, user: SandboxUser) -> None:
    await client.add_fault("sendMessage", "slow", delay=0.3)
    started = time.monotonic()
    await api.ok("sendMessage", chat_id=user.id, text="slow")
    assert time.monotonic() - started >= 0.3

    await client.add_fault("sendMessage", "timeout", delay=0.5)
    timeout = aiohttp.ClientTimeout(total=0.2)
    with pytest.raises(TimeoutError):
        url = f"{api.base}/sendMessage"
        await api.session.post(url, json={"chat_id": user.id, "text": "late"}, timeout=timeout)
    # Like on Telegram, a call the client gave up on may still take effect.
    await asyncio.sleep(0.5)
    assert [m["text"] for m in await user.bot_messages()] == ["slow", "late"]


async def test_control_api_rejects_nonsense(client: SandboxClient) -> None:
    with pytest.raises(SandboxError, match="kind must be one of"):
        await client.add_fault("sendMessage", "explode")
    with pytest.raises(SandboxError, match="unknown limits"):
        await client.request("POST", "/control/limits", {"speed": 1})
    with pytest.raises(SandboxError, match="advance_seconds must be a non-negative number"):
        await client.advance_clock(-1)
