"""Session logs and outcomes in SQL."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import exists, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from mentoring.outcomes import Outcome, OutcomeStep, Source
from mentoring.sessionlog import EndedMeeting, Happened, SessionEntry, Step
from storage.matching import _pair
from storage.tables import (
    MeetingRow,
    OutcomeRow,
    PairRow,
    SessionLogRow,
    StudentProfileRow,
    VolunteerProfileRow,
)


class SqlSessionLogs:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def meetings_ended(self, now: datetime, limit: int) -> list[EndedMeeting]:
        student = aliased(StudentProfileRow)
        volunteer = aliased(VolunteerProfileRow)
        rows = await self._session.execute(
            select(MeetingRow, PairRow, student.department, volunteer.department)
            .join(PairRow, PairRow.id == MeetingRow.pair_id)
            .outerjoin(student, student.user_id == PairRow.student_id)
            .outerjoin(volunteer, volunteer.user_id == PairRow.volunteer_id)
            .where(MeetingRow.status == "confirmed", MeetingRow.starts_at.is_not(None),
                   MeetingRow.starts_at <= now, PairRow.status == "active",
                   # Asked since its last change (a move) means asked.
                   ~exists().where(SessionLogRow.meeting_id == MeetingRow.id,
                                   SessionLogRow.asked_at >= MeetingRow.updated_at))
            .order_by(MeetingRow.starts_at, MeetingRow.id).limit(limit))
        # The end is start plus minutes, checked here: interval arithmetic differs between
        # SQLite and PostgreSQL, and the few meetings still under way are cheap to skip.
        ended = []
        for meeting, pair, student_department, volunteer_department in rows.all():
            assert meeting.starts_at is not None
            if meeting.starts_at + timedelta(minutes=meeting.minutes) <= now:
                ended.append(EndedMeeting(meeting.id, meeting.sequence, _pair(pair),
                                          meeting.starts_at, {
                    pair.student_id: student_department,
                    pair.volunteer_id: volunteer_department}))
        return ended

    async def asked(self, pair_id: int, occasion: str) -> bool:
        return bool(await self._session.scalar(select(exists().where(
            SessionLogRow.pair_id == pair_id, SessionLogRow.occasion == occasion))))

    async def add(self, entry: SessionEntry) -> int | None:
        try:
            async with self._session.begin_nested():
                entry_id = await self._session.scalar(insert(SessionLogRow).values(
                    pair_id=entry.pair_id, meeting_id=entry.meeting_id, user_id=entry.user_id,
                    happened=None, topics=[], note=None, usefulness=None,
                    held_on=entry.held_on, asked_at=entry.asked_at, answered_at=None,
                    occasion=entry.occasion, step=entry.step.value)
                    .returning(SessionLogRow.id))
        except IntegrityError:
            return None  # asked by a concurrent tick: same occasion, same member
        assert entry_id is not None
        return int(entry_id)

    async def get(self, entry_id: int) -> SessionEntry | None:
        found = (await self._session.execute(
            select(SessionLogRow, PairRow.student_id)
            .join(PairRow, PairRow.id == SessionLogRow.pair_id)
            .where(SessionLogRow.id == entry_id))).first()
        if found is None:
            return None
        row, student_id = found
        if row.user_id is None:
            return None
        return SessionEntry(
            row.id, row.pair_id, row.user_id, row.user_id == student_id, row.meeting_id,
            row.occasion or "", row.held_on, row.asked_at, Step(row.step),
            Happened(row.happened) if row.happened else None, tuple(row.topics or ()),
            row.note, row.usefulness, row.answered_at)

    async def save(self, entry: SessionEntry) -> None:
        await self._session.execute(update(SessionLogRow).where(
            SessionLogRow.id == entry.id).values(
            happened=entry.happened.value if entry.happened else None,
            topics=list(entry.topics), note=entry.note, usefulness=entry.usefulness,
            answered_at=entry.answered_at, step=entry.step.value))

    async def answers_of(self, pair_id: int, occasion: str) -> list[str | None]:
        return list(await self._session.scalars(select(SessionLogRow.happened).where(
            SessionLogRow.pair_id == pair_id, SessionLogRow.occasion == occasion)))

    async def set_meeting_status(self, meeting_id: int, status: str) -> None:
        await self._session.execute(update(MeetingRow).where(
            MeetingRow.id == meeting_id, MeetingRow.status.in_(("confirmed", "missed")))
            .values(status=status))

    async def meeting_statuses(self, pair_id: int, limit: int) -> list[str]:
        statuses = await self._session.scalars(
            select(MeetingRow.status)
            .where(MeetingRow.pair_id == pair_id, MeetingRow.status.in_(("held", "missed")))
            .order_by(MeetingRow.starts_at.desc(), MeetingRow.id.desc()).limit(limit))
        return list(reversed(list(statuses)))


class SqlOutcomes:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, outcome: Outcome) -> int:
        outcome_id = await self._session.scalar(insert(OutcomeRow).values(
            pair_id=outcome.pair_id, user_id=outcome.user_id, source=outcome.source.value,
            reason=outcome.reason, changes=list(outcome.changes),
            created_at=outcome.created_at, step=outcome.step.value).returning(OutcomeRow.id))
        assert outcome_id is not None
        return int(outcome_id)

    async def get(self, outcome_id: int) -> Outcome | None:
        row = await self._session.get(OutcomeRow, outcome_id, populate_existing=True)
        if row is None or row.user_id is None:
            return None
        return Outcome(row.id, row.pair_id, row.user_id, Source(row.source), row.created_at,
                       row.reason, tuple(row.changes or ()), OutcomeStep(row.step))

    async def save(self, outcome: Outcome) -> None:
        await self._session.execute(update(OutcomeRow).where(OutcomeRow.id == outcome.id)
                                    .values(changes=list(outcome.changes),
                                            step=outcome.step.value))

    async def exists(self, pair_id: int, user_id: int, source: Source) -> bool:
        return bool(await self._session.scalar(select(exists().where(
            OutcomeRow.pair_id == pair_id, OutcomeRow.user_id == user_id,
            OutcomeRow.source == source.value))))
