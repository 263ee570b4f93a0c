"""Proposals, pairs, the waiting list and the outbox, in SQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from mentoring.model import StudentProfile, VolunteerProfile
from mentoring.pairing import Notification, Pair, PairStatus, Proposal, ProposalStatus
from storage.repositories import student_from_row, volunteer_from_row
from storage.tables import (
    ExclusionRow,
    FeedbackRow,
    FollowUpRow,
    OutboxRow,
    PairRow,
    ProposalRow,
    ReportRow,
    StaffBlockRow,
    StudentProfileRow,
    UserRow,
    VolunteerProfileRow,
    VolunteerVettingRow,
)


def _proposal(row: ProposalRow) -> Proposal:
    return Proposal(
        id=row.id, student_id=row.student_id, volunteer_id=row.volunteer_id, score=row.score,
        reasons=list(row.reasons), created_at=row.created_at, deadline=row.deadline,
        remind_at=row.remind_at, status=ProposalStatus(row.status), decided_at=row.decided_at,
        decline_reason=row.decline_reason,
    )


def _pair(row: PairRow) -> Pair:
    return Pair(id=row.id, student_id=row.student_id, volunteer_id=row.volunteer_id,
                proposal_id=row.proposal_id, started_at=row.started_at,
                status=PairStatus(row.status), ended_at=row.ended_at)


def _not_paused(now: datetime):  # type: ignore[no-untyped-def]
    return or_(VolunteerProfileRow.paused_until.is_(None), VolunteerProfileRow.paused_until <= now)


def _reachable(user_id: Any) -> Any:
    """The user has not blocked the bot (a 403 marks them; their next /start clears it),
    and staff have not blocked them (/block)."""
    return and_(
        ~select(UserRow.id).where(UserRow.id == user_id, UserRow.blocked.is_(True)).exists(),
        ~select(StaffBlockRow.user_id).where(StaffBlockRow.user_id == user_id).exists())


def approved(user_id: Any) -> Any:
    """Staff have not held the volunteer back: no vetting record that is pending or refused
    (every sign-up and import writes one; a volunteer without one predates vetting)."""
    return ~select(VolunteerVettingRow.user_id).where(
        VolunteerVettingRow.user_id == user_id,
        VolunteerVettingRow.status != "approved").exists()


class SqlMatching:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def waiting_student(self, user_id: int) -> tuple[StudentProfile, datetime] | None:
        row = await self._session.get(StudentProfileRow, user_id)
        if row is None or row.waiting_since is None:
            return None
        return student_from_row(row), row.waiting_since

    async def waiting_students(self) -> list[tuple[StudentProfile, datetime]]:
        proposed = select(ProposalRow.id).where(
            ProposalRow.student_id == StudentProfileRow.user_id,
            ProposalRow.status == ProposalStatus.OPEN)
        rows = await self._session.scalars(
            select(StudentProfileRow).where(StudentProfileRow.waiting_since.is_not(None),
                                            ~proposed.exists(),
                                            _reachable(StudentProfileRow.user_id))
            .order_by(StudentProfileRow.waiting_since, StudentProfileRow.user_id))
        return [(student_from_row(r), r.waiting_since) for r in rows if r.waiting_since]

    async def set_waiting(self, student_id: int, since: datetime | None) -> None:
        await self._session.execute(update(StudentProfileRow)
                                    .where(StudentProfileRow.user_id == student_id)
                                    .values(waiting_since=since))

    async def available_volunteers(self, now: datetime) -> list[tuple[VolunteerProfile, int]]:
        rows = await self._session.scalars(
            select(VolunteerProfileRow).where(
                VolunteerProfileRow.load < VolunteerProfileRow.capacity, _not_paused(now),
                _reachable(VolunteerProfileRow.user_id), approved(VolunteerProfileRow.user_id))
            .order_by(VolunteerProfileRow.user_id))
        return [(volunteer_from_row(r), r.capacity - r.load) for r in rows]

    async def availability_due(self, now: datetime, limit: int) -> list[int]:
        """Volunteers with room, not paused, whose monthly question is due."""
        ids = await self._session.scalars(select(VolunteerProfileRow.user_id).where(
            VolunteerProfileRow.availability_next_at <= now,
            VolunteerProfileRow.load < VolunteerProfileRow.capacity, _not_paused(now),
            _reachable(VolunteerProfileRow.user_id), approved(VolunteerProfileRow.user_id))
            .order_by(VolunteerProfileRow.availability_next_at).limit(limit))
        return list(ids)

    async def availability_unanswered(self, asked_before: datetime) -> list[int]:
        ids = await self._session.scalars(select(VolunteerProfileRow.user_id).where(
            VolunteerProfileRow.availability_asked_at <= asked_before))
        return list(ids)

    async def set_availability(self, volunteer_id: int, next_at: datetime | None,
                               asked_at: datetime | None) -> None:
        await self._session.execute(update(VolunteerProfileRow).where(
            VolunteerProfileRow.user_id == volunteer_id).values(
                availability_next_at=next_at, availability_asked_at=asked_at))

    async def availability_of(self, volunteer_id: int) -> tuple[datetime | None,
                                                                datetime | None] | None:
        row = await self._session.get(VolunteerProfileRow, volunteer_id,
                                      populate_existing=True)
        return (row.availability_next_at, row.availability_asked_at) if row else None

    async def set_capacity(self, volunteer_id: int, capacity: int) -> None:
        await self._session.execute(update(VolunteerProfileRow).where(
            VolunteerProfileRow.user_id == volunteer_id).values(
                capacity=capacity, changed_at=datetime.now(UTC)))

    async def volunteers_stamp(self) -> tuple[int, datetime | None]:
        row = (await self._session.execute(select(
            func.count(), func.max(VolunteerProfileRow.changed_at)))).one()
        return int(row[0]), row[1]

    async def volunteers_changed_since(self, since: datetime | None, now: datetime,
                                       ) -> list[tuple[VolunteerProfile, int]]:
        """Volunteers changed after ``since`` (all when None), with their free places now
        (0 while paused, while they block the bot or while not approved)."""
        query = select(VolunteerProfileRow, UserRow.blocked,
                       approved(VolunteerProfileRow.user_id)).join(
            UserRow, UserRow.id == VolunteerProfileRow.user_id)
        if since is not None:
            query = query.where(VolunteerProfileRow.changed_at > since)
        rows = await self._session.execute(query)
        return [(volunteer_from_row(r), 0 if blocked or not ok
                 or (r.paused_until and r.paused_until > now)
                 else r.capacity - r.load) for r, blocked, ok in rows.all()]

    async def volunteer_free(self, volunteer_id: int,
                             now: datetime) -> tuple[VolunteerProfile, int] | None:
        row = await self._session.get(VolunteerProfileRow, volunteer_id, populate_existing=True)
        if row is None or (row.paused_until is not None and row.paused_until > now):
            return None
        vetting = await self._session.get(VolunteerVettingRow, volunteer_id,
                                          populate_existing=True)
        if vetting is not None and vetting.status != "approved":
            return None
        if await self._session.get(StaffBlockRow, volunteer_id) is not None:
            return None
        return volunteer_from_row(row), row.capacity - row.load

    async def excluded_for_student(self, student_id: int) -> set[int]:
        proposed = select(ProposalRow.volunteer_id).where(ProposalRow.student_id == student_id)
        paired = select(PairRow.volunteer_id).where(PairRow.student_id == student_id)
        staff = select(ExclusionRow.volunteer_id).where(ExclusionRow.student_id == student_id)
        ids = await self._session.scalars(proposed.union(paired, staff))
        return set(ids)

    async def excluded_for_volunteer(self, volunteer_id: int) -> set[int]:
        proposed = select(ProposalRow.student_id).where(ProposalRow.volunteer_id == volunteer_id)
        paired = select(PairRow.student_id).where(PairRow.volunteer_id == volunteer_id)
        staff = select(ExclusionRow.student_id).where(ExclusionRow.volunteer_id == volunteer_id)
        return set(await self._session.scalars(proposed.union(paired, staff)))

    async def excluded_pairs(self) -> set[tuple[int, int]]:
        query = select(ProposalRow.student_id, ProposalRow.volunteer_id).union(
            select(PairRow.student_id, PairRow.volunteer_id),
            select(ExclusionRow.student_id, ExclusionRow.volunteer_id))
        return {(s, v) for s, v in (await self._session.execute(query)).all()}

    async def touch_volunteer(self, volunteer_id: int, now: datetime) -> None:
        await self._session.execute(update(VolunteerProfileRow).where(
            VolunteerProfileRow.user_id == volunteer_id).values(changed_at=now))

    async def hurry_proposals_of(self, volunteer_id: int, now: datetime) -> None:
        await self._session.execute(update(ProposalRow).where(
            ProposalRow.volunteer_id == volunteer_id, ProposalRow.status == "open",
            ProposalRow.deadline > now).values(deadline=now))

    async def reserve(self, volunteer_id: int, now: datetime) -> bool:
        result = await self._session.execute(
            update(VolunteerProfileRow)
            .where(VolunteerProfileRow.user_id == volunteer_id,
                   VolunteerProfileRow.load < VolunteerProfileRow.capacity, _not_paused(now),
                   _reachable(VolunteerProfileRow.user_id), approved(VolunteerProfileRow.user_id))
            .values(load=VolunteerProfileRow.load + 1))
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    async def release(self, volunteer_id: int) -> None:
        await self._session.execute(
            update(VolunteerProfileRow)
            .where(VolunteerProfileRow.user_id == volunteer_id, VolunteerProfileRow.load > 0)
            .values(load=VolunteerProfileRow.load - 1))

    async def add_proposal(self, proposal: Proposal) -> int:
        row = ProposalRow(
            student_id=proposal.student_id, volunteer_id=proposal.volunteer_id,
            score=proposal.score, reasons=proposal.reasons, status=proposal.status.value,
            created_at=proposal.created_at, deadline=proposal.deadline,
            remind_at=proposal.remind_at)
        self._session.add(row)
        await self._session.flush()
        return row.id

    async def proposal(self, proposal_id: int) -> Proposal | None:
        row = await self._session.get(ProposalRow, proposal_id, populate_existing=True)
        return _proposal(row) if row else None

    async def open_proposal_of_student(self, student_id: int) -> Proposal | None:
        row = await self._session.scalar(select(ProposalRow).where(
            ProposalRow.student_id == student_id, ProposalRow.status == ProposalStatus.OPEN))
        return _proposal(row) if row else None

    async def close_proposal(self, proposal_id: int, status: ProposalStatus, now: datetime,
                             *, only_before: datetime | None = None,
                             reason: str | None = None) -> bool:
        condition = and_(ProposalRow.id == proposal_id, ProposalRow.status == ProposalStatus.OPEN)
        if only_before is not None:
            condition = and_(condition, ProposalRow.deadline > only_before)
        result = await self._session.execute(
            update(ProposalRow).where(condition)
            .values(status=status.value, decided_at=now, decline_reason=reason, remind_at=None))
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    async def proposals_expiring(self, now: datetime) -> list[Proposal]:
        rows = await self._session.scalars(select(ProposalRow).where(
            ProposalRow.status == ProposalStatus.OPEN, ProposalRow.deadline <= now)
            .order_by(ProposalRow.deadline))
        return [_proposal(r) for r in rows]

    async def proposals_to_remind(self, now: datetime) -> list[Proposal]:
        rows = await self._session.scalars(select(ProposalRow).where(
            ProposalRow.status == ProposalStatus.OPEN, ProposalRow.remind_at <= now))
        return [_proposal(r) for r in rows]

    async def clear_reminder(self, proposal_id: int) -> None:
        await self._session.execute(update(ProposalRow).where(ProposalRow.id == proposal_id)
                                    .values(remind_at=None))

    async def add_pair(self, pair: Pair) -> int:
        row = PairRow(student_id=pair.student_id, volunteer_id=pair.volunteer_id,
                      proposal_id=pair.proposal_id, status=pair.status.value,
                      started_at=pair.started_at)
        self._session.add(row)
        await self._session.flush()
        return row.id

    async def active_pair_of(self, user_id: int) -> Pair | None:
        row = await self._session.scalar(select(PairRow).where(
            PairRow.status == PairStatus.ACTIVE,
            or_(PairRow.student_id == user_id, PairRow.volunteer_id == user_id))
            .order_by(PairRow.id.desc()).limit(1))
        return _pair(row) if row else None

    async def pause_volunteer(self, volunteer_id: int, until: datetime | None,
                              announce_resume: bool = False) -> None:
        await self._session.execute(update(VolunteerProfileRow)
                                    .where(VolunteerProfileRow.user_id == volunteer_id)
                                    .values(paused_until=until, resume_pending=announce_resume,
                                            changed_at=datetime.now(UTC)))

    async def pauses_ending(self, now: datetime) -> list[int]:
        ids = await self._session.scalars(select(VolunteerProfileRow.user_id).where(
            VolunteerProfileRow.resume_pending.is_(True), VolunteerProfileRow.paused_until <= now))
        return list(ids)

    async def open_proposals_of(self, user_id: int) -> list[Proposal]:
        rows = await self._session.scalars(select(ProposalRow).where(
            ProposalRow.status == ProposalStatus.OPEN,
            or_(ProposalRow.student_id == user_id, ProposalRow.volunteer_id == user_id)))
        return [_proposal(r) for r in rows]

    async def active_pairs_of(self, user_id: int) -> list[Pair]:
        rows = await self._session.scalars(select(PairRow).where(
            PairRow.status == PairStatus.ACTIVE,
            or_(PairRow.student_id == user_id, PairRow.volunteer_id == user_id)))
        return [_pair(r) for r in rows]

    async def end_pair(self, pair_id: int, now: datetime, by: int | None = None) -> bool:
        result = await self._session.execute(update(PairRow).where(
            PairRow.id == pair_id, PairRow.status == PairStatus.ACTIVE)
            .values(status=PairStatus.ENDED.value, ended_at=now, ended_by=by))
        # An ended pair hears nothing more from the follow-up.
        await self._session.execute(update(FollowUpRow).where(FollowUpRow.pair_id == pair_id)
                                    .values(ended=True, next_due_at=None))
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    async def pair(self, pair_id: int) -> Pair | None:
        row = await self._session.get(PairRow, pair_id, populate_existing=True)
        return _pair(row) if row else None

    async def has_feedback(self, pair_id: int, user_id: int, since: datetime) -> bool:
        found = await self._session.scalar(select(FeedbackRow.id).where(
            FeedbackRow.pair_id == pair_id, FeedbackRow.user_id == user_id,
            FeedbackRow.created_at >= since).limit(1))
        return found is not None

    async def add_feedback(self, pair_id: int, user_id: int, rating: int,
                           comment: str | None, now: datetime) -> int:
        row = FeedbackRow(pair_id=pair_id, user_id=user_id, rating=rating, comment=comment,
                          created_at=now)
        self._session.add(row)
        await self._session.flush()
        return row.id

    async def comment_feedback(self, feedback_id: int, user_id: int, comment: str) -> bool:
        result = await self._session.execute(update(FeedbackRow).where(
            FeedbackRow.id == feedback_id, FeedbackRow.user_id == user_id)
            .values(comment=comment))
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    async def add_report(self, pair_id: int | None, reporter_id: int, text: str,
                         now: datetime) -> int:
        row = ReportRow(pair_id=pair_id, reporter_id=reporter_id, text=text, created_at=now)
        self._session.add(row)
        await self._session.flush()
        return row.id

    async def report_exists(self, report_id: int) -> bool:
        return await self._session.get(ReportRow, report_id) is not None

    async def close_report(self, report_id: int, now: datetime) -> tuple[bool, int | None]:
        row = await self._session.get(ReportRow, report_id)
        if row is None or row.closed_at is not None:
            return False, None
        row.closed_at = now
        await self._session.flush()
        return True, row.pair_id

    async def open_reports(self) -> list[tuple[int, int | None, int | None, str, datetime]]:
        rows = await self._session.scalars(select(ReportRow).where(
            ReportRow.closed_at.is_(None)).order_by(ReportRow.created_at))
        return [(r.id, r.pair_id, r.reporter_id, r.text, r.created_at) for r in rows]


class SqlOutbox:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, notification: Notification, now: datetime) -> bool:
        exists = await self._session.scalar(
            select(OutboxRow.id).where(OutboxRow.key == notification.key))
        if exists is not None:
            return False
        try:
            async with self._session.begin_nested():
                await self._session.execute(insert(OutboxRow).values(
                    key=notification.key, recipient_id=notification.recipient_id,
                    kind=notification.kind, params=notification.params, status="pending",
                    due_at=notification.due_at or now, attempts=0, created_at=now))
        except IntegrityError:
            return False  # queued by a concurrent transaction: same key, same message
        return True

    async def add_many(self, notifications: Sequence[Notification], now: datetime) -> None:
        """Queue many messages in one statement; keys already queued are skipped."""
        if not notifications:
            return
        from sqlalchemy.dialects import postgresql, sqlite

        dialect = postgresql if self._session.get_bind().dialect.name == "postgresql" else sqlite
        statement = dialect.insert(OutboxRow).on_conflict_do_nothing(index_elements=["key"])
        await self._session.execute(statement, [
            {"key": n.key, "recipient_id": n.recipient_id, "kind": n.kind, "params": n.params,
             "status": "pending", "due_at": n.due_at or now, "attempts": 0, "created_at": now}
            for n in notifications])
