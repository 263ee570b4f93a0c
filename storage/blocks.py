"""People staff have blocked (/block), in SQL."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.tables import StaffBlockRow


class SqlBlocks:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def is_blocked(self, user_id: int) -> bool:
        return await self._session.get(StaffBlockRow, user_id) is not None

    async def add(self, user_id: int, reason: str, blocked_by: int, now: datetime) -> bool:
        """False if the person is already blocked."""
        if await self.is_blocked(user_id):
            return False
        try:
            async with self._session.begin_nested():
                self._session.add(StaffBlockRow(user_id=user_id, reason=reason,
                                                blocked_by=blocked_by, blocked_at=now))
        except IntegrityError:  # blocked at the same moment by another staff member
            return False
        return True

    async def remove(self, user_id: int) -> bool:
        result = await self._session.execute(
            delete(StaffBlockRow).where(StaffBlockRow.user_id == user_id))
        return bool(getattr(result, "rowcount", 0))


class BlockLookup:
    """The one lookup per update that tells whether its sender is blocked: a short session
    of its own, nothing kept between updates."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def __call__(self, user_id: int) -> bool:
        async with self._sessions() as session:
            return await session.get(StaffBlockRow, user_id) is not None
