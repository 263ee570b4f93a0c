"""Random faults: a share of Bot API calls answers the way Telegram does under trouble."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest

from sandbox.client import SandboxClient, SandboxError, SandboxUser
from sandbox.server import start_sandbox


async def test_every_call_can_be_a_429_in_telegrams_exact_words(api, client: SandboxClient,
                                                                 user: SandboxUser) -> None:
    await client.random_faults(1.0, kinds=["429"], retry_after=3)
    status, body = await api("sendMessage", chat_id=user.id, text="x")
    assert (status, body) == (429, {
        "ok": False, "error_code": 429, "description": "Too Many Requests: retry after 3",
        "parameters": {"retry_after": 3}})
    assert await user.bot_messages() == []


async def test_a_500_is_not_applied(api, client: SandboxClient, user: SandboxUser) -> None:
    await client.random_faults(1.0, kinds=["500"])
    status, body = await api("sendMessage", chat_id=user.id, text="x")
    assert (status, body) == (500, {"ok": False, "error_code": 500,
                                    "description": "Internal Server Error"})
    await client.random_faults(0)
    await api.ok("sendMessage", chat_id=user.id, text="y")
    assert [m["text"] for m in await user.bot_messages()] == ["y"]


async def codes_for(seed: int, calls: int) -> list[int | None]:
    async with await start_sandbox() as running, SandboxClient(running.url) as client:
        await client.disable_limits()
        user = await client.create_user()
        await user.send("/start", wait=False)
        await client.random_faults(0.1, kinds=["429", "500", "502"], seed=seed)
        async with aiohttp.ClientSession() as session:
            base = f"{running.url}/bot{running.token}/sendMessage"
            for number in range(calls):
                async with session.post(base, json={"chat_id": user.id, "text": str(number)}):
                    pass
        return [entry["error_code"] for entry in await client.log()]


async def test_the_rate_is_kept_and_a_seed_replays_the_same_faults() -> None:
    first, again, other = [await codes_for(seed, 400) for seed in (7, 7, 8)]
    assert first == again
    assert first != other
    spoiled = sum(code is not None for code in first)
    assert 20 <= spoiled <= 60  # 10% of 400, give or take the dice
    assert {code for code in first if code} == {429, 500, 502}


async def test_what_was_served_is_counted(api, client: SandboxClient, user: SandboxUser) -> None:
    await client.random_faults(0.5, kinds=["500"], seed=1)
    statuses = [(await api("sendMessage", chat_id=user.id, text="x"))[0] for _ in range(40)]
    seen = (await client.faults())["random"]
    assert seen["calls"] == 40
    assert seen["served"] == {"500": statuses.count(500)}
    assert (await client.bot_info())["random_faults"]["served"] == seen["served"]


async def test_polling_is_left_alone_unless_named(api, client: SandboxClient,
                                                 user: SandboxUser) -> None:
    await client.random_faults(1.0, kinds=["500"])
    updates = await api.ok("getUpdates")
    assert updates[0]["message"]["text"] == "/start"
    await client.random_faults(1.0, kinds=["500"], methods=["getUpdates"])
    assert (await api("getUpdates"))[0] == 500
    await api.ok("sendMessage", chat_id=user.id, text="only getUpdates is spoiled")


async def post_giving_up(api, user: SandboxUser, text: str, after: float) -> None:
    timeout = aiohttp.ClientTimeout(total=after)
    with pytest.raises(TimeoutError):
        await api.session.post(f"{api.base}/sendMessage", json={"chat_id": user.id, "text": text},
                               timeout=timeout)


async def test_a_time_out_applied_before_it_hangs(api, client: SandboxClient,
                                                  user: SandboxUser) -> None:
    await client.random_faults(1.0, kinds=["timeout"], timeout_delay=5, timeout_applied=1)
    await post_giving_up(api, user, "sent, answer lost", after=0.3)
    # The message is there although the client saw nothing but a time-out.
    assert [m["text"] for m in await user.bot_messages()] == ["sent, answer lost"]
    assert (await client.faults())["random"]["served"] == {"timeout_applied": 1}


async def test_a_time_out_never_applied(api, client: SandboxClient, user: SandboxUser) -> None:
    await client.random_faults(1.0, kinds=["timeout"], timeout_delay=0.4, timeout_applied=0)
    await post_giving_up(api, user, "dropped", after=0.2)
    await asyncio.sleep(0.4)
    assert await user.bot_messages() == []
    # A client patient enough hears what Telegram's front end says.
    assert await api.error("sendMessage", chat_id=user.id, text="dropped") == (502, "Bad Gateway")
    assert await user.bot_messages() == []


async def test_a_slow_answer_arrives(api, client: SandboxClient, user: SandboxUser) -> None:
    await client.random_faults(1.0, kinds=["slow"], slow_delay=0.3)
    started = time.monotonic()
    await api.ok("sendMessage", chat_id=user.id, text="late but there")
    assert time.monotonic() - started >= 0.3
    assert [m["text"] for m in await user.bot_messages()] == ["late but there"]


async def test_a_scripted_time_out_can_be_applied_first_or_dropped(
        api, client: SandboxClient, user: SandboxUser) -> None:
    await client.add_fault("sendMessage", "timeout", delay=5, applied=True)
    await post_giving_up(api, user, "first", after=0.3)
    await client.add_fault("sendMessage", "timeout", delay=0.3, applied=False)
    await post_giving_up(api, user, "second", after=0.1)
    await asyncio.sleep(0.4)
    assert [m["text"] for m in await user.bot_messages()] == ["first"]


async def test_scripted_faults_come_before_random_ones(api, client: SandboxClient,
                                                      user: SandboxUser) -> None:
    await client.random_faults(1.0, kinds=["500"])
    await client.add_fault("sendMessage", "502")
    assert (await api("sendMessage", chat_id=user.id, text="x"))[0] == 502
    assert (await api("sendMessage", chat_id=user.id, text="x"))[0] == 500
    await client.clear_faults()
    assert (await client.faults()) == {"scripted": [], "random": None}
    await api.ok("sendMessage", chat_id=user.id, text="x")


@pytest.mark.parametrize(("options", "message"), [
    ({"rate": 2}, "rate must be between 0 and 1"),
    ({"rate": "often"}, "rate must be a number"),
    ({"rate": 0.1, "kinds": ["explode"]}, "kinds must be some of"),
    ({"rate": 0.1, "kinds": []}, "kinds must be some of"),
    ({"rate": 0.1, "timeout_applied": 3}, "timeout_applied must be between 0 and 1"),
    ({"rate": 0.1, "speed": 1}, "unknown fault options: speed"),
])
async def test_nonsense_is_refused(client: SandboxClient, options: dict, message: str) -> None:
    with pytest.raises(SandboxError, match=message):
        await client.request("POST", "/control/faults", options)


def test_the_command_line_starts_with_random_faults() -> None:
    from sandbox.__main__ import parse_args

    args = parse_args(["--fault-rate", "0.1", "--fault-kinds", "429,500", "--fault-seed", "3"])
    assert (args.fault_rate, args.fault_kinds, args.fault_seed) == (0.1, "429,500", 3)
