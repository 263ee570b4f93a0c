"""Staff rights: who is staff, adding and removing staff, the audit log, the figures."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from mentoring import catalog, places
from mentoring.ports import Clock, UnitOfWork
from mentoring.relay import RelayActivity


class StaffChange(StrEnum):
    DONE = "done"
    ALREADY = "already"
    CONFIGURED = "configured"  # in STAFF_IDS: only the configuration can remove them
    SELF = "self"


class ExclusionChange(StrEnum):
    DONE = "done"
    ALREADY = "already"
    NOT_A_PAIR = "not_a_pair"  # not a student and a volunteer


class StaffDirectory:
    def __init__(self, uow: Callable[[], UnitOfWork], clock: Clock,
                 configured: Collection[int]) -> None:
        self._uow = uow
        self._clock = clock
        self._configured = frozenset(configured)

    async def is_staff(self, user_id: int) -> bool:
        if user_id in self._configured:
            return True
        async with self._uow() as uow:
            return user_id in await uow.staff.members()

    async def members(self) -> list[int]:
        async with self._uow() as uow:
            return sorted(self._configured | await uow.staff.members())

    async def add(self, actor_id: int, user_id: int) -> StaffChange:
        now = self._clock()
        async with self._uow() as uow:
            if user_id in self._configured or not await uow.staff.add(user_id, actor_id, now):
                return StaffChange.ALREADY
            await uow.staff.audit(actor_id, "staff_add", {"user_id": user_id}, now)
            await uow.commit()
            return StaffChange.DONE

    async def remove(self, actor_id: int, user_id: int) -> StaffChange:
        if user_id in self._configured:
            return StaffChange.CONFIGURED
        if user_id == actor_id:
            return StaffChange.SELF
        now = self._clock()
        async with self._uow() as uow:
            if not await uow.staff.remove(user_id):
                return StaffChange.ALREADY
            await uow.staff.audit(actor_id, "staff_remove", {"user_id": user_id}, now)
            await uow.commit()
            return StaffChange.DONE

    async def exclude(self, actor_id: int, first: int, second: int, *,
                      allow: bool = False) -> ExclusionChange:
        """Never propose these two to each other (``allow``: again allowed). The ids may
        come in any order; one must be a student's and the other a volunteer's."""
        now = self._clock()
        async with self._uow() as uow:
            roles = await uow.staff.roles((first, second))
            by_role = {role: user_id for user_id, role in roles.items()}
            student, volunteer = by_role.get("student"), by_role.get("volunteer")
            if student is None or volunteer is None:
                return ExclusionChange.NOT_A_PAIR
            changed = (await uow.staff.remove_exclusion(student, volunteer) if allow
                       else await uow.staff.add_exclusion(student, volunteer, now))
            if not changed:
                return ExclusionChange.ALREADY
            await uow.staff.audit(actor_id, "allow" if allow else "exclude",
                                  {"student": student, "volunteer": volunteer}, now)
            await uow.commit()
            return ExclusionChange.DONE

    async def exclusions(self, limit: int = 30) -> list[tuple[int, int, datetime]]:
        async with self._uow() as uow:
            return await uow.staff.exclusions(limit)

    async def audit(self, actor_id: int, action: str, **details: Any) -> None:
        """Write one line of the audit log (staff actions and refused attempts)."""
        async with self._uow() as uow:
            await uow.staff.audit(actor_id, action, details, self._clock())
            await uow.commit()

    async def figures(self) -> dict[str, Any]:
        async with self._uow() as uow:
            return await uow.staff.figures(self._clock())

    async def export(self, actor_id: int) -> dict[str, str]:
        """The programme's data as CSV texts (students, volunteers, pairs, check-ins,
        meetings, session logs, outcomes);
        the export is written to the audit log, since it holds personal data."""
        now = self._clock()
        files = {}
        async with self._uow() as uow:
            for kind in EXPORTS:
                files[kind] = to_csv(await uow.staff.export_rows(kind, now))
            await uow.staff.audit(actor_id, "export", {"files": list(EXPORTS)}, now)
            await uow.commit()
        return files

    async def weekly_counts(self, weeks: int = 12) -> tuple[list[date], dict[str, list[int]]]:
        """Sign-ups by role and new pairs, week by week (weeks starting on Monday, UTC)."""
        now = self._clock()
        first = (now - timedelta(weeks=weeks - 1)).date()
        first -= timedelta(days=first.weekday())
        starts = [first + timedelta(weeks=n) for n in range(weeks)]
        async with self._uow() as uow:
            moments = await uow.staff.weekly(datetime.combine(first, time(), now.tzinfo))
        counts = {}
        for series, values in moments.items():
            row = [0] * weeks
            for moment in values:
                index = (moment.date() - first).days // 7
                if 0 <= index < weeks:
                    row[index] += 1
            counts[series] = row
        return starts, counts

    async def pairs_at_risk(self, limit: int = 30) -> list[tuple[int, int, int, int, bool]]:
        async with self._uow() as uow:
            return await uow.staff.pairs_at_risk(limit)

    async def relay_activity(self, pair_ids: Sequence[int]) -> dict[int, RelayActivity]:
        """How much each pair wrote through the bot lately, and when last; counts and
        dates only (the content is never stored)."""
        async with self._uow() as uow:
            return await uow.staff.relay_activity(pair_ids, self._clock())

    async def gaps(self) -> list[Gap]:
        """Waiting students against free volunteer places, by family of fields and region,
        largest shortfall first: whom to recruit, and where."""
        async with self._uow() as uow:
            waiting, room = await uow.staff.gaps(self._clock())
            pending = [(f, d, 1) for f, d in await uow.vetting.pending_fields()]
        table: dict[tuple[str, str], list[int]] = {}
        for rows, column in ((waiting, 0), (room, 1), (pending, 2)):
            for field_code, department, count in rows:
                key = (catalog.field(field_code).family, places.department(department).region.code)
                table.setdefault(key, [0, 0, 0])[column] += count
        gaps = [Gap(family, region, w, r, p) for (family, region), (w, r, p) in table.items()]
        return sorted(gaps, key=lambda g: (g.free_places - g.waiting, g.family, g.region))


@dataclass(frozen=True)
class Gap:
    family: str
    region: str
    waiting: int
    free_places: int
    pending_volunteers: int = 0
    """Volunteers of this family and region waiting for staff approval."""


EXPORTS = ("students", "volunteers", "pairs", "checkins", "meetings", "session_logs",
           "outcomes")
EXPORT_ENCODING = "utf-8-sig"
"""UTF-8 with a byte order mark, so that spreadsheets open the files in UTF-8."""


def export_filename(kind: str) -> str:
    """The name of one export file, the same in the chat (/export) and on disk."""
    return f"binome-{kind}.csv"


def to_csv(rows: list[dict[str, Any]]) -> str:
    """Rows as CSV for a spreadsheet: lists joined with "|", times in ISO 8601 UTC."""
    buffer = io.StringIO()
    if rows:
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
        writer.writeheader()
        for row in rows:
            writer.writerow({key: _cell(value) for key, value in row.items()})
    return buffer.getvalue()


def _cell(value: Any) -> Any:
    if isinstance(value, list):
        value = "|".join(map(str, value))
    elif hasattr(value, "isoformat"):
        value = value.isoformat()
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        # Text typed by users must not run as a formula when staff open the file.
        return "'" + value
    return value
