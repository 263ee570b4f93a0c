"""Staff members added from the chat, the audit log, and the programme's figures."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, delete, distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from mentoring.relay import STAFF_MONTH, STAFF_WEEK, RelayActivity
from storage.matching import approved
from storage.tables import (
    AuditRow,
    ExchangeRow,
    ExclusionRow,
    FollowUpRow,
    MeetingRow,
    OutboxRow,
    OutcomeRow,
    PairRow,
    ProposalRow,
    RelayMessageRow,
    SessionLogRow,
    StaffMemberRow,
    StudentProfileRow,
    UserRow,
    VolunteerProfileRow,
)

AT_RISK_SILENT_PERIODS = 2
FAILED_WINDOW = timedelta(days=7)


def at_risk() -> Any:
    """A pair's follow-up clock says it is at risk: silent for two check-ins or more, or
    frozen by an open report. The one definition /stats, /risk and broadcasts share."""
    return ((FollowUpRow.silent_periods >= AT_RISK_SILENT_PERIODS)
            | FollowUpRow.frozen.is_(True))


def _proposed() -> Any:
    """The student has an open proposal: not waiting, someone has been asked."""
    return select(ProposalRow.id).where(
        ProposalRow.student_id == StudentProfileRow.user_id,
        ProposalRow.status == "open").exists()


def _case_count(condition: Any) -> Any:
    return case((condition, 1), else_=0)


def _relay_columns(now: datetime) -> list[Any]:
    """The pair's relayed messages over 7 and 30 days and the last one, as columns of the
    pairs export: counts and a date, never content."""
    def count(since: datetime, name: str) -> Any:
        return (select(func.count()).where(RelayMessageRow.pair_id == PairRow.id,
                                           RelayMessageRow.sent_at >= since,
                                           RelayMessageRow.sent_at <= now)
                .scalar_subquery().label(name))

    last = (select(func.max(RelayMessageRow.sent_at))
            .where(RelayMessageRow.pair_id == PairRow.id, RelayMessageRow.sent_at <= now)
            .scalar_subquery().label("last_relayed_at"))
    return [count(now - STAFF_WEEK, "relayed_7_days"),
            count(now - STAFF_MONTH, "relayed_30_days"), last]


class SqlStaff:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def members(self) -> set[int]:
        return set(await self._session.scalars(select(StaffMemberRow.user_id)))

    async def add(self, user_id: int, added_by: int, now: datetime) -> bool:
        if await self._session.get(StaffMemberRow, user_id) is not None:
            return False
        self._session.add(StaffMemberRow(user_id=user_id, added_by=added_by, added_at=now))
        await self._session.flush()
        return True

    async def remove(self, user_id: int) -> bool:
        result = await self._session.execute(
            delete(StaffMemberRow).where(StaffMemberRow.user_id == user_id))
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    async def roles(self, user_ids: Sequence[int]) -> dict[int, str]:
        found = {user_id: "student" for user_id in await self._session.scalars(
            select(StudentProfileRow.user_id).where(StudentProfileRow.user_id.in_(user_ids)))}
        found.update({user_id: "volunteer" for user_id in await self._session.scalars(
            select(VolunteerProfileRow.user_id)
            .where(VolunteerProfileRow.user_id.in_(user_ids)))})
        return found

    async def add_exclusion(self, student_id: int, volunteer_id: int, now: datetime) -> bool:
        if await self._session.get(ExclusionRow, (student_id, volunteer_id)) is not None:
            return False
        self._session.add(ExclusionRow(student_id=student_id, volunteer_id=volunteer_id,
                                       created_at=now))
        await self._session.flush()
        return True

    async def remove_exclusion(self, student_id: int, volunteer_id: int) -> bool:
        result = await self._session.execute(delete(ExclusionRow).where(
            ExclusionRow.student_id == student_id, ExclusionRow.volunteer_id == volunteer_id))
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    async def exclusions(self, limit: int) -> list[tuple[int, int, datetime]]:
        rows = await self._session.execute(
            select(ExclusionRow.student_id, ExclusionRow.volunteer_id, ExclusionRow.created_at)
            .order_by(ExclusionRow.created_at.desc()).limit(limit))
        return [(s, v, at) for s, v, at in rows.all()]

    async def audit(self, actor_id: int, action: str, details: dict[str, Any],
                    now: datetime) -> None:
        self._session.add(AuditRow(actor_id=actor_id, action=action, details=details, at=now))
        await self._session.flush()

    async def figures(self, now: datetime) -> dict[str, Any]:
        """The programme's numbers for /stats, from a handful of aggregate queries."""
        session = self._session

        async def scalar(query: Any) -> int:
            return int(await session.scalar(query) or 0)

        roles = dict((await session.execute(
            select(UserRow.role, func.count()).group_by(UserRow.role))).all())
        proposals = dict((await session.execute(
            select(ProposalRow.status, func.count()).group_by(ProposalRow.status))).all())
        waiting_since = list(await session.scalars(
            select(StudentProfileRow.waiting_since).where(
                StudentProfileRow.waiting_since.is_not(None), ~_proposed())))
        asked = await scalar(select(func.count()).select_from(OutboxRow).where(
            OutboxRow.kind.like("checkin_%"), OutboxRow.status == "sent"))
        answered = await scalar(select(func.count()).select_from(ExchangeRow))
        active = select(PairRow.id).where(PairRow.status == "active")
        two_way = (select(RelayMessageRow.pair_id)
                   .where(RelayMessageRow.sent_at >= now - STAFF_MONTH,
                          RelayMessageRow.pair_id.in_(active))
                   .group_by(RelayMessageRow.pair_id)
                   .having(func.count(distinct(RelayMessageRow.sender_id)) > 1).subquery())
        return {
            "users": sum(roles.values()),
            "students": roles.get("student", 0), "volunteers": roles.get("volunteer", 0),
            "no_role_yet": roles.get(None, 0),
            "student_profiles": await scalar(select(func.count()).select_from(
                StudentProfileRow)),
            "volunteer_profiles": await scalar(select(func.count()).select_from(
                VolunteerProfileRow)),
            "waiting": len(waiting_since),
            "waiting_days": sorted((now - since).days for since in waiting_since if since),
            "volunteers_with_room": await scalar(select(func.count()).select_from(
                VolunteerProfileRow).where(
                    VolunteerProfileRow.load < VolunteerProfileRow.capacity,
                    (VolunteerProfileRow.paused_until.is_(None))
                    | (VolunteerProfileRow.paused_until <= now))),
            "proposals_open": proposals.get("open", 0),
            "proposals_accepted": proposals.get("accepted", 0),
            "proposals_answered": sum(proposals.get(s, 0) for s in
                                      ("accepted", "declined", "not_now", "expired")),
            "pairs_active": await scalar(select(func.count()).select_from(PairRow).where(
                PairRow.status == "active")),
            "check_ins_sent": asked, "check_in_answers": answered,
            "relayed_week": await scalar(select(func.count()).select_from(RelayMessageRow)
                                         .where(RelayMessageRow.sent_at >= now - STAFF_WEEK)),
            "pairs_two_way_month": await scalar(select(func.count()).select_from(two_way)),
            "pairs_at_risk": await scalar(select(func.count()).select_from(FollowUpRow).where(
                FollowUpRow.ended.is_(False), at_risk())),
            # A failed row keeps the due date of its last attempt, which is when it failed.
            "outbox_failed_week": await scalar(select(func.count()).select_from(OutboxRow)
                                               .where(OutboxRow.status == "failed",
                                                      OutboxRow.due_at >= now - FAILED_WINDOW)),
        }

    async def gaps(self, now: datetime) -> tuple[list[tuple[str, str, int]],
                                                 list[tuple[str, str, int]]]:
        """(field, department, students waiting) and (field, department, free places of
        volunteers who can take students now); the caller groups them."""
        waiting = await self._session.execute(
            select(StudentProfileRow.field, StudentProfileRow.department, func.count())
            .where(StudentProfileRow.waiting_since.is_not(None), ~_proposed())
            .group_by(StudentProfileRow.field, StudentProfileRow.department))
        room = await self._session.execute(
            select(VolunteerProfileRow.field, VolunteerProfileRow.department,
                   func.sum(VolunteerProfileRow.capacity - VolunteerProfileRow.load))
            .where(VolunteerProfileRow.load < VolunteerProfileRow.capacity,
                   (VolunteerProfileRow.paused_until.is_(None))
                   | (VolunteerProfileRow.paused_until <= now),
                   approved(VolunteerProfileRow.user_id))  # pending ones are counted apart
            .group_by(VolunteerProfileRow.field, VolunteerProfileRow.department))
        return ([(f, d, int(n)) for f, d, n in waiting.all()],
                [(f, d, int(n or 0)) for f, d, n in room.all()])

    async def pairs_at_risk(self, limit: int) -> list[tuple[int, int, int, int, bool]]:
        """(pair, student, volunteer, silent periods, frozen) of active pairs gone quiet
        for two periods or more, or with an open report; the quietest first."""
        rows = await self._session.execute(
            select(PairRow.id, PairRow.student_id, PairRow.volunteer_id,
                   FollowUpRow.silent_periods, FollowUpRow.frozen)
            .join(FollowUpRow, FollowUpRow.pair_id == PairRow.id)
            .where(PairRow.status == "active", at_risk())
            .order_by(FollowUpRow.frozen.desc(), FollowUpRow.silent_periods.desc(), PairRow.id)
            .limit(limit))
        return [(p, s, v, n, bool(f)) for p, s, v, n, f in rows.all()]

    async def export_rows(self, kind: str, now: datetime) -> list[dict[str, Any]]:
        """Rows for the staff's CSV export: students, volunteers, pairs (with their relay
        counts over 7 and 30 days and last relayed message), checkins, meetings,
        session_logs or outcomes."""
        query: Any
        if kind == "students":
            query = select(UserRow.id, UserRow.language, UserRow.source, UserRow.created_at,
                           StudentProfileRow.first_name, StudentProfileRow.field,
                           StudentProfileRow.level, StudentProfileRow.department,
                           StudentProfileRow.needs, StudentProfileRow.languages,
                           StudentProfileRow.availability, StudentProfileRow.waiting_since,
                           StudentProfileRow.completed_at).join(
                StudentProfileRow, StudentProfileRow.user_id == UserRow.id)
        elif kind == "volunteers":
            query = select(UserRow.id, UserRow.language, UserRow.source, UserRow.created_at,
                           VolunteerProfileRow.first_name, VolunteerProfileRow.profession,
                           VolunteerProfileRow.sector, VolunteerProfileRow.field,
                           VolunteerProfileRow.department, VolunteerProfileRow.remote,
                           VolunteerProfileRow.skills, VolunteerProfileRow.languages,
                           VolunteerProfileRow.capacity, VolunteerProfileRow.load,
                           VolunteerProfileRow.paused_until,
                           VolunteerProfileRow.completed_at).join(
                VolunteerProfileRow, VolunteerProfileRow.user_id == UserRow.id)
        elif kind == "pairs":
            query = select(PairRow.id, PairRow.student_id, PairRow.volunteer_id,
                           PairRow.status, PairRow.started_at, PairRow.ended_at,
                           FollowUpRow.rhythm, FollowUpRow.silent_periods,
                           FollowUpRow.last_exchange_at,
                           *_relay_columns(now)).join(
                FollowUpRow, FollowUpRow.pair_id == PairRow.id, isouter=True)
        elif kind == "checkins":
            query = select(ExchangeRow.pair_id, ExchangeRow.user_id, ExchangeRow.answer,
                           ExchangeRow.answered_at)
        elif kind == "meetings":
            query = select(MeetingRow.id, MeetingRow.pair_id, MeetingRow.proposed_by,
                           MeetingRow.kind, MeetingRow.status, MeetingRow.starts_at,
                           MeetingRow.minutes, MeetingRow.timezone, MeetingRow.sequence,
                           MeetingRow.created_at, MeetingRow.updated_at).order_by(MeetingRow.id)
        elif kind == "session_logs":
            query = select(SessionLogRow.pair_id, SessionLogRow.meeting_id,
                           SessionLogRow.user_id, SessionLogRow.happened, SessionLogRow.topics,
                           SessionLogRow.note, SessionLogRow.usefulness, SessionLogRow.held_on,
                           SessionLogRow.asked_at, SessionLogRow.answered_at
                           ).order_by(SessionLogRow.id)
        elif kind == "outcomes":
            query = select(OutcomeRow.pair_id, OutcomeRow.user_id, OutcomeRow.source,
                           OutcomeRow.reason, OutcomeRow.changes, OutcomeRow.created_at
                           ).order_by(OutcomeRow.id)
        else:
            raise ValueError(kind)
        result = await self._session.execute(query)
        return [dict(row._mapping) for row in result.all()]

    async def relay_activity(self, pair_ids: Sequence[int],
                             now: datetime) -> dict[int, RelayActivity]:
        """Counts over 7 and 30 days, both ways, and last relayed message of these pairs."""
        if not pair_ids:
            return {}
        week = now - STAFF_WEEK
        rows = await self._session.execute(
            select(RelayMessageRow.pair_id,
                   func.count(), func.count(distinct(RelayMessageRow.sender_id)),
                   func.sum(_case_count(RelayMessageRow.sent_at >= week)),
                   func.max(RelayMessageRow.sent_at))
            .where(RelayMessageRow.pair_id.in_(list(pair_ids)),
                   RelayMessageRow.sent_at >= now - STAFF_MONTH,
                   RelayMessageRow.sent_at <= now)
            .group_by(RelayMessageRow.pair_id))
        return {pair: RelayActivity(week=int(in_week or 0), month=int(month),
                                    two_way=int(senders) > 1, last_at=last)
                for pair, month, senders, in_week, last in rows.all()}

    async def weekly(self, since: datetime) -> dict[str, list[datetime]]:
        """When students and volunteers signed up, and when pairs began, since ``since``."""
        async def times(query: Any) -> list[datetime]:
            return [moment for moment in await self._session.scalars(query) if moment]

        return {
            "students": await times(select(UserRow.created_at).where(
                UserRow.role == "student", UserRow.created_at >= since)),
            "volunteers": await times(select(UserRow.created_at).where(
                UserRow.role == "volunteer", UserRow.created_at >= since)),
            "pairs": await times(select(PairRow.started_at).where(PairRow.started_at >= since)),
        }
