"""What the bot lends the sandbox when both run in one process: its clock, moved forward on
request, the scheduler's tick at the moved time, and staff rights for staff the page creates.

The sandbox never imports the bot; it only calls the hooks set here.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from aiogram import Bot

from bot.app import Runtime, build_sender
from bot.demo import known_people
from mentoring.signup import now_utc

if TYPE_CHECKING:
    from sandbox.state import Sandbox

log = logging.getLogger(__name__)

# How long a time-travel request waits for the outbox; the running sender delivers the rest.
DELIVERY_WAIT_SECONDS = 20.0


class ProgrammeClock:
    """Real time plus an offset that only grows: every part of the bot reads this one clock,
    so moving it moves the handlers, the scheduler and the outbox sender together."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return now_utc() + self.offset

    def move_to(self, at: datetime) -> datetime:
        """Jump forward to ``at`` (never backward); returns the new time."""
        self.offset = max(self.offset, at - now_utc())
        return self()


async def register_people(sandbox: Sandbox, runtime: Runtime) -> int:
    """Make everyone the database knows a sandbox user, so the bot can still write to them
    after a restart (the sandbox keeps nothing) and the demo population exists. Returns how
    many were added."""
    staff = set(await runtime.staff.members())
    added = 0
    for person in await known_people(runtime.sessions):
        if person.id in sandbox.users:
            continue
        role = "staff" if person.id in staff else person.role
        sandbox.create_user(person.first_name, id=person.id, language_code=person.language,
                            role=role if role in ("student", "volunteer", "staff") else None,
                            group="demo" if person.demo else None, started=True,
                            username=person.username, allows_links=person.allows_links)
        added += 1
    return added


def link_sandbox(sandbox: Sandbox, runtime: Runtime, bot: Bot, clock: ProgrammeClock) -> None:
    """Set the sandbox's hooks so its page can move time and create staff."""

    async def time_travel(at: datetime) -> dict[str, Any]:
        from scheduler import tick

        clock.move_to(at)
        done = await tick(runtime.matchmaker, runtime.keeping, runtime.availability, clock(),
                          broadcasts=runtime.broadcasts, purge_relay=runtime.relay.store.purge,
                          vetting=runtime.vetting)
        # Deliver now what is due, so the page shows it when the request returns.
        delivery = asyncio.ensure_future(build_sender(runtime, bot).drain())
        delivery.add_done_callback(_log_failure)
        finished, _ = await asyncio.wait({delivery}, timeout=DELIVERY_WAIT_SECONDS)
        return {**done, "sent": delivery.result() if finished else None}

    async def new_staff(user_id: int) -> None:
        await runtime.staff.add(user_id, user_id)

    sandbox.on_time_travel = time_travel
    sandbox.on_new_staff = new_staff


def _log_failure(task: asyncio.Future[int]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("delivery after time travel failed", exc_info=task.exception())
