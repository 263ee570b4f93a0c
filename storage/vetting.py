"""Volunteers' vetting records (approval, charter, check) in SQL."""

from __future__ import annotations

from dataclasses import fields
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from mentoring.model import VolunteerProfile
from mentoring.vetting import Status, VettingRecord
from storage.repositories import volunteer_from_row
from storage.tables import VolunteerProfileRow, VolunteerVettingRow

_COLUMNS = tuple(f.name for f in fields(VettingRecord) if f.name not in ("user_id", "status"))


def _record(row: VolunteerVettingRow) -> VettingRecord:
    return VettingRecord(user_id=row.user_id, status=Status(row.status),
                         **{column: getattr(row, column) for column in _COLUMNS})


class SqlVetting:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, volunteer_id: int) -> VettingRecord | None:
        row = await self._session.get(VolunteerVettingRow, volunteer_id, populate_existing=True)
        return _record(row) if row else None

    async def add_if_missing(self, volunteer_id: int, status: Status, now: datetime,
                             *, charter_version: str | None = None) -> bool:
        if await self._session.get(VolunteerVettingRow, volunteer_id) is not None:
            return False
        self._session.add(VolunteerVettingRow(
            user_id=volunteer_id, status=status.value, submitted_at=now,
            decided_at=now if status is Status.APPROVED else None,
            charter_version=charter_version,
            charter_accepted_at=now if charter_version else None))
        await self._session.flush()
        return True

    async def save(self, record: VettingRecord) -> None:
        row = await self._session.get(VolunteerVettingRow, record.user_id)
        if row is None:
            row = VolunteerVettingRow(user_id=record.user_id)
            self._session.add(row)
        row.status = record.status.value
        for column in _COLUMNS:
            setattr(row, column, getattr(record, column))
        await self._session.flush()

    async def pending(self, limit: int) -> list[tuple[VolunteerProfile, VettingRecord]]:
        rows = await self._session.execute(
            select(VolunteerProfileRow, VolunteerVettingRow)
            .join(VolunteerVettingRow, VolunteerVettingRow.user_id == VolunteerProfileRow.user_id)
            .where(VolunteerVettingRow.status == Status.PENDING.value)
            .order_by(VolunteerVettingRow.submitted_at, VolunteerVettingRow.user_id)
            .limit(limit))
        return [(volunteer_from_row(p), _record(v)) for p, v in rows.all()]

    async def checks_to_renew(self, dated_on_or_before: date) -> list[VettingRecord]:
        rows = await self._session.scalars(select(VolunteerVettingRow).where(
            VolunteerVettingRow.check_on <= dated_on_or_before,
            VolunteerVettingRow.check_reminded_at.is_(None),
            VolunteerVettingRow.status != Status.REFUSED.value))
        return [_record(row) for row in rows]

    async def checks_expired(self, dated_on_or_before: date) -> list[VettingRecord]:
        rows = await self._session.scalars(select(VolunteerVettingRow).where(
            VolunteerVettingRow.check_on <= dated_on_or_before,
            VolunteerVettingRow.check_expired_alerted_at.is_(None)))
        return [_record(row) for row in rows]

    async def checks_of(self, volunteer_ids: list[int] | None = None,
                        dated_after: date | None = None) -> dict[int, date]:
        """Volunteers' check dates (of these volunteers, or of all with one after
        ``dated_after``)."""
        query = select(VolunteerVettingRow.user_id, VolunteerVettingRow.check_on).where(
            VolunteerVettingRow.check_on.is_not(None))
        if volunteer_ids is not None:
            query = query.where(VolunteerVettingRow.user_id.in_(volunteer_ids))
        if dated_after is not None:
            query = query.where(VolunteerVettingRow.check_on > dated_after)
        rows = (await self._session.execute(query)).all()
        return {user_id: day for user_id, day in rows if day is not None}

    async def pending_fields(self) -> list[tuple[str, str]]:
        """(field, department) of volunteers waiting for approval, for /gaps."""
        rows = await self._session.execute(
            select(VolunteerProfileRow.field, VolunteerProfileRow.department)
            .join(VolunteerVettingRow, VolunteerVettingRow.user_id == VolunteerProfileRow.user_id)
            .where(VolunteerVettingRow.status == Status.PENDING.value))
        return [(f, d) for f, d in rows.all()]
