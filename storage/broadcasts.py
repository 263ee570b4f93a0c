"""Broadcasts and their recipients' outbox rows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mentoring.broadcast import (
    Audience,
    Broadcast,
    BroadcastStatus,
    Member,
    student_families,
    volunteer_families,
)
from mentoring.model import Role
from storage.outbox import BROADCAST_LANE
from storage.staff import at_risk
from storage.tables import (
    BroadcastRow,
    FollowUpRow,
    OutboxRow,
    PairRow,
    StudentProfileRow,
    UserRow,
    VolunteerProfileRow,
)

CHUNK = 5_000  # rows per INSERT: bounded memory for any audience size


def _broadcast(row: BroadcastRow) -> Broadcast:
    return Broadcast(
        id=row.id, author_id=row.author_id, text=row.text,
        audience=Audience.from_dict(row.audience), status=BroadcastStatus(row.status),
        created_at=row.created_at, send_at=row.send_at, started_at=row.started_at,
        finished_at=row.finished_at, recipients=row.recipients,
        progress_message_id=row.progress_message_id)


class SqlBroadcasts:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def members(self, now: datetime) -> list[Member]:
        session = self._session
        risky: set[int] = set()
        for student, volunteer in await session.execute(
                select(PairRow.student_id, PairRow.volunteer_id)
                .join(FollowUpRow, FollowUpRow.pair_id == PairRow.id)
                .where(PairRow.status == "active", at_risk())):
            risky.update((student, volunteer))
        members = [
            Member(user_id, Role.STUDENT, student_families(field), department,
                   waiting=waiting_since is not None, at_risk=user_id in risky)
            for user_id, field, department, waiting_since in await session.execute(
                select(StudentProfileRow.user_id, StudentProfileRow.field,
                       StudentProfileRow.department, StudentProfileRow.waiting_since)
                .join(UserRow, UserRow.id == StudentProfileRow.user_id)
                .where(UserRow.blocked.is_(False)))]
        v = VolunteerProfileRow
        for user_id, field, helps, department, load, capacity, paused in await session.execute(
                select(v.user_id, v.field, v.help_families, v.department, v.load, v.capacity,
                       v.paused_until)
                .join(UserRow, UserRow.id == v.user_id).where(UserRow.blocked.is_(False))):
            members.append(Member(
                user_id, Role.VOLUNTEER, volunteer_families(field, helps), department,
                room=load < capacity and (paused is None or paused <= now),
                at_risk=user_id in risky))
        return members

    async def add(self, broadcast: Broadcast) -> int:
        row = BroadcastRow(
            author_id=broadcast.author_id, text=broadcast.text,
            audience=broadcast.audience.to_dict(), status=broadcast.status.value,
            created_at=broadcast.created_at, send_at=broadcast.send_at, recipients=0)
        self._session.add(row)
        await self._session.flush()
        return row.id

    async def get(self, broadcast_id: int) -> Broadcast | None:
        row = await self._session.get(BroadcastRow, broadcast_id, populate_existing=True)
        return _broadcast(row) if row else None

    async def enqueue(self, broadcast_id: int, recipients: Sequence[int],
                      now: datetime) -> None:
        params = {"broadcast": broadcast_id}
        for start in range(0, len(recipients), CHUNK):
            await self._session.execute(insert(OutboxRow), [
                {"key": f"broadcast:{broadcast_id}:{user_id}", "recipient_id": user_id,
                 "kind": "broadcast", "params": params, "status": "pending", "due_at": now,
                 "attempts": 0, "created_at": now, "lane": BROADCAST_LANE,
                 "broadcast_id": broadcast_id}
                for user_id in recipients[start:start + CHUNK]])

    async def started(self, broadcast_id: int, recipients: int, now: datetime) -> None:
        await self._session.execute(
            update(BroadcastRow).where(BroadcastRow.id == broadcast_id)
            .values(status="sending", started_at=now, recipients=recipients))

    async def due(self, now: datetime) -> list[int]:
        return list(await self._session.scalars(
            select(BroadcastRow.id).where(BroadcastRow.status == "scheduled",
                                          BroadcastRow.send_at <= now)
            .order_by(BroadcastRow.send_at, BroadcastRow.id)))

    async def claim_scheduled(self, broadcast_id: int) -> Broadcast | None:
        claimed = await self._session.execute(
            update(BroadcastRow).where(BroadcastRow.id == broadcast_id,
                                       BroadcastRow.status == "scheduled")
            .values(status="sending"))
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            return None
        return await self.get(broadcast_id)

    async def sending(self) -> list[Broadcast]:
        rows = await self._session.scalars(
            select(BroadcastRow).where(BroadcastRow.status == "sending")
            .order_by(BroadcastRow.id))
        return [_broadcast(row) for row in rows]

    async def finish(self, broadcast_id: int, now: datetime) -> bool:
        done = await self._session.execute(
            update(BroadcastRow).where(BroadcastRow.id == broadcast_id,
                                       BroadcastRow.status == "sending")
            .values(status="done", finished_at=now))
        return bool(done.rowcount == 1)  # type: ignore[attr-defined]

    async def cancel(self, broadcast_id: int, actor_id: int, now: datetime) -> bool:
        cancelled = await self._session.execute(
            update(BroadcastRow).where(BroadcastRow.id == broadcast_id,
                                       BroadcastRow.status.in_(("scheduled", "sending")))
            .values(status="cancelled", finished_at=now, cancelled_by=actor_id))
        if cancelled.rowcount != 1:  # type: ignore[attr-defined]
            return False
        await self._session.execute(
            update(OutboxRow).where(OutboxRow.broadcast_id == broadcast_id,
                                    OutboxRow.status == "pending")
            .values(status="cancelled"))
        return True

    async def counts(self, broadcast_ids: Sequence[int]) -> dict[int, dict[str, int]]:
        found: dict[int, dict[str, int]] = {broadcast_id: {} for broadcast_id in broadcast_ids}
        rows = await self._session.execute(
            select(OutboxRow.broadcast_id, OutboxRow.status, func.count())
            .where(OutboxRow.broadcast_id.in_(broadcast_ids))
            .group_by(OutboxRow.broadcast_id, OutboxRow.status))
        for broadcast_id, status, count in rows.all():
            if broadcast_id is not None:  # always, given the filter; narrows the type
                found[broadcast_id][status] = int(count)
        return found

    async def latest(self, limit: int) -> list[Broadcast]:
        rows = await self._session.scalars(
            select(BroadcastRow).order_by(BroadcastRow.id.desc()).limit(limit))
        return [_broadcast(row) for row in rows]

    async def set_progress_message(self, broadcast_id: int, message_id: int) -> None:
        values: dict[str, Any] = {"progress_message_id": message_id}
        await self._session.execute(
            update(BroadcastRow).where(BroadcastRow.id == broadcast_id).values(**values))
