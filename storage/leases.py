"""A lease in the database: the one process holding it runs the scheduler.

A lease rather than a PostgreSQL advisory lock: it works the same on SQLite and PostgreSQL
(and needs no connection held open for hours), and its expiry is a plain timestamp, so a
process that dies is replaced as soon as its lease runs out.

With ``database_clock`` the lease is stamped and compared with the database's time (on
PostgreSQL, ``now()`` of the server), never with the host's: two hosts whose clocks disagree
by minutes still see one leader, and a host whose clock runs ahead cannot take a live lease.
SQLite lives on the one host that uses it, so its clock is the database's.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker

from storage.tables import LeaseRow


class Lease:
    def __init__(self, sessions: async_sessionmaker[Any], name: str, holder: str,
                 length: timedelta, *, database_clock: bool = False) -> None:
        self._sessions = sessions
        self._database_clock = database_clock
        self.name = name
        self.holder = holder
        self.length = length

    async def acquire(self, now: datetime) -> bool:
        """Take or renew the lease; True while this process holds it. ``now`` is ignored
        when the lease keeps the database's time."""
        async with self._sessions() as session, session.begin():
            if self._database_clock:
                now = await self._database_now(session)
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

    @staticmethod
    async def _database_now(session: Any) -> datetime:
        if session.bind.dialect.name != "postgresql":
            return datetime.now(UTC)
        moment: datetime = await session.scalar(select(func.now()))
        return moment.astimezone(UTC)

    async def release(self) -> None:
        async with self._sessions() as session, session.begin():
            await session.execute(update(LeaseRow).where(
                LeaseRow.name == self.name, LeaseRow.holder == self.holder)
                .values(expires_at=datetime(1970, 1, 1, tzinfo=UTC)))
