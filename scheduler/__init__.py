"""APScheduler set-up. Jobs stay thin: what is due is decided from our own tables, so the
scheduler holds no state worth keeping and a restart loses nothing."""

from __future__ import annotations

from apscheduler.schedulers.asyncio import AsyncIOScheduler


def build_scheduler() -> AsyncIOScheduler:
    """A scheduler in UTC whose periodic jobs never pile up after a pause or a slow run."""
    return AsyncIOScheduler(
        timezone="UTC",
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 30},
    )
