"""What the operations endpoints read from the database: readiness and the figures behind
the Prometheus gauges. Each is one small indexed query, cheap enough for a scrape every 15 s."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import func, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from storage.migrate import alembic_config
from storage.tables import FollowUpRow, OutboxRow, PairRow


@dataclass(frozen=True)
class Figures:
    outbox: dict[str, int] = field(default_factory=dict)
    """Rows by status."""
    outbox_oldest_due_seconds: float = 0.0
    """How long the oldest pending row has been due (0 when none is)."""
    pairs: dict[str, int] = field(default_factory=dict)
    """Pairs by status."""
    scheduler_lag_seconds: float = 0.0
    """How long the most overdue follow-up has been waiting for the tick (0 when none is):
    with a live scheduler it stays under about a minute."""


async def figures(sessions: async_sessionmaker[Any], now: datetime) -> Figures:
    async with sessions() as session:
        outbox = {status: count for status, count in await session.execute(
            select(OutboxRow.status, func.count()).group_by(OutboxRow.status))}
        oldest = await session.scalar(select(func.min(OutboxRow.due_at)).where(
            OutboxRow.status == "pending", OutboxRow.due_at <= now))
        pairs = {status: count for status, count in await session.execute(
            select(PairRow.status, func.count()).group_by(PairRow.status))}
        overdue = await session.scalar(select(func.min(FollowUpRow.next_due_at)).where(
            FollowUpRow.next_due_at <= now))
    return Figures(outbox=outbox, outbox_oldest_due_seconds=_since(oldest, now), pairs=pairs,
                   scheduler_lag_seconds=_since(overdue, now))


def _since(moment: datetime | None, now: datetime) -> float:
    if moment is None:
        return 0.0
    # SQLite gives back what it stored; min() over a UTCDateTime column comes back naive.
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=now.tzinfo)
    return max(0.0, (now - moment).total_seconds())


async def unready(engine: AsyncEngine, database_url: str) -> str | None:
    """None when the database answers and carries the newest migration, else why not."""
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
            current = await connection.run_sync(_current_revisions)
    except Exception as error:  # any driver's error: the database cannot be reached
        return f"database: {type(error).__name__}"
    heads = set(ScriptDirectory.from_config(alembic_config(database_url)).get_heads())
    if current != heads:
        return f"database: migrations {sorted(current)} applied, {sorted(heads)} expected"
    return None


def _current_revisions(connection: Connection) -> set[str]:
    return set(MigrationContext.configure(connection).get_current_heads())
