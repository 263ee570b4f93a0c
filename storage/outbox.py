"""The outbox queue: claiming due messages with a lease and recording how each ended."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import async_sessionmaker

from storage.matching import SqlMatching
from storage.tables import OutboxRow, UserRow

LEASE = timedelta(seconds=60)
DIRECT_LANE, BROADCAST_LANE, RELAY_LANE = 0, 1, 2
LANES = (RELAY_LANE, DIRECT_LANE, BROADCAST_LANE)
"""The order lanes are claimed in: what a person wrote to their partner first (someone is
waiting for it), then direct and scheduled messages, then broadcasts."""


@dataclass(frozen=True)
class Claimed:
    id: int
    recipient_id: int
    kind: str
    params: dict[str, Any]
    language: str
    attempts: int


class OutboxQueue:
    def __init__(self, sessions: async_sessionmaker[Any]) -> None:
        self._sessions = sessions

    async def claim(self, now: datetime, limit: int) -> list[Claimed]:
        """Take up to ``limit`` due messages for ``LEASE``, lane by lane in ``LANES``: relayed
        messages, then direct and scheduled messages, then broadcasts with what room is
        left, so a long broadcast never holds up a check-in. A crashed sender's expired
        leases are taken over. On PostgreSQL, concurrent senders skip each other's rows."""
        async with self._sessions() as session, session.begin():
            ids: list[int] = []
            for lane in LANES:
                if len(ids) >= limit:
                    break
                due = (select(OutboxRow.id)
                       .where(OutboxRow.lane == lane,
                              or_((OutboxRow.status == "pending") & (OutboxRow.due_at <= now),
                                  (OutboxRow.status == "sending")
                                  & (OutboxRow.claimed_until < now)))
                       .order_by(OutboxRow.due_at, OutboxRow.id).limit(limit - len(ids)))
                if session.get_bind().dialect.name == "postgresql":
                    due = due.with_for_update(skip_locked=True)
                ids += list(await session.scalars(due))
            if not ids:
                return []
            await session.execute(update(OutboxRow).where(OutboxRow.id.in_(ids))
                                  .values(status="sending", claimed_until=now + LEASE,
                                          attempts=OutboxRow.attempts + 1))
            rows = await session.execute(
                select(OutboxRow.id, OutboxRow.recipient_id, OutboxRow.kind, OutboxRow.params,
                       UserRow.language, OutboxRow.attempts)
                .join(UserRow, UserRow.id == OutboxRow.recipient_id, isouter=True)
                .where(OutboxRow.id.in_(ids)))
            found = {r[0]: Claimed(r[0], r[1], r[2], dict(r[3]), r[4] or "fr", r[5])
                     for r in rows}
            return [found[row_id] for row_id in ids]

    async def finish(self, row_id: int, status: str, now: datetime,
                     error: str | None = None) -> None:
        """``status``: sent, blocked, failed or skipped (no longer applies)."""
        async with self._sessions() as session, session.begin():
            await session.execute(update(OutboxRow).where(OutboxRow.id == row_id).values(
                status=status, sent_at=now if status == "sent" else None, claimed_until=None,
                last_error=error[:255] if error else None))

    async def retry(self, row_id: int, at: datetime, error: str, *, count: bool = True) -> None:
        async with self._sessions() as session, session.begin():
            values: dict[str, Any] = {"status": "pending", "claimed_until": None, "due_at": at,
                                      "last_error": error[:255]}
            if not count:  # a 429 is Telegram's pace, not a failure of this message
                values["attempts"] = OutboxRow.attempts - 1
            await session.execute(update(OutboxRow).where(OutboxRow.id == row_id).values(**values))

    async def release(self, row_ids: list[int]) -> None:
        """Give back rows claimed but not sent (the sender is stopping): due again at once,
        and the claim does not count as an attempt."""
        if not row_ids:
            return
        async with self._sessions() as session, session.begin():
            await session.execute(
                update(OutboxRow).where(OutboxRow.id.in_(row_ids), OutboxRow.status == "sending")
                .values(status="pending", claimed_until=None, attempts=OutboxRow.attempts - 1))

    async def mark_blocked(self, user_id: int, now: datetime) -> None:
        """Telegram refused with 403: nothing more is sent in vain, and a proposal waiting
        for this volunteer's answer moves on to the next volunteer at the next tick."""
        async with self._sessions() as session, session.begin():
            await session.execute(update(UserRow).where(UserRow.id == user_id)
                                  .values(blocked=True))
            matching = SqlMatching(session)
            await matching.hurry_proposals_of(user_id, now)
            await matching.touch_volunteer(user_id, now)

    async def counts(self) -> dict[str, int]:
        from sqlalchemy import func

        async with self._sessions() as session:
            rows = await session.execute(
                select(OutboxRow.status, func.count()).group_by(OutboxRow.status))
            return {status: count for status, count in rows.all()}
