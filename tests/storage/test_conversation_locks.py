"""The conversation storage under an update's lock: one read per update, one statement per
write, copies handed out, locks dropped when done, and the same rows as without the lock."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from aiogram.fsm.storage.base import StorageKey
from sqlalchemy import event, select

from storage.conversations import ConversationLocks, DatabaseStorage
from storage.database import make_engine, make_sessionmaker
from storage.tables import ConversationStateRow

KEY = StorageKey(bot_id=1, chat_id=42, user_id=42)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[Any]:
    engine = make_engine(database_url)
    yield engine
    await engine.dispose()


@contextmanager
def counted(engine: Any) -> Iterator[list[str]]:
    """The SQL statements run inside the block (SQLite's BEGIN included)."""
    seen: list[str] = []

    def statement(_c: Any, _cur: Any, sql: str, *_: Any) -> None:
        if not sql.startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            seen.append(sql.split()[0])

    event.listen(engine.sync_engine, "before_cursor_execute", statement)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", statement)


async def clear(storage: DatabaseStorage) -> None:
    """What ``FSMContext.clear`` does."""
    await storage.set_state(KEY, None)
    await storage.set_data(KEY, {})


async def stored(engine: Any) -> dict[str, tuple[str | None, dict[str, Any]]]:
    async with make_sessionmaker(engine)() as session:
        rows = await session.scalars(select(ConversationStateRow))
        return {row.key: (row.state, row.data) for row in rows}


async def test_an_update_reads_its_row_once_and_writes_each_change_in_one_statement(
        engine: Any) -> None:
    storage = DatabaseStorage(make_sessionmaker(engine))
    locks = ConversationLocks(storage)
    with counted(engine) as statements:
        async with locks.lock(KEY):
            assert await storage.get_state(KEY) is None  # as aiogram does first
            await storage.set_state(KEY, "Form:answering")
            assert await storage.get_state(KEY) == "Form:answering"
            await storage.update_data(KEY, {"step": "first_name"})
            assert await storage.get_data(KEY) == {"step": "first_name"}
    assert statements == ["SELECT", "INSERT", "UPDATE"]
    assert list((await stored(engine)).values()) == [("Form:answering", {"step": "first_name"})]

    with counted(engine) as statements:
        async with locks.lock(KEY):  # the next update: clearing deletes the row
            assert await storage.get_state(KEY) == "Form:answering"
            await clear(storage)
            assert await storage.get_state(KEY) is None
            await clear(storage)  # nothing held, nothing written
    assert statements == ["SELECT", "UPDATE", "DELETE"]  # the state, then the data
    assert await stored(engine) == {}
    assert locks.held() == 0


async def test_what_a_handler_changes_in_its_copy_is_not_saved(engine: Any) -> None:
    storage = DatabaseStorage(make_sessionmaker(engine))
    async with ConversationLocks(storage).lock(KEY):
        await storage.set_data(KEY, {"answers": {"needs": ["cv"]}})
        data = await storage.get_data(KEY)
        data["answers"]["needs"].append("exams")
        assert await storage.get_data(KEY) == {"answers": {"needs": ["cv"]}}
    assert list((await stored(engine)).values()) == [(None, {"answers": {"needs": ["cv"]}})]


async def test_a_row_removed_meanwhile_is_written_again(engine: Any) -> None:
    sessions = make_sessionmaker(engine)
    storage, other = DatabaseStorage(sessions), DatabaseStorage(sessions)
    await other.set_state(KEY, "Form:answering")
    async with ConversationLocks(storage).lock(KEY):
        assert await storage.get_state(KEY) == "Form:answering"
        await clear(other)  # another process ends the conversation
        await storage.set_data(KEY, {"step": "field"})
    assert list((await stored(engine)).values()) == [("Form:answering", {"step": "field"})]


async def test_without_the_lock_every_read_goes_to_the_database(engine: Any) -> None:
    sessions = make_sessionmaker(engine)
    storage, other = DatabaseStorage(sessions), DatabaseStorage(sessions)
    await storage.set_state(KEY, "Form:answering")
    await other.set_state(KEY, "Form:summary")
    assert await storage.get_state(KEY) == "Form:summary"


async def test_one_update_at_a_time_per_conversation_and_no_lock_kept(engine: Any) -> None:
    locks = ConversationLocks(DatabaseStorage(make_sessionmaker(engine)))
    order: list[str] = []

    async def update(name: str, key: StorageKey) -> None:
        async with locks.lock(key):
            order.append(f"{name} in")
            await asyncio.sleep(0.01)
            order.append(f"{name} out")

    other = StorageKey(bot_id=1, chat_id=7, user_id=7)
    await asyncio.gather(update("a", KEY), update("b", KEY), update("c", other))
    assert order.index("a out") < order.index("b in")  # same conversation: one after the other
    assert order.index("c in") < order.index("a out")  # another one is not held up
    assert locks.held() == 0
    for user in range(1000):
        async with locks.lock(StorageKey(bot_id=1, chat_id=user, user_id=user)):
            pass
    assert locks.held() == 0
