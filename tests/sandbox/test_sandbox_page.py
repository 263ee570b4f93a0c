"""What the chat page relies on: its files, the people list with its long poll, time travel
and the hooks a bot in the same process sets."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

import aiohttp
import pytest

from sandbox.client import SandboxClient, SandboxError


async def test_the_page_and_its_files_are_served(running) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.get(running.url + "/") as response:
            assert response.status == 200
            assert response.content_type == "text/html"
            page = await response.text()
        assert '<script src="/web/app.js"' in page
        for name in ("app.js", "format.js", "strings.js", "style.css"):
            async with session.get(f"{running.url}/web/{name}") as response:
                assert response.status == 200, name
        async with session.get(running.url + "/web/../state.py") as response:
            assert response.status in (403, 404)


async def test_people_lists_the_page_people_and_counts_seeded_ones(
    running, client: SandboxClient
) -> None:
    sandbox = running.sandbox
    lea = await client.create_user("Léa", role="student")
    sandbox.create_user("Léa", id=100_000_007, group="demo", role="student", started=True)
    sandbox.create_user("Marc", id=600_000_001, group="demo", role="volunteer", started=True)
    await lea.send("/start", wait=False)
    people = await client.request("GET", "/control/people")
    assert [p["id"] for p in people["people"]] == [lea.id]
    listed = people["people"][0]
    assert listed["role"] == "student" and listed["messages"] == 1
    assert listed["last"]["text"] == "/start" and listed["last"]["from"] == "user"
    assert people["demo"] == {"count": 2, "matches": []}
    assert people["time_travel"] is False
    found = await client.request("GET", "/control/people?q=lea")
    assert [p["id"] for p in found["demo"]["matches"]] == [100_000_007]
    by_id = await client.request("GET", "/control/people?q=600000001")
    assert [p["first_name"] for p in by_id["demo"]["matches"]] == ["Marc"]
    # Seeded ids do not move the counter of new users, and taken ids are skipped.
    sandbox.create_user("Yanis", id=lea.id + 1, group="demo", started=True)
    assert (await client.create_user("Inès")).id == lea.id + 2
    with pytest.raises(SandboxError, match="role must be one of"):
        await client.create_user("X", role="admin")


async def test_people_long_poll_waits_for_a_change(running, client: SandboxClient) -> None:
    first = await client.request("GET", "/control/people")
    began = time.monotonic()
    quiet = await client.request("GET", f"/control/people?since={first['revision']}&wait=0.3")
    assert quiet["revision"] == first["revision"] and time.monotonic() - began >= 0.3

    waiting = asyncio.create_task(
        client.request("GET", f"/control/people?since={first['revision']}&wait=10"))
    await asyncio.sleep(0.1)
    assert not waiting.done()
    await client.create_user("Léa")
    woke = await asyncio.wait_for(waiting, 2)
    assert woke["revision"] != first["revision"] and len(woke["people"]) == 1


async def test_commands_for_the_menu(api, client: SandboxClient) -> None:
    start = [{"command": "start", "description": "Commencer"}]
    await api.ok("setMyCommands", commands=start, scope={"type": "all_private_chats"},
                 language_code="fr")
    await api.ok("setMyCommands", commands=[{"command": "help", "description": "Help"}])
    staff = [{"command": "stats", "description": "Chiffres"}]
    await api.ok("setMyCommands", commands=staff, scope={"type": "chat", "chat_id": 100001})
    menus = (await client.request("GET", "/control/people"))["commands"]
    assert menus == {"fr": start, "": [{"command": "help", "description": "Help"}],
                     "chat:100001": staff}


async def test_time_travel_moves_the_clock_and_calls_the_hook(
    running, client: SandboxClient
) -> None:
    seen: list[datetime] = []

    async def hook(at: datetime) -> dict[str, int]:
        seen.append(at)
        return {"follow_ups": 2}

    moved = await client.time_travel(days=1)  # no bot linked: only the clock moves
    assert moved["ticked"] is None and 86_399 < moved["offset"] < 86_401
    running.sandbox.on_time_travel = hook
    before = time.time() + running.sandbox.clock_offset
    week = await client.time_travel(days=7)
    assert week["ticked"] == {"follow_ups": 2}
    assert seen[0].tzinfo is UTC and abs(seen[0].timestamp() - (before + 7 * 86400)) < 2
    target = datetime.fromtimestamp(week["now"] + 3600, UTC).isoformat()
    to = await client.time_travel(to=target)
    assert abs(to["now"] - datetime.fromisoformat(target).timestamp()) < 1
    assert abs(seen[-1].timestamp() - to["now"]) < 1
    user = await client.create_user()
    sent = await user.send("hello", wait=False)
    assert abs(sent["message"]["date"] - to["now"]) < 5  # messages carry the moved date

    for body, error in [
        ({}, "exactly one of"), ({"days": 1, "seconds": 5}, "exactly one of"),
        ({"days": -1}, "non-negative"), ({"to": "tomorrow"}, "ISO 8601"),
        ({"to": "2030-01-01T10:00"}, "time zone"), ({"to": "2020-01-01T10:00+00:00"}, "forward"),
    ]:
        with pytest.raises(SandboxError, match=error):
            await client.request("POST", "/control/time-travel", body)
    assert len(seen) == 2


async def test_creating_staff_calls_the_staff_hook(running, client: SandboxClient) -> None:
    added: list[int] = []

    async def hook(user_id: int) -> None:
        added.append(user_id)

    await client.create_user("Avant", role="staff")  # no bot linked: nothing to call
    running.sandbox.on_new_staff = hook
    staff = await client.create_user("Camille", role="staff")
    await client.create_user("Léa", role="student")
    assert added == [staff.id]
    assert staff.info["role"] == "staff"
