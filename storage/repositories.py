"""Repositories: the domain's ports, implemented with SQLAlchemy."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from mentoring.model import Consent, Role, StudentProfile, User, VolunteerProfile
from storage.tables import (
    ConsentRow,
    ErasureCountRow,
    StudentProfileRow,
    UserRow,
    VolunteerProfileRow,
)


class SqlUsers:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, user_id: int) -> User | None:
        row = await self._session.get(UserRow, user_id)
        return _user(row) if row else None

    async def add(self, user: User) -> None:
        row = UserRow(id=user.id)
        _fill(row, user)
        self._session.add(row)
        await self._session.flush()

    async def update(self, user: User) -> None:
        row = await self._session.get(UserRow, user.id)
        if row is None:
            raise LookupError(user.id)
        _fill(row, user)
        await self._session.flush()


def _fill(row: UserRow, user: User) -> None:
    row.language = user.language
    row.telegram_name = user.telegram_name
    row.username = user.username
    row.role = user.role.value if user.role else None
    row.source = user.source
    row.blocked = user.blocked
    row.created_at = user.created_at


def _user(row: UserRow) -> User:
    return User(
        id=row.id, language=row.language, created_at=row.created_at,
        telegram_name=row.telegram_name, username=row.username,
        role=Role(row.role) if row.role else None, source=row.source, blocked=row.blocked,
    )


class SqlConsents:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, consent: Consent) -> None:
        self._session.add(ConsentRow(
            user_id=consent.user_id, notice_version=consent.notice_version,
            accepted_at=consent.accepted_at,
        ))
        await self._session.flush()

    async def for_user(self, user_id: int) -> list[Consent]:
        rows = await self._session.scalars(
            select(ConsentRow).where(ConsentRow.user_id == user_id).order_by(ConsentRow.id)
        )
        return [Consent(r.user_id, r.notice_version, r.accepted_at) for r in rows]


_STUDENT_COLUMNS = ("first_name", "field", "level", "department", "postal_code", "needs",
                    "languages", "availability", "goals", "completed_at", "birth_year")
_VOLUNTEER_COLUMNS = ("first_name", "profession", "sector", "field", "help_families",
                      "department", "postal_code", "remote", "skills", "languages", "capacity",
                      "availability", "bio", "completed_at")


def student_from_row(row: StudentProfileRow) -> StudentProfile:
    return StudentProfile(user_id=row.user_id, **{c: getattr(row, c) for c in _STUDENT_COLUMNS})


def volunteer_from_row(row: VolunteerProfileRow) -> VolunteerProfile:
    # paused_until is read but never written from a profile: pauses have their own use cases.
    return VolunteerProfile(user_id=row.user_id, paused_until=row.paused_until,
                            **{c: getattr(row, c) for c in _VOLUNTEER_COLUMNS})


class SqlProfiles:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def student(self, user_id: int) -> StudentProfile | None:
        row = await self._session.get(StudentProfileRow, user_id)
        return student_from_row(row) if row else None

    async def volunteer(self, user_id: int) -> VolunteerProfile | None:
        row = await self._session.get(VolunteerProfileRow, user_id)
        return volunteer_from_row(row) if row else None

    async def save_student(self, profile: StudentProfile) -> None:
        await self._replace(StudentProfileRow, VolunteerProfileRow, profile, _STUDENT_COLUMNS)

    async def save_volunteer(self, profile: VolunteerProfile) -> None:
        row = await self._replace(VolunteerProfileRow, StudentProfileRow, profile,
                                  _VOLUNTEER_COLUMNS)
        row.changed_at = datetime.now(UTC)
        await self._session.flush()

    async def _replace(self, table: Any, other: Any, profile: Any,
                       columns: tuple[str, ...]) -> Any:
        """Insert or update the profile's row; one person has one role, so the profile of
        the other role goes."""
        await self._drop(other, profile.user_id)
        row = await self._session.get(table, profile.user_id)
        if row is None:
            row = table(user_id=profile.user_id)
            self._session.add(row)
        for column in columns:
            setattr(row, column, getattr(profile, column))
        await self._session.flush()
        return row

    async def _drop(self, table: type[StudentProfileRow] | type[VolunteerProfileRow],
                    user_id: int) -> None:
        await self._session.execute(delete(table).where(table.user_id == user_id))


class SqlStats:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def count_erasure(self, role: Role | None, day: datetime) -> None:
        key = (day.date(), role.value if role else "none")
        row = await self._session.get(ErasureCountRow, key)
        if row is None:
            self._session.add(ErasureCountRow(day=key[0], role=key[1], count=1))
        else:
            row.count += 1
        await self._session.flush()
