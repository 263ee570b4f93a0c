"""APScheduler set-up. Jobs stay thin: what is due is decided from our own tables, so the
scheduler holds no state worth keeping and a restart loses nothing.

Several bot processes may run; only the holder of the leader lease runs the jobs and the
outbox sender. The others keep trying, and one takes over when the leader's lease runs out.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from mentoring.broadcast import Broadcasts
from mentoring.keeping_in_touch import KeepingInTouch, VolunteerAvailability
from mentoring.matchmaking import Matchmaker

log = logging.getLogger(__name__)

LEASE_RENEWAL_SECONDS = 20


def build_scheduler() -> AsyncIOScheduler:
    """A scheduler in UTC whose periodic jobs never pile up after a pause or a slow run."""
    return AsyncIOScheduler(
        timezone="UTC",
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 30},
    )


class Leadership:
    """Whether this process currently holds the leader lease."""

    def __init__(self, acquire: Callable[[datetime], Awaitable[bool]]) -> None:
        self._acquire = acquire
        self.leader = False

    async def renew(self) -> bool:
        try:
            held = await self._acquire(datetime.now(UTC))
        except Exception:
            log.exception("could not renew the leader lease")
            held = False
        if held != self.leader:
            log.info("this process %s the scheduler", "now runs" if held else "no longer runs")
        self.leader = held
        return held


Job = Callable[[datetime | None], Awaitable[int | Mapping[str, int]]]
"""A capability's share of the tick: does what is due at the moment given (None: now) and
says how many things it did (or several counts, by name)."""


async def tick(matchmaker: Matchmaker, keeping: KeepingInTouch,
               availability: VolunteerAvailability | None = None,
               now: datetime | None = None, *,
               broadcasts: Broadcasts | None = None,
               jobs: Mapping[str, Job] | None = None,
               ) -> dict[str, int]:
    """Everything that is due at ``now``: expired proposals move on, reminders go out,
    pauses end, every pair's due check-in or nudge is queued, volunteers are asked
    whether they can take a student, scheduled broadcasts start, then each capability's
    job runs (``jobs``, by the name its count is reported under: relay records purged,
    meeting reminders, session-log questions, ...). A job that fails does not stop the
    others; the first failure is raised once all have run."""
    expired, reminded = await matchmaker.expire_and_remind(now)
    follow_ups = await keeping.run_due(now)
    if availability is not None:
        await availability.run_due(now)
    started = len(await broadcasts.start_due(now)) if broadcasts is not None else 0
    done = {"expired": expired, "reminded": reminded, "follow_ups": follow_ups,
            "broadcasts": started}
    failure: Exception | None = None
    for name, job in (jobs or {}).items():
        try:
            result = await job(now)
            done.update({name: result} if isinstance(result, int) else result)
        except Exception as error:
            log.exception("tick: %s failed", name)
            failure = failure or error
    if expired or reminded or follow_ups:
        log.info("tick: %s proposals expired, %s reminders, %s follow-ups", expired, reminded,
                 follow_ups)
    if failure is not None:
        raise failure
    return done


async def batch(matchmaker: Matchmaker) -> int:
    """The periodic global matching of everyone still waiting."""
    plan, made = await matchmaker.run_batch()
    log.info("batch matching: %s proposals (%.1f%% of the proven bound)", made,
             100 * plan.ratio)
    return made


def add_jobs(scheduler: AsyncIOScheduler, leadership: Leadership, matchmaker: Matchmaker,
             keeping: KeepingInTouch, availability: VolunteerAvailability,
             batch_minutes: int, *, jobs: Mapping[str, Job] | None = None) -> None:
    """The fixed periodic jobs; each runs only in the process that leads."""

    async def as_leader(job: Callable[[], Awaitable[object]]) -> None:
        if leadership.leader:
            await job()

    scheduler.add_job(leadership.renew, "interval", seconds=LEASE_RENEWAL_SECONDS,
                      id="leadership", next_run_time=datetime.now(UTC))
    scheduler.add_job(as_leader, "interval", minutes=1,
                      args=[lambda: tick(matchmaker, keeping, availability, jobs=jobs)],
                      id="tick")
    scheduler.add_job(as_leader, "interval", minutes=batch_minutes,
                      args=[lambda: batch(matchmaker)], id="batch")
