"""A lease in the database: the one process holding it runs the scheduler.

A lease rather than a PostgreSQL advisory lock: it works the same on SQLite and PostgreSQL
(and needs no connection held open for hours), and its expiry is a plain timestamp, so a
process that dies is replaced as soon as its lease runs out.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker

from storage.tables import LeaseRow


class Lease:
    def __init__(self, sessions: async_sessionmaker[Any], name: str, holder: str,
                 length: timedelta) -> None:
        self._sessions = sessions
        self.name = name
        self.holder = holder
        self.length = length

    async def acquire(self, now: datetime) -> bool:
        """Take or renew the lease; True while this process holds it."""
        async with self._sessions() as session, session.begin():
            result = await session.execute(
                update(LeaseRow)
                .where(LeaseRow.name == self.name,
                       or_(LeaseRow.holder == self.holder, LeaseRow.expires_at <= now))
                .values(holder=self.holder, expires_at=now + self.length))
            if result.rowcount == 1:
                return True
            if await session.get(LeaseRow, self.name) is not None:
                return False
        try:
            async with self._sessions() as session, session.begin():
                session.add(LeaseRow(name=self.name, holder=self.holder,
                                     expires_at=now + self.length))
        except IntegrityError:
            return False  # another process created it first
        return True

    async def release(self) -> None:
        async with self._sessions() as session, session.begin():
            await session.execute(update(LeaseRow).where(
                LeaseRow.name == self.name, LeaseRow.holder == self.holder)
                .values(expires_at=datetime(1970, 1, 1, tzinfo=UTC)))
