"""What ``binome sandbox`` wires between the bot and the sandbox: the movable programme
clock, time travel, staff created on the page, the people it registers, and the demo data."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from bot.app import Runtime, build_bot, build_dispatcher, build_runtime, build_sender
from bot.demo import DEMO_SOURCE, STUDENTS, VOLUNTEERS, known_people, seed_demo
from bot.runner import sandbox_banner
from bot.sandbox_link import ProgrammeClock, link_sandbox, register_people
from mentoring.signup import now_utc
from sandbox.client import SandboxClient
from tests.e2e.conftest import settings_for
from tests.e2e.journeys import next_weekday_morning


@pytest.fixture
async def linked(sandbox: Any, database_url: str) -> AsyncIterator[tuple[Runtime, ProgrammeClock]]:
    clock = ProgrammeClock()
    runtime = build_runtime(settings_for(database_url, send_rate=30), clock)
    bot = build_bot(runtime.settings, token=sandbox.token, api_url=sandbox.url)
    link_sandbox(sandbox.sandbox, runtime, bot, clock)
    try:
        yield runtime, clock
    finally:
        await bot.session.close()
        await runtime.close()


def test_the_programme_clock_only_moves_forward() -> None:
    clock = ProgrammeClock()
    assert abs(clock() - now_utc()) < timedelta(seconds=1)
    later = now_utc() + timedelta(days=3)
    assert abs(clock.move_to(later) - later) < timedelta(seconds=1)
    clock.move_to(now_utc())
    assert clock() > now_utc() + timedelta(days=2, hours=23)


def test_the_banner_gives_one_address() -> None:
    banner = sandbox_banner("http://127.0.0.1:8080")
    assert "Open http://127.0.0.1:8080/ in your browser" in banner
    assert banner.count("http://") == 2 and "curl" not in banner  # the page, then /control


async def test_time_travel_moves_the_bot_clock_and_ticks(
    linked: tuple[Runtime, ProgrammeClock], client: SandboxClient
) -> None:
    runtime, clock = linked
    moved = await client.time_travel(days=7)
    assert moved["ticked"] == {"expired": 0, "reminded": 0, "follow_ups": 0, "broadcasts": 0,
                               "relay_purged": 0, "session_logs": 0,
                               "sent": 0}
    assert abs(clock().timestamp() - moved["now"]) < 2
    assert clock() - now_utc() > timedelta(days=6, hours=23)
    # Handlers and the outbox sender read the same clock.
    assert build_dispatcher(runtime)["clock"] is clock
    assert build_sender(runtime, build_bot(runtime.settings, token="1:A"))._clock is clock


async def test_staff_created_on_the_page_get_staff_rights(
    linked: tuple[Runtime, ProgrammeClock], client: SandboxClient
) -> None:
    runtime, _clock = linked
    camille = await client.create_user("Camille", role="staff")
    lea = await client.create_user("Léa", role="student")
    assert await runtime.staff.is_staff(camille.id)
    assert not await runtime.staff.is_staff(lea.id)


async def test_demo_data_is_written_once_and_reaches_the_sandbox(
    linked: tuple[Runtime, ProgrammeClock], sandbox: Any, client: SandboxClient
) -> None:
    runtime, clock = linked
    seeded = await seed_demo(runtime.sessions, clock())
    assert seeded.written and str(seeded).startswith("Demo data written")
    figures = await runtime.staff.figures()
    assert (figures["students"], figures["volunteers"]) == (STUDENTS, VOLUNTEERS)
    assert STUDENTS * 0.5 < figures["waiting"] < STUDENTS * 0.85
    assert figures["volunteers_with_room"] > 0
    assert any(gap.waiting > gap.free_places for gap in await runtime.staff.gaps())
    assert await runtime.staff.pairs_at_risk()  # a few pairs have gone quiet

    again = await seed_demo(runtime.sessions, clock())
    assert not again.written and str(again).startswith("Demo data already")
    people = await known_people(runtime.sessions)
    assert len(people) == STUDENTS + VOLUNTEERS and all(p.demo for p in people)
    assert (await runtime.staff.figures())["students"] == STUDENTS

    await client.create_user("Léa")
    assert await register_people(sandbox.sandbox, runtime) == STUDENTS + VOLUNTEERS
    assert await register_people(sandbox.sandbox, runtime) == 0
    demo_users = [u for u in sandbox.sandbox.users.values() if u.group == "demo"]
    private = [u for u in demo_users if not u.allows_links]
    assert {u.role for u in private} == {"student", "volunteer"}
    assert all(u.username is None for u in private)
    assert STUDENTS + VOLUNTEERS > sum(u.username is not None for u in demo_users) > len(private)
    listed = await client.request("GET", "/control/people")
    assert len(listed["people"]) == 1 and listed["demo"]["count"] == STUDENTS + VOLUNTEERS
    await client.disable_limits()

    # Two weeks on (a weekday morning: nothing held for quiet hours), the demo pairs get
    # their check-ins, delivered to the sandbox chats of both sides.
    moved = await client.time_travel(to=(next_weekday_morning(clock()) + timedelta(days=14))
                                     .isoformat())
    assert moved["ticked"]["follow_ups"] > 10
    assert moved["ticked"]["sent"] >= 2 * moved["ticked"]["follow_ups"]
    failed = [e for e in await client.log() if e["method"] == "sendMessage" and not e["ok"]]
    assert not failed
    assert DEMO_SOURCE == "demo"
