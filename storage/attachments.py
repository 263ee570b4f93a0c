"""What attaching a conversation to a report reads and queues: the report, the ids of the
pair's last relayed messages (never their content, which is not stored), and the outbox rows
that forward them to staff."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from mentoring.attachments import Relayed, ReportToAttach, forward_prefix
from mentoring.pairing import Notification
from storage.outbox import DIRECT_LANE
from storage.tables import OutboxRow, RelayMessageRow, ReportRow


class SqlAttachments:
    def __init__(self, sessions: async_sessionmaker[Any]) -> None:
        self._sessions = sessions

    async def report(self, report_id: int) -> ReportToAttach | None:
        async with self._sessions() as session:
            row = await session.get(ReportRow, report_id)
            if row is None or row.reporter_id is None:
                return None
            return ReportToAttach(row.id, row.reporter_id, row.pair_id, row.closed_at is None)

    async def last_messages(self, pair_id: int, limit: int) -> list[Relayed]:
        async with self._sessions() as session:
            rows = await session.execute(
                select(RelayMessageRow.id, RelayMessageRow.sender_id,
                       RelayMessageRow.source_message_id)
                .where(RelayMessageRow.pair_id == pair_id)
                .order_by(RelayMessageRow.sent_at.desc(), RelayMessageRow.id.desc())
                .limit(limit))
            return [Relayed(*row) for row in reversed(rows.all())]

    async def queue(self, notes: list[Notification], now: datetime) -> bool:
        if not notes:
            return False
        async with self._sessions() as session, session.begin():
            if await session.scalar(select(OutboxRow.id).where(OutboxRow.key == notes[0].key)):
                return False
            # One statement per row keeps their ids, hence their order of sending, as planned.
            for note in notes:
                await session.execute(insert(OutboxRow).values(
                    key=note.key, recipient_id=note.recipient_id, kind=note.kind,
                    params=note.params, status="pending", due_at=note.due_at or now,
                    attempts=0, created_at=now, lane=DIRECT_LANE))
            return True

    async def tally(self, report_id: int, staff_id: int) -> dict[str, int]:
        """How the forwards of a report's messages to one staff member ended, by status."""
        async with self._sessions() as session:
            rows = await session.execute(
                select(OutboxRow.status, func.count())
                .where(OutboxRow.key.startswith(forward_prefix(report_id, staff_id),
                                                autoescape=True))
                .group_by(OutboxRow.status))
            return {status: count for status, count in rows.all()}
