"""The relay's records: who wrote to whom through the bot and when, never what.

``relay_messages`` is the table to count from: one row per message delivered, with its pair,
its direction (``sender_id`` -> ``recipient_id``), its ``kind`` and ``sent_at`` (UTC,
indexed with ``pair_id``). Rows go after ``KEEP`` or when the pair ends (``purge``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from mentoring.relay import KEEP, Delivered, Mapped, Member
from storage.outbox import RELAY_LANE
from storage.tables import (
    OutboxRow,
    PairRow,
    RelayChoiceRow,
    RelayMessageRow,
    ReportRow,
    StudentProfileRow,
    UserRow,
    VolunteerProfileRow,
)

CONTENT = ("body", "caption", "entities")
"""What a relay row of the outbox holds of the message only until it is sent."""


class SqlRelay:
    def __init__(self, sessions: async_sessionmaker[Any]) -> None:
        self._sessions = sessions
        self.on_queued: Callable[[], None] | None = None
        """Called once a message is queued: the outbox sender of this process starts its
        round at once (the person writing waits for it) instead of within a second."""

    async def enqueue(self, key: str, recipient_id: int, kind: str, params: dict[str, Any],
                      now: datetime) -> bool:
        """One relay message in the outbox's first lane; False if ``key`` was queued already
        (the same update handled twice)."""
        async with self._sessions() as session, session.begin():
            if await session.scalar(select(OutboxRow.id).where(OutboxRow.key == key)):
                return False
            await session.execute(insert(OutboxRow).values(
                key=key, recipient_id=recipient_id, kind=kind, params=params,
                status="pending", due_at=now, attempts=0, created_at=now, lane=RELAY_LANE))
        if self.on_queued is not None:
            self.on_queued()
        return True

    async def noticed(self, user_id: int, reason: str, since: datetime) -> bool:
        """Whether ``user_id`` was queued a relay notice for ``reason`` at ``since`` or later."""
        async with self._sessions() as session:
            rows = await session.scalars(select(OutboxRow.params).where(
                OutboxRow.recipient_id == user_id, OutboxRow.kind == "relay_notice",
                OutboxRow.created_at >= since))
            return any(params.get("reason") == reason for params in rows)

    async def forget_content(self, outbox_id: int) -> None:
        """The text and caption a relay row held go once it has gone (or cannot go)."""
        async with self._sessions() as session, session.begin():
            await _strip(session, outbox_id)

    async def record(self, delivered: Delivered, outbox_id: int | None = None) -> None:
        """The record of a delivered message; the content its outbox row ``outbox_id`` held
        goes in the same transaction."""
        async with self._sessions() as session, session.begin():
            if outbox_id is not None:
                await _strip(session, outbox_id)
            session.add(RelayMessageRow(
                pair_id=delivered.pair_id, sender_id=delivered.sender_id,
                recipient_id=delivered.recipient_id, kind=delivered.kind,
                sent_at=delivered.sent_at, source_message_id=delivered.source_message_id,
                copy_message_id=delivered.copy_message_id))

    async def replied(self, user_id: int, message_id: int) -> Mapped | None:
        """The message ``message_id`` of ``user_id``'s chat, if it was relayed either way:
        its pair, the partner, and the same message's id in the partner's chat."""
        async with self._sessions() as session:
            row = (await session.execute(
                select(RelayMessageRow.pair_id, RelayMessageRow.sender_id,
                       RelayMessageRow.source_message_id)
                .where(RelayMessageRow.recipient_id == user_id,
                       RelayMessageRow.copy_message_id == message_id).limit(1))).first()
            if row is not None:
                return Mapped(row[0], row[1], row[2])
            row = (await session.execute(
                select(RelayMessageRow.pair_id, RelayMessageRow.recipient_id,
                       RelayMessageRow.copy_message_id)
                .where(RelayMessageRow.sender_id == user_id,
                       RelayMessageRow.source_message_id == message_id).limit(1))).first()
            return Mapped(row[0], row[1], row[2]) if row is not None else None

    async def copies(self, sender_id: int, source_message_id: int) -> list[Mapped]:
        """Where a message ``sender_id`` wrote was relayed to, for its edits."""
        async with self._sessions() as session:
            rows = await session.execute(
                select(RelayMessageRow.pair_id, RelayMessageRow.recipient_id,
                       RelayMessageRow.copy_message_id)
                .where(RelayMessageRow.sender_id == sender_id,
                       RelayMessageRow.source_message_id == source_message_id))
            return [Mapped(*row) for row in rows]

    async def members(self, user_id: int) -> list[Member]:
        """``user_id``'s active pairs, each with its partner and whether a report freezes
        it."""
        return await active_members(self._sessions, user_id)

    async def frozen(self, pair_id: int) -> bool:
        """A report about the pair is open: the pair is paused."""
        async with self._sessions() as session:
            return bool(await session.scalar(select(ReportRow.id).where(
                ReportRow.pair_id == pair_id, ReportRow.closed_at.is_(None)).limit(1)))

    async def ended_pair_of(self, user_id: int) -> int | None:
        async with self._sessions() as session:
            found: int | None = await session.scalar(select(PairRow.id).where(
                PairRow.status != "active",
                or_(PairRow.student_id == user_id, PairRow.volunteer_id == user_id)).limit(1))
            return found

    async def first_name(self, user_id: int) -> str | None:
        """The profile's first name, else the Telegram name, in one query."""
        async with self._sessions() as session:
            row = (await session.execute(
                select(StudentProfileRow.first_name, VolunteerProfileRow.first_name,
                       UserRow.telegram_name)
                .select_from(UserRow)
                .outerjoin(StudentProfileRow, StudentProfileRow.user_id == UserRow.id)
                .outerjoin(VolunteerProfileRow, VolunteerProfileRow.user_id == UserRow.id)
                .where(UserRow.id == user_id))).first()
            return next((name for name in row or () if name), None)

    async def choice(self, volunteer_id: int) -> int | None:
        async with self._sessions() as session:
            found: int | None = await session.scalar(
                select(RelayChoiceRow.pair_id).where(RelayChoiceRow.volunteer_id == volunteer_id))
            return found

    async def choose(self, volunteer_id: int, pair_id: int, now: datetime) -> None:
        async with self._sessions() as session, session.begin():
            row = await session.get(RelayChoiceRow, volunteer_id)
            if row is None:
                session.add(RelayChoiceRow(volunteer_id=volunteer_id, pair_id=pair_id,
                                           chosen_at=now))
            else:
                row.pair_id, row.chosen_at = pair_id, now

    async def counts(self, pair_id: int, since: datetime,
                     until: datetime) -> dict[tuple[int, int], int]:
        """Messages relayed in the pair in [since, until), by (sender, recipient)."""
        async with self._sessions() as session:
            rows = await session.execute(
                select(RelayMessageRow.sender_id, RelayMessageRow.recipient_id, func.count())
                .where(RelayMessageRow.pair_id == pair_id, RelayMessageRow.sent_at >= since,
                       RelayMessageRow.sent_at < until)
                .group_by(RelayMessageRow.sender_id, RelayMessageRow.recipient_id))
            return {(sender, recipient): count for sender, recipient, count in rows.all()}

    async def counts_by_pair(self, since: datetime,
                             until: datetime) -> dict[int, dict[tuple[int, int], int]]:
        """Every pair's messages in [since, until), by direction, in one query."""
        async with self._sessions() as session:
            rows = await session.execute(
                select(RelayMessageRow.pair_id, RelayMessageRow.sender_id,
                       RelayMessageRow.recipient_id, func.count())
                .where(RelayMessageRow.sent_at >= since, RelayMessageRow.sent_at < until)
                .group_by(RelayMessageRow.pair_id, RelayMessageRow.sender_id,
                          RelayMessageRow.recipient_id))
            found: dict[int, dict[tuple[int, int], int]] = {}
            for pair, sender, recipient, count in rows.all():
                found.setdefault(pair, {})[(sender, recipient)] = count
            return found

    async def purge(self, now: datetime) -> int:
        """Records older than ``KEEP``, and every record and choice of a pair that ended."""
        ended = select(PairRow.id).where(PairRow.status != "active")
        async with self._sessions() as session, session.begin():
            gone = await session.execute(delete(RelayMessageRow).where(or_(
                RelayMessageRow.sent_at < now - KEEP, RelayMessageRow.pair_id.in_(ended))))
            await session.execute(delete(RelayChoiceRow).where(
                RelayChoiceRow.pair_id.in_(ended)))
            return int(gone.rowcount or 0)


async def _strip(session: AsyncSession, outbox_id: int) -> None:
    row = await session.get(OutboxRow, outbox_id)
    if row is not None and any(k in row.params for k in CONTENT):
        row.params = {k: v for k, v in row.params.items() if k not in CONTENT}


async def active_members(sessions: async_sessionmaker[Any], user_id: int) -> list[Member]:
    """``user_id``'s active pairs, each with its partner and whether a report freezes it."""
    # One query, since every relayed message asks it twice (when written, when sent).
    frozen = (select(ReportRow.id).where(ReportRow.pair_id == PairRow.id,
                                         ReportRow.closed_at.is_(None)).exists())
    async with sessions() as session:
        rows = await session.execute(
            select(PairRow.id, PairRow.student_id, PairRow.volunteer_id, frozen).where(
                PairRow.status == "active",
                or_(PairRow.student_id == user_id, PairRow.volunteer_id == user_id))
            .order_by(PairRow.id))
        return [Member(pair, volunteer if student == user_id else student, bool(paused))
                for pair, student, volunteer, paused in rows.all()]
