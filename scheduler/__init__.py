"""APScheduler set-up. Jobs stay thin: what is due is decided from our own tables, so the
scheduler holds no state worth keeping and a restart loses nothing."""

from __future__ import annotations

import logging
from datetime import datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from mentoring.matchmaking import Matchmaker

log = logging.getLogger(__name__)


def build_scheduler() -> AsyncIOScheduler:
    """A scheduler in UTC whose periodic jobs never pile up after a pause or a slow run."""
    return AsyncIOScheduler(
        timezone="UTC",
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 30},
    )


async def tick(matchmaker: Matchmaker, now: datetime | None = None) -> dict[str, int]:
    """Everything that is due at ``now``: expired proposals move on, reminders go out."""
    expired, reminded = await matchmaker.expire_and_remind(now)
    if expired or reminded:
        log.info("tick: %s proposals expired, %s reminders", expired, reminded)
    return {"expired": expired, "reminded": reminded}


async def batch(matchmaker: Matchmaker) -> int:
    """The periodic global matching of everyone still waiting."""
    plan, made = await matchmaker.run_batch()
    log.info("batch matching: %s proposals (%.1f%% of the proven bound)", made,
             100 * plan.ratio)
    return made


def add_jobs(scheduler: AsyncIOScheduler, matchmaker: Matchmaker, batch_minutes: int) -> None:
    """The fixed periodic jobs of a bot process that holds the scheduler."""
    minutes = batch_minutes
    scheduler.add_job(tick, "interval", minutes=1, args=[matchmaker], id="tick")
    scheduler.add_job(batch, "interval", minutes=minutes, args=[matchmaker], id="batch")
