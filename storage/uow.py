"""The unit of work: one database transaction around one use case."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.blocks import SqlBlocks
from storage.broadcasts import SqlBroadcasts
from storage.contacts import SqlContactOffers
from storage.followups import SqlFollowUps
from storage.matching import SqlMatching, SqlOutbox
from storage.personal_data import PersonalData
from storage.repositories import SqlConsents, SqlProfiles, SqlStats, SqlUsers
from storage.sessionlogs import SqlOutcomes, SqlSessionLogs
from storage.staff import SqlStaff
from storage.vetting import SqlVetting


class SqlUnitOfWork:
    """Opens a session on enter; rolls back whatever was not committed on exit."""

    def __init__(self, sessions: async_sessionmaker[Any]) -> None:
        self._sessions = sessions
        self._session: AsyncSession | None = None

    async def __aenter__(self) -> SqlUnitOfWork:
        self._session = self._sessions()
        self.users = SqlUsers(self._session)
        self.consents = SqlConsents(self._session)
        self.profiles = SqlProfiles(self._session)
        self.stats = SqlStats(self._session)
        self.personal_data = PersonalData(self._session)
        self.matching = SqlMatching(self._session)
        self.outbox = SqlOutbox(self._session)
        self.followups = SqlFollowUps(self._session)
        self.staff = SqlStaff(self._session)
        self.broadcasts = SqlBroadcasts(self._session)
        self.contacts = SqlContactOffers(self._session)
        self.sessionlogs = SqlSessionLogs(self._session)
        self.outcomes = SqlOutcomes(self._session)
        self.vetting = SqlVetting(self._session)
        self.blocks = SqlBlocks(self._session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._session is not None
        try:
            await self._session.rollback()
        finally:
            await self._session.close()
            self._session = None

    async def commit(self) -> None:
        assert self._session is not None
        await self._session.commit()


def uow_factory(sessions: async_sessionmaker[Any]) -> Callable[[], SqlUnitOfWork]:
    return lambda: SqlUnitOfWork(sessions)
