"""What the impact report reads: one row of facts per pair, from a handful of grouped queries
(pairs with their student's profile, meetings, session logs, feedback, outcomes).

Everything that can be counted in SQL is: meetings and ratings are grouped by pair, needs
worked on are unnested from the JSON lists in the database (``json_each`` on SQLite,
``jsonb_array_elements_text`` on PostgreSQL) and come back once per pair and need.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, case, func, or_, select, text, true
from sqlalchemy.ext.asyncio import AsyncConnection, async_sessionmaker

from mentoring.impact import PairFacts
from storage.tables import (
    FeedbackRow,
    MeetingRow,
    OutcomeRow,
    PairRow,
    SessionLogRow,
    StudentProfileRow,
    UserRow,
)


class SqlImpact:
    def __init__(self, sessions: async_sessionmaker[Any]) -> None:
        self._sessions = sessions

    async def pair_facts(self, starts_at: datetime, ends_at: datetime) -> list[PairFacts]:
        """One row per pair active at some point in [starts_at, ends_at)."""
        # Core rows straight from the connection: no ORM result machinery for 100,000s.
        async with self._sessions() as session:
            connection = await session.connection()
            if _postgres(connection):
                # PostgreSQL compiles these large aggregates just in time and spends longer
                # doing so (3 s of 5 over a year of 500,000 session logs) than running them.
                await connection.execute(text("SET LOCAL jit = off"))
            pairs = await self._pairs(connection, starts_at, ends_at)
            meetings = await self._meetings(connection, starts_at, ends_at)
            topics = await self._topics(connection, starts_at, ends_at)
            ratings = await self._ratings(connection, starts_at, ends_at)
            endings = await self._end_ratings(connection, starts_at, ends_at)
            outcomes = await self._outcomes(connection, starts_at, ends_at)
        facts = []
        # Most pairs share a handful of need sets: one frozenset each keeps memory low.
        shared: dict[frozenset[str], frozenset[str]] = {}
        for pair_id, row in pairs.items():
            row["needs"] = _shared(shared, row["needs"])
            first, held = meetings.get(pair_id, (None, 0))
            rated, total, useful = ratings.get(pair_id, (0, 0, 0))
            reason, changes = outcomes.get(pair_id, (None, None))
            facts.append(PairFacts(
                **row, first_meeting_at=first, meetings=held,
                topics=_shared(shared, topics.get(pair_id, ())),
                ratings=rated, rating_total=total, useful_ratings=useful,
                end_ratings=endings.get(pair_id, ()),
                reason=reason, changes=frozenset(changes or ()),
                reported_outcome=changes is not None))
        return facts

    @staticmethod
    def _active(starts_at: datetime, ends_at: datetime) -> Any:
        return and_(PairRow.started_at < ends_at,
                    or_(PairRow.ended_at.is_(None), PairRow.ended_at >= starts_at))

    async def _pairs(self, connection: AsyncConnection, starts_at: datetime,
                     ends_at: datetime) -> dict[int, dict[str, Any]]:
        rows = await connection.execute(
            select(PairRow.id, PairRow.student_id, PairRow.started_at, PairRow.ended_at,
                   StudentProfileRow.department, StudentProfileRow.field,
                   StudentProfileRow.level, UserRow.source, StudentProfileRow.needs)
            .outerjoin(StudentProfileRow, StudentProfileRow.user_id == PairRow.student_id)
            .outerjoin(UserRow, UserRow.id == PairRow.student_id)
            .where(self._active(starts_at, ends_at)))
        return {pair_id: {"pair_id": pair_id, "student_id": student, "started_at": started,
                          "ended_at": ended, "department": department, "field": field,
                          "level": level, "source": source, "needs": frozenset(needs or ())}
                for pair_id, student, started, ended, department, field, level, source, needs
                in rows.all()}

    async def _meetings(self, connection: AsyncConnection, starts_at: datetime,
                        ends_at: datetime) -> dict[int, tuple[datetime, int]]:
        """The first meeting held before ``ends_at`` and the number held in the period, by
        pair. A meeting is one marked held, or a check-in answered yes logged without a
        meeting (counted once per pair and day, whichever member logged it)."""
        # lower() keeps SQLite off the (status, starts_at) index: reading the (pair_id,
        # starts_at) one in order groups without sorting, several times faster.
        rows = await connection.execute(
            select(MeetingRow.pair_id, func.min(MeetingRow.starts_at),
                   func.sum(case((MeetingRow.starts_at >= starts_at, 1), else_=0)))
            .where(func.lower(MeetingRow.status) == "held", MeetingRow.starts_at < ends_at)
            .group_by(MeetingRow.pair_id))
        found = {pair_id: (first, int(count or 0)) for pair_id, first, count in rows.all()}
        check_ins = await connection.execute(
            select(SessionLogRow.pair_id, SessionLogRow.held_on).distinct()
            .where(SessionLogRow.happened == "yes", SessionLogRow.meeting_id.is_(None),
                   SessionLogRow.held_on < ends_at))
        for pair_id, at in check_ins.all():
            first, count = found.get(pair_id, (at, 0))
            found[pair_id] = (min(first, at), count + (at >= starts_at))
        return found

    async def _topics(self, connection: AsyncConnection, starts_at: datetime,
                      ends_at: datetime) -> dict[int, set[str]]:
        """The needs logged as worked on in the period, by pair."""
        unnest = (func.jsonb_array_elements_text if _postgres(connection)
                  else func.json_each)(SessionLogRow.topics).table_valued("value")
        query: Select[Any] = (
            select(SessionLogRow.pair_id, unnest.c.value).distinct()
            .select_from(SessionLogRow).join(unnest, true())
            .where(SessionLogRow.happened == "yes", SessionLogRow.held_on >= starts_at,
                   SessionLogRow.held_on < ends_at))
        found: dict[int, set[str]] = {}
        for pair_id, need in (await connection.execute(query)).all():
            found.setdefault(pair_id, set()).add(str(need))
        return found

    async def _ratings(self, connection: AsyncConnection, starts_at: datetime,
                       ends_at: datetime) -> dict[int, tuple[int, int, int]]:
        """The usefulness ratings of the period, by pair: how many, their sum, and how many
        are 4 or 5."""
        rows = await connection.execute(
            select(SessionLogRow.pair_id, func.count(SessionLogRow.usefulness),
                   func.sum(SessionLogRow.usefulness),
                   func.sum(case((SessionLogRow.usefulness >= 4, 1), else_=0)))
            .where(SessionLogRow.usefulness.is_not(None), SessionLogRow.held_on >= starts_at,
                   SessionLogRow.held_on < ends_at)
            .group_by(SessionLogRow.pair_id))
        return {pair_id: (int(count), int(total or 0), int(useful or 0))
                for pair_id, count, total, useful in rows.all()}

    async def _end_ratings(self, connection: AsyncConnection, starts_at: datetime,
                           ends_at: datetime) -> dict[int, tuple[int, ...]]:
        rows = await connection.execute(
            select(FeedbackRow.pair_id, FeedbackRow.rating)
            .where(FeedbackRow.created_at >= starts_at, FeedbackRow.created_at < ends_at))
        found: dict[int, tuple[int, ...]] = {}
        for pair_id, rating in rows.all():
            found[pair_id] = (*found.get(pair_id, ()), int(rating))
        return found

    async def _outcomes(self, connection: AsyncConnection, starts_at: datetime,
                        ends_at: datetime) -> dict[int, tuple[str | None, set[str]]]:
        """For the pairs that ended in the period: the last reason recorded before
        ``ends_at`` and every change reported."""
        rows = await connection.execute(
            select(OutcomeRow.pair_id, OutcomeRow.reason, OutcomeRow.changes)
            .join(PairRow, PairRow.id == OutcomeRow.pair_id)
            .where(PairRow.ended_at >= starts_at, PairRow.ended_at < ends_at,
                   OutcomeRow.created_at < ends_at)
            .order_by(OutcomeRow.pair_id, OutcomeRow.created_at, OutcomeRow.id))
        found: dict[int, tuple[str | None, set[str]]] = {}
        for pair_id, reason, changes in rows.all():
            if pair_id is None:
                continue
            last, seen = found.get(pair_id, (None, set()))
            found[pair_id] = (reason or last, seen | set(changes or ()))
        return found


def _shared(shared: dict[frozenset[str], frozenset[str]],
            codes: Iterable[str]) -> frozenset[str]:
    found = frozenset(codes)
    return shared.setdefault(found, found)


def _postgres(connection: AsyncConnection) -> bool:
    return connection.dialect.name == "postgresql"
