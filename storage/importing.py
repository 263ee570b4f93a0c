"""Writing imported participants: every row in one transaction, or none.

:mod:`mentoring.importing` checks the file; here the valid rows are set against the
profiles already in the database (:func:`mentoring.importing.decide`) and written, in the
same transaction, so that a sign-up in the bot during the import cannot slip between the
check and the write. An imported person gets what a sign-up gives: a user row (sign-up
source ``import``), the profile, and for a student a place on the waiting list from the
import time, for a volunteer the monthly availability question a month later. No consent
is recorded: they have not accepted the bot's privacy notice, and the bot asks for it at
their first /start.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from mentoring.importing import IMPORT_SOURCE, Decision, ImportRow, ParsedFile, decide
from mentoring.model import Role, StudentProfile, VolunteerProfile
from storage.repositories import SqlProfiles
from storage.tables import StudentProfileRow, UserRow, VolunteerProfileRow, VolunteerVettingRow

_CHUNK = 500  # ids per IN (...) query: well under every database's parameter limit


class ImportConflict(Exception):
    """The database changed between the check and the write (a sign-up in the bot at the
    same moment): nothing was written, and running the import again settles it."""


class SqlImport:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], *,
                 default_language: str, availability_every: timedelta,
                 approval_required: bool = False) -> None:
        self._sessions = sessions
        self._approval_required = approval_required
        self._default_language = default_language
        self._availability_every = availability_every

    async def run(self, parsed: ParsedFile, now: datetime, *, update: bool = False,
                  dry_run: bool = False, skip_invalid: bool = False) -> tuple[Decision, bool]:
        """Set the file's valid rows against the database and write them, all in one
        transaction: only when the whole file is valid, or with ``skip_invalid`` the valid
        rows whatever the others; never with ``dry_run``. Returns what was decided for the
        rows and whether it was written."""
        if parsed.fatal:
            return Decision(), False
        async with self._sessions() as session:
            existing = await _profile_roles(session, [row.user_id for row in parsed.rows])
            decision = decide(parsed.rows, existing, update=update)
            if dry_run or not (skip_invalid or not (parsed.problems or decision.problems)):
                return decision, False
            users = await _users(session, [row.user_id for row in decision.create])
            try:
                await self._create(session, decision.create, users, now)
                await self._update(session, decision.update)
                await session.commit()
            except IntegrityError as error:  # someone started the bot in the meantime
                await session.rollback()
                raise ImportConflict(str(error.orig)) from error
            return decision, True

    async def _create(self, session: AsyncSession, rows: Sequence[ImportRow],
                      users: dict[int, str | None], now: datetime) -> None:
        new_users = [
            {"id": row.user_id, "language": row.language or self._default_language,
             "telegram_name": None, "username": None, "role": row.draft.role.value,
             "source": IMPORT_SOURCE, "blocked": False, "created_at": now}
            for row in rows if row.user_id not in users
        ]
        if new_users:
            await session.execute(insert(UserRow), new_users)
        for row in rows:  # started the bot before, without finishing a sign-up
            if row.user_id in users:
                values: dict[str, Any] = {"role": row.draft.role.value}
                if users[row.user_id] is None:
                    values["source"] = IMPORT_SOURCE
                if row.language:
                    values["language"] = row.language
                await session.execute(
                    update(UserRow).where(UserRow.id == row.user_id).values(**values))
        students: list[dict[str, Any]] = []
        volunteers: list[dict[str, Any]] = []
        for row in rows:
            profile = row.profile(now)
            if isinstance(profile, StudentProfile):
                students.append({**asdict(profile), "waiting_since": now})
            else:
                volunteers.append({
                    **asdict(profile), "changed_at": now, "load": 0, "resume_pending": False,
                    "availability_next_at": now + self._availability_every,
                    "availability_asked_at": None,
                })
        if students:
            await session.execute(insert(StudentProfileRow), students)
        if volunteers:
            await session.execute(insert(VolunteerProfileRow), volunteers)
            # Like a sign-up in the chat: never a volunteer without a vetting record.
            await session.execute(insert(VolunteerVettingRow), [
                {"user_id": row.user_id, "submitted_at": now,
                 "status": "pending" if self._approval_required and not row.approved
                 else "approved",
                 "decided_at": None if self._approval_required and not row.approved else now}
                for row in rows if row.draft.role is Role.VOLUNTEER])

    @staticmethod
    async def _update(session: AsyncSession, rows: Sequence[ImportRow]) -> None:
        """Profiles replaced by their row (``--update``): the answers change; the waiting
        place, pairs, pauses and the date of the first sign-up stay."""
        profiles = SqlProfiles(session)
        for row in rows:
            if row.language:
                await session.execute(
                    update(UserRow).where(UserRow.id == row.user_id)
                    .values(language=row.language))
            previous: StudentProfile | VolunteerProfile | None
            if row.draft.role is Role.STUDENT:
                previous = await profiles.student(row.user_id)
                assert previous is not None
                student = row.draft.to_student(row.user_id, previous.completed_at)
                if student.birth_year is None:  # an empty cell does not forget it
                    student.birth_year = previous.birth_year
                await profiles.save_student(student)
            else:
                previous = await profiles.volunteer(row.user_id)
                assert previous is not None
                volunteer = row.draft.to_volunteer(row.user_id, previous.completed_at)
                await profiles.save_volunteer(volunteer)


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start:start + _CHUNK]


async def _profile_roles(session: AsyncSession, ids: Sequence[int]) -> dict[int, Role]:
    """The role of each of ``ids`` that already has a profile."""
    found: dict[int, Role] = {}
    for chunk in _chunks(ids):
        for table, role in ((StudentProfileRow, Role.STUDENT),
                            (VolunteerProfileRow, Role.VOLUNTEER)):
            rows = await session.scalars(select(table.user_id).where(table.user_id.in_(chunk)))
            found.update((user_id, role) for user_id in rows)
    return found


async def _users(session: AsyncSession, ids: Sequence[int]) -> dict[int, str | None]:
    """The sign-up source of each of ``ids`` that is already a user."""
    found: dict[int, str | None] = {}
    for chunk in _chunks(ids):
        result = await session.execute(
            select(UserRow.id, UserRow.source).where(UserRow.id.in_(chunk)))
        found.update((user_id, source) for user_id, source in result)
    return found
