"""An aiogram FSM storage kept in our database, so a half-finished conversation survives a
restart without Redis. With ``REDIS_URL`` set, aiogram's RedisStorage is used instead.

aiogram reads the conversation state before every update and handlers read and write it
several times more (``state.clear()`` alone is a state and a data write). While an update
holds its conversation's lock (:class:`ConversationLocks`), the storage remembers the row it
read, so the update reads it from the database once, and each write is then one statement
(update, insert or delete) instead of a locked read and a write. Writes still reach the
database at once, in their own transaction, as before: what a handler saved is saved even if
the handler fails later.
"""

from __future__ import annotations

import copy
from asyncio import Lock
from collections.abc import AsyncGenerator, Callable, Hashable, Mapping
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import (
    BaseEventIsolation,
    BaseStorage,
    DefaultKeyBuilder,
    KeyBuilder,
    StorageKey,
)
from sqlalchemy import delete, insert, update
from sqlalchemy.ext.asyncio import async_sessionmaker

from storage.tables import ConversationStateRow


@dataclass
class _Known:
    """A conversation row as the database holds it now (``stored``: the row exists)."""

    state: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    stored: bool = False


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
        self._remembered: ContextVar[dict[str, _Known] | None] = ContextVar(
            f"conversations-{id(self)}", default=None)

    @asynccontextmanager
    async def remembering(self) -> AsyncGenerator[None, None]:
        """Within this block (one update, under its conversation's lock) rows read are
        remembered and writes go straight to the row."""
        token = self._remembered.set({})
        try:
            yield
        finally:
            self._remembered.reset(token)

    async def set_state(self, key: StorageKey, state: str | State | None = None) -> None:
        value = state.state if isinstance(state, State) else state
        await self._write(key, state=value)

    async def get_state(self, key: StorageKey) -> str | None:
        return (await self._read(key)).state

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        await self._write(key, data=copy.deepcopy(dict(data)))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        # A copy: a handler changing what it got must not change what is remembered.
        return copy.deepcopy((await self._read(key)).data)

    async def close(self) -> None:
        """The engine belongs to the application, which disposes of it."""

    async def _read(self, key: StorageKey) -> _Known:
        name = self._keys.build(key)
        remembered = self._remembered.get()
        if remembered is not None and name in remembered:
            return remembered[name]
        async with self._sessions() as session:
            row: ConversationStateRow | None = await session.get(ConversationStateRow, name)
            known = (_Known(row.state, dict(row.data or {}), stored=True) if row is not None
                     else _Known())
        if remembered is not None:
            remembered[name] = known
        return known

    async def _write(self, key: StorageKey, **values: Any) -> None:
        remembered = self._remembered.get()
        name = self._keys.build(key)
        if remembered is not None and name in remembered:
            await self._write_known(name, remembered[name], values)
            return
        await self._write_locked(key, **values)
        if remembered is not None:
            remembered.pop(name, None)  # read again, once, if the update needs it

    async def _write_known(self, name: str, known: _Known, values: dict[str, Any]) -> None:
        """One statement: the row is known, so it is updated, inserted or deleted blind."""
        state = values.get("state", known.state)
        data = values.get("data", known.data)
        table = ConversationStateRow
        if state is None and not data and not known.stored:
            return  # nothing held, nothing to hold
        async with self._sessions() as session, session.begin():
            if state is None and not data:
                await session.execute(delete(table).where(table.key == name))
            elif known.stored:
                result = await session.execute(
                    update(table).where(table.key == name)
                    .values(state=state, data=data, updated_at=self._clock()))
                if getattr(result, "rowcount", 1) == 0:  # gone meanwhile: put it back
                    await session.execute(insert(table).values(
                        key=name, state=state, data=data, updated_at=self._clock()))
            else:
                await session.execute(insert(table).values(
                    key=name, state=state, data=data, updated_at=self._clock()))
        known.state, known.data = state, data
        known.stored = state is not None or bool(data)

    async def _write_locked(self, key: StorageKey, **values: Any) -> None:
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


class ConversationLocks(BaseEventIsolation):
    """One update at a time per conversation, in this process, as aiogram's
    SimpleEventIsolation does, but a lock is dropped once nobody holds or waits for it (that
    one keeps a lock for every user ever seen). While an update holds the lock, ``storage``
    remembers its conversation row."""

    def __init__(self, storage: DatabaseStorage | None = None) -> None:
        self._storage = storage
        self._locks: dict[Hashable, tuple[Lock, int]] = {}

    @asynccontextmanager
    async def lock(self, key: StorageKey) -> AsyncGenerator[None, None]:
        lock, users = self._locks.get(key) or (Lock(), 0)
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                if self._storage is None:
                    yield
                else:
                    async with self._storage.remembering():
                        yield
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    def held(self) -> int:
        """How many conversations have a lock now (held or waited for)."""
        return len(self._locks)

    async def close(self) -> None:
        self._locks.clear()
