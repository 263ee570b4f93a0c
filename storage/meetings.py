"""The meetings' records: the ``meetings`` table, read and written one transaction at a time.

``meetings`` is the table to count from: one row per meeting a member proposed, with its
``status`` (proposed, confirmed, cancelled, then held or missed once a session log says so),
``starts_at`` (UTC, once a slot was picked, indexed with ``status``) and ``minutes``.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from mentoring.meeting_service import MemberRecord
from mentoring.meetings import Kind, Meeting, PairView, Status
from mentoring.pairing import Notification
from storage.matching import SqlOutbox
from storage.tables import (
    MeetingRow,
    OutboxRow,
    PairRow,
    ReportRow,
    StudentProfileRow,
    VolunteerProfileRow,
)


def _meeting(row: MeetingRow) -> Meeting:
    return Meeting(
        id=row.id, pair_id=row.pair_id, proposed_by=row.proposed_by, kind=Kind(row.kind),
        status=Status(row.status), slots=tuple(datetime.fromisoformat(s) for s in row.slots),
        starts_at=row.starts_at, timezone=row.timezone, created_at=row.created_at,
        updated_at=row.updated_at, minutes=row.minutes, sequence=row.sequence,
        changed_by=row.changed_by)


def _fill(row: MeetingRow, meeting: Meeting) -> None:
    row.pair_id, row.proposed_by, row.kind = meeting.pair_id, meeting.proposed_by, meeting.kind
    row.status, row.starts_at, row.minutes = meeting.status, meeting.starts_at, meeting.minutes
    row.slots = [slot.isoformat() for slot in meeting.slots]
    row.timezone, row.sequence, row.changed_by = meeting.timezone, meeting.sequence, \
        meeting.changed_by
    row.created_at, row.updated_at = meeting.created_at, meeting.updated_at


class SqlMeetingBook:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def pair(self, pair_id: int) -> PairView | None:
        row = await self._session.get(PairRow, pair_id)
        if row is None:
            return None
        frozen = bool(await self._session.scalar(select(ReportRow.id).where(
            ReportRow.pair_id == pair_id, ReportRow.closed_at.is_(None)).limit(1)))
        return PairView(row.id, row.student_id, row.volunteer_id, row.status == "active",
                        frozen)

    async def pairs_of(self, user_id: int) -> list[PairView]:
        rows = await self._session.scalars(select(PairRow).where(
            PairRow.status == "active",
            or_(PairRow.student_id == user_id, PairRow.volunteer_id == user_id))
            .order_by(PairRow.id))
        return [PairView(r.id, r.student_id, r.volunteer_id, True) for r in rows]

    async def member(self, user_id: int) -> MemberRecord | None:
        student = await self._session.get(StudentProfileRow, user_id)
        if student is not None:
            return MemberRecord(user_id, student.first_name, student.department,
                                tuple(student.availability or ()))
        volunteer = await self._session.get(VolunteerProfileRow, user_id)
        if volunteer is not None:
            return MemberRecord(user_id, volunteer.first_name, volunteer.department,
                                tuple(volunteer.availability or ()))
        return None

    async def pairs(self, pair_ids: Sequence[int]) -> dict[int, PairView]:
        if not pair_ids:
            return {}
        rows = (await self._session.execute(select(
            PairRow.id, PairRow.student_id, PairRow.volunteer_id, PairRow.status)
            .where(PairRow.id.in_(pair_ids)))).all()
        frozen = set(await self._session.scalars(select(ReportRow.pair_id).where(
            ReportRow.pair_id.in_(pair_ids), ReportRow.closed_at.is_(None))))
        return {pair: PairView(pair, student, volunteer, status == "active", pair in frozen)
                for pair, student, volunteer, status in rows}

    async def members(self, user_ids: Sequence[int]) -> dict[int, MemberRecord]:
        if not user_ids:
            return {}
        found: dict[int, MemberRecord] = {}
        for table in (VolunteerProfileRow, StudentProfileRow):
            rows = await self._session.execute(select(
                table.user_id, table.first_name, table.department, table.availability)
                .where(table.user_id.in_(user_ids)))
            for user, name, department, availability in rows.all():
                found[user] = MemberRecord(user, name, department, tuple(availability or ()))
        return found

    async def get(self, meeting_id: int) -> Meeting | None:
        query = select(MeetingRow).where(MeetingRow.id == meeting_id)
        if self._session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update()
        row = await self._session.scalar(query)
        return _meeting(row) if row is not None else None

    async def add(self, meeting: Meeting) -> Meeting:
        row = MeetingRow()
        _fill(row, meeting)
        self._session.add(row)
        await self._session.flush()
        return _meeting(row)

    async def save(self, meeting: Meeting) -> None:
        row = await self._session.get(MeetingRow, meeting.id)
        if row is None:
            raise LookupError(meeting.id)
        _fill(row, meeting)
        await self._session.flush()

    async def upcoming(self, pair_ids: Sequence[int], now: datetime) -> list[Meeting]:
        if not pair_ids:
            return []
        rows = await self._session.scalars(select(MeetingRow).where(
            MeetingRow.pair_id.in_(pair_ids),
            or_(MeetingRow.status == Status.PROPOSED,
                (MeetingRow.status == Status.CONFIRMED) & (MeetingRow.starts_at > now)))
            .order_by(MeetingRow.starts_at.is_(None), MeetingRow.starts_at, MeetingRow.id))
        return [_meeting(r) for r in rows]

    async def confirmed_between(self, since: datetime, until: datetime, after_id: int,
                                limit: int) -> list[Meeting]:
        rows = await self._session.scalars(select(MeetingRow).where(
            MeetingRow.status == Status.CONFIRMED, MeetingRow.starts_at >= since,
            MeetingRow.starts_at < until, MeetingRow.id > after_id)
            .order_by(MeetingRow.id).limit(limit))
        return [_meeting(r) for r in rows]

    async def of_ended_pairs(self, limit: int) -> list[Meeting]:
        rows = await self._session.scalars(
            select(MeetingRow).join(PairRow, PairRow.id == MeetingRow.pair_id)
            .where(MeetingRow.status.in_((Status.PROPOSED, Status.CONFIRMED)),
                   PairRow.status != "active")
            .order_by(MeetingRow.id).limit(limit))
        return [_meeting(r) for r in rows]

    async def enqueue(self, notes: Sequence[Notification], now: datetime) -> int:
        if not notes:
            return 0
        known = set(await self._session.scalars(select(OutboxRow.key).where(
            OutboxRow.key.in_([note.key for note in notes]))))
        fresh = [note for note in notes if note.key not in known]
        await SqlOutbox(self._session).add_many(fresh, now)
        return len(fresh)

    async def commit(self) -> None:
        await self._session.commit()


class SqlMeetings:
    def __init__(self, sessions: async_sessionmaker[Any]) -> None:
        self._sessions = sessions

    @contextlib.asynccontextmanager
    async def book(self) -> AsyncIterator[SqlMeetingBook]:
        """One transaction; what was not committed is rolled back."""
        async with self._sessions() as session:
            try:
                yield SqlMeetingBook(session)
            finally:
                await session.rollback()
