"""Follow-up clocks and exchanges in SQL, read and written in batches for the tick."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mentoring.followup import CheckInKind, PairClock, Rhythm
from storage.tables import (
    ExchangeRow,
    FollowUpRow,
    PairRow,
    RelayMessageRow,
    StudentProfileRow,
    VolunteerProfileRow,
)


def _clock(row: FollowUpRow) -> PairClock:
    return PairClock(
        pair_id=row.pair_id, started_at=row.started_at, rhythm=Rhythm(row.rhythm),
        last_exchange_at=row.last_exchange_at, first_exchange_done=row.first_exchange_done,
        silent_periods=row.silent_periods, next_due_at=row.scheduled_at,
        next_kind=CheckInKind(row.next_kind), frozen=row.frozen, ended=row.ended,
        sequence=row.sequence)


def _values(clock: PairClock) -> dict[str, object]:
    return {
        "started_at": clock.started_at, "rhythm": clock.rhythm.value,
        "last_exchange_at": clock.last_exchange_at,
        "first_exchange_done": clock.first_exchange_done,
        "silent_periods": clock.silent_periods,
        "next_due_at": None if clock.frozen or clock.ended else clock.next_due_at,
        "scheduled_at": clock.next_due_at, "next_kind": clock.next_kind.value,
        "frozen": clock.frozen, "ended": clock.ended, "sequence": clock.sequence,
    }


@dataclass(frozen=True)
class DueStep:
    clock: PairClock
    student_id: int
    volunteer_id: int
    student_department: str | None
    volunteer_department: str | None


class SqlFollowUps:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, clock: PairClock) -> None:
        self._session.add(FollowUpRow(pair_id=clock.pair_id, **_values(clock)))
        await self._session.flush()

    async def get(self, pair_id: int) -> PairClock | None:
        row = await self._session.get(FollowUpRow, pair_id, populate_existing=True)
        return _clock(row) if row else None

    async def save(self, clock: PairClock) -> None:
        await self._session.execute(update(FollowUpRow).where(
            FollowUpRow.pair_id == clock.pair_id).values(**_values(clock)))

    async def save_many(self, clocks: Sequence[PairClock]) -> None:
        if clocks:
            await self._session.execute(update(FollowUpRow), [
                {"pair_id": clock.pair_id, **_values(clock)} for clock in clocks])

    async def due(self, now: datetime, limit: int) -> list[DueStep]:
        """Clocks due at ``now`` with the pair's two members and their departments.
        Concurrent tickers on PostgreSQL skip each other's rows."""
        query = (select(FollowUpRow, PairRow.student_id, PairRow.volunteer_id,
                        StudentProfileRow.department, VolunteerProfileRow.department)
                 .join(PairRow, PairRow.id == FollowUpRow.pair_id)
                 .join(StudentProfileRow, StudentProfileRow.user_id == PairRow.student_id,
                       isouter=True)
                 .join(VolunteerProfileRow, VolunteerProfileRow.user_id == PairRow.volunteer_id,
                       isouter=True)
                 .where(FollowUpRow.next_due_at <= now)
                 .order_by(FollowUpRow.next_due_at).limit(limit))
        if self._session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(of=FollowUpRow, skip_locked=True)
        rows = await self._session.execute(query)
        return [DueStep(_clock(row), student, volunteer, s_dep, v_dep)
                for row, student, volunteer, s_dep, v_dep in rows.all()]

    async def record_exchange(self, pair_id: int, user_id: int, answer: str,
                              now: datetime) -> None:
        self._session.add(ExchangeRow(pair_id=pair_id, user_id=user_id, answer=answer,
                                      answered_at=now))
        await self._session.flush()

    async def relayed(self, periods: Mapping[int, datetime], until: datetime,
                      ) -> dict[int, dict[tuple[int, int], int]]:
        """Messages relayed in each pair from its own start in ``periods`` until ``until``,
        by (sender, recipient), read in the tick's transaction."""
        found: dict[int, dict[tuple[int, int], int]] = {}
        pairs = sorted(periods)
        # A few hundred pairs per query keeps the OR under SQLite's expression depth.
        for start in range(0, len(pairs), RELAYED_CHUNK):
            chunk = pairs[start:start + RELAYED_CHUNK]
            rows = await self._session.execute(
                select(RelayMessageRow.pair_id, RelayMessageRow.sender_id,
                       RelayMessageRow.recipient_id, func.count())
                .where(RelayMessageRow.sent_at < until, or_(*(
                    and_(RelayMessageRow.pair_id == pair,
                         RelayMessageRow.sent_at >= periods[pair]) for pair in chunk)))
                .group_by(RelayMessageRow.pair_id, RelayMessageRow.sender_id,
                          RelayMessageRow.recipient_id))
            for pair, sender, recipient, count in rows.all():
                found.setdefault(pair, {})[(sender, recipient)] = count
        return found


RELAYED_CHUNK = 200
