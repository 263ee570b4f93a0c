"""Which Telegram updates were already taken, so that a webhook delivery Telegram retries is
handled once across all workers. In Redis when there is one (a key that expires after a day),
else in the ``seen_updates`` table (rows older than a day are dropped as new ones come)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker

from storage.tables import SeenUpdateRow

KEEP = timedelta(days=1)
SWEEP_EVERY = 500
"""One update in this many also drops the rows older than ``KEEP``."""


class SqlSeenUpdates:
    def __init__(self, sessions: async_sessionmaker[Any]) -> None:
        self._sessions = sessions

    async def first_time(self, update_id: int, now: datetime) -> bool:
        """Mark ``update_id`` taken; False if it already was."""
        try:
            async with self._sessions() as session, session.begin():
                await session.execute(insert(SeenUpdateRow).values(update_id=update_id,
                                                                   seen_at=now))
                if update_id % SWEEP_EVERY == 0:
                    await session.execute(delete(SeenUpdateRow).where(
                        SeenUpdateRow.seen_at < now - KEEP))
        except IntegrityError:
            return False
        return True

    async def forget(self, update_id: int) -> None:
        """Handling failed: a new delivery of it may be handled."""
        async with self._sessions() as session, session.begin():
            await session.execute(delete(SeenUpdateRow).where(
                SeenUpdateRow.update_id == update_id))


class RedisSeenUpdates:
    def __init__(self, redis: Any, prefix: str = "binome:update:") -> None:
        self._redis = redis
        self._prefix = prefix

    async def first_time(self, update_id: int, now: datetime) -> bool:
        return bool(await self._redis.set(f"{self._prefix}{update_id}", 1, nx=True,
                                          ex=int(KEEP.total_seconds())))

    async def forget(self, update_id: int) -> None:
        await self._redis.delete(f"{self._prefix}{update_id}")
