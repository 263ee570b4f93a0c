"""An aiogram FSM storage kept in our database, so a half-finished conversation survives a
restart without Redis. With ``REDIS_URL`` set, aiogram's RedisStorage is used instead."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder, KeyBuilder, StorageKey
from sqlalchemy.ext.asyncio import async_sessionmaker

from storage.tables import ConversationStateRow


def _now() -> datetime:
    return datetime.now(UTC)


class DatabaseStorage(BaseStorage):
    """One row per conversation key; state and data written in one small transaction."""

    def __init__(
        self,
        sessions: async_sessionmaker[Any],
        key_builder: KeyBuilder | None = None,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self._sessions = sessions
        self._keys = key_builder or DefaultKeyBuilder(with_destiny=True)
        self._clock = clock

    async def set_state(self, key: StorageKey, state: str | State | None = None) -> None:
        value = state.state if isinstance(state, State) else state
        await self._write(key, state=value)

    async def get_state(self, key: StorageKey) -> str | None:
        row = await self._read(key)
        return row.state if row else None

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        await self._write(key, data=dict(data))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        row = await self._read(key)
        return dict(row.data) if row and row.data else {}

    async def close(self) -> None:
        """The engine belongs to the application, which disposes of it."""

    async def _read(self, key: StorageKey) -> ConversationStateRow | None:
        async with self._sessions() as session:
            row: ConversationStateRow | None = await session.get(
                ConversationStateRow, self._keys.build(key))
            return row

    async def _write(self, key: StorageKey, **values: Any) -> None:
        async with self._sessions() as session, session.begin():
            name = self._keys.build(key)
            row = await session.get(ConversationStateRow, name, with_for_update=True)
            current = {"state": row.state, "data": row.data} if row else {"state": None, "data": {}}
            current.update(values)
            if current["state"] is None and not current["data"]:
                # Nothing left to remember: keep the table as small as the live conversations.
                if row is not None:
                    await session.delete(row)
                return
            if row is None:
                row = ConversationStateRow(key=name)
                session.add(row)
            row.state, row.data, row.updated_at = current["state"], current["data"], self._clock()
