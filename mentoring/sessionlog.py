"""The session log: after a meeting's end, or a check-in answered "yes", each member is asked
once whether it happened, what they worked on (the needs list, in one multi-select), an
optional sentence and, for the student, how useful it was.

Each question is a row of its own member (``step`` says how far they got), written with its
outbox message in one transaction and keyed by the occasion, so ticks that run twice, replays
with ``binome tick --at`` and restarts never ask twice. The row keeps a multi-select's choices
as they are tapped, so a restart in the middle loses none.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Protocol
from zoneinfo import ZoneInfo

from mentoring.catalog import NEEDS
from mentoring.errors import Stale
from mentoring.keeping_in_touch import ZONES
from mentoring.pairing import Notification, Pair
from mentoring.ports import Clock, UnitOfWork
from mentoring.quiet_hours import QuietHours, next_allowed
from mentoring.text import visible

TOPICS: tuple[str, ...] = tuple(option.code for option in NEEDS)
"""What a pair can have worked on: the needs list of the sign-up."""

USEFULNESS = range(1, 6)
MAX_NOTE = 300
BATCH = 500


class Happened(StrEnum):
    YES = "yes"
    NO = "no"
    MOVED = "moved"


class Step(StrEnum):
    ASKED = "asked"
    TOPICS = "topics"
    NOTE = "note"
    USEFULNESS = "usefulness"
    DONE = "done"


@dataclass(frozen=True)
class SessionEntry:
    """One member's account of one meeting or exchange."""

    id: int
    pair_id: int
    user_id: int
    student: bool
    """Whether ``user_id`` is the pair's student (only the student rates usefulness)."""
    meeting_id: int | None
    occasion: str
    held_on: datetime
    asked_at: datetime
    step: Step = Step.ASKED
    happened: Happened | None = None
    topics: tuple[str, ...] = ()
    note: str | None = None
    usefulness: int | None = None
    answered_at: datetime | None = None


@dataclass(frozen=True)
class EndedMeeting:
    """A confirmed meeting whose end has passed and whose members were not asked yet."""

    meeting_id: int
    sequence: int
    """How many times the meeting changed: a moved meeting is a new occasion."""
    pair: Pair
    starts_at: datetime
    departments: dict[int, str | None]


class SessionLogRepository(Protocol):
    async def meetings_ended(self, now: datetime, limit: int) -> list[EndedMeeting]:
        """Confirmed meetings of active pairs, ended by ``now``, nobody asked about since
        their last change."""
        ...

    async def asked(self, pair_id: int, occasion: str) -> bool: ...
    async def add(self, entry: SessionEntry) -> int | None:
        """The new entry's id; None if this member was already asked about this occasion
        (by a tick running at the same time)."""
        ...
    async def get(self, entry_id: int) -> SessionEntry | None: ...
    async def save(self, entry: SessionEntry) -> None: ...
    async def answers_of(self, pair_id: int, occasion: str) -> list[str | None]: ...
    async def set_meeting_status(self, meeting_id: int, status: str) -> None: ...

    async def meeting_statuses(self, pair_id: int, limit: int) -> list[str]:
        """The pair's last ``limit`` held or missed meetings, oldest first."""
        ...


class WithSessionLogs(UnitOfWork, Protocol):
    @property
    def sessionlogs(self) -> SessionLogRepository: ...

    async def __aenter__(self) -> WithSessionLogs: ...


def toggled(current: Sequence[str], index: int, options: Sequence[str]) -> tuple[str, ...]:
    """The choices after a tap on ``options[index]``, in the options' order; :class:`Stale`
    for an index no button gives."""
    if not 0 <= index < len(options):
        raise Stale()
    flipped = set(current) ^ {options[index]}
    return tuple(option for option in options if option in flipped)


def meeting_status(answers: Sequence[str | None]) -> str | None:
    """What the members' answers say of a meeting: held as soon as one says it happened,
    missed when one says it did not (and nobody that it did), else unchanged (None)."""
    if Happened.YES in answers:
        return "held"
    if Happened.NO in answers:
        return "missed"
    return None


def missed_twice(statuses: Sequence[str]) -> bool:
    """Whether the pair's last two recorded meetings (oldest first) both did not happen."""
    return len(statuses) >= 2 and statuses[-1] == statuses[-2] == "missed"


def clean_note(text: str) -> str:
    """A note as kept: visible characters only, on one line, at most MAX_NOTE long."""
    return " ".join(visible(text).split())[:MAX_NOTE]


class SessionLogs:
    def __init__(self, uow: Callable[[], WithSessionLogs], clock: Clock,
                 quiet: QuietHours, zone: str, staff_ids: Collection[int]) -> None:
        self._uow = uow
        self._clock = clock
        self._quiet = quiet
        self._home = ZoneInfo(zone)
        self._zones = {code: ZoneInfo(name) for code, name in ZONES.items()}
        self._staff = sorted(staff_ids)

    async def run_due(self, now: datetime | None = None) -> int:
        """Ask both members of every meeting that has ended; returns how many meetings."""
        now = now or self._clock()
        asked = 0
        while True:
            async with self._uow() as uow:
                meetings = await uow.sessionlogs.meetings_ended(now, BATCH)
                for meeting in meetings:
                    occasion = f"meeting:{meeting.meeting_id}:{meeting.sequence}"
                    await self._ask(uow, meeting.pair, occasion,
                                    meeting.meeting_id, meeting.starts_at, now,
                                    meeting.departments)
                await uow.commit()
            asked += len(meetings)
            if len(meetings) < BATCH:
                return asked

    async def after_check_in(self, uow: UnitOfWork, pair: Pair, sequence: int,
                             now: datetime) -> None:
        """A member answered "yes" to the pair's ``sequence``-th follow-up step: both are
        asked about it, once, in the caller's transaction."""
        logs = _with_logs(uow)
        occasion = f"checkin:{sequence}"
        if await logs.sessionlogs.asked(pair.id, occasion):
            return
        departments = {}
        for member in (pair.student_id, pair.volunteer_id):
            profile = (await uow.profiles.student(member) if member == pair.student_id
                       else await uow.profiles.volunteer(member))
            departments[member] = profile.department if profile else None
        await self._ask(logs, pair, occasion, None, now, now, departments)

    async def _ask(self, uow: WithSessionLogs, pair: Pair, occasion: str,
                   meeting_id: int | None, held_on: datetime, now: datetime,
                   departments: dict[int, str | None]) -> None:
        for member in (pair.student_id, pair.volunteer_id):
            entry = SessionEntry(0, pair.id, member, member == pair.student_id, meeting_id,
                                 occasion, held_on, now)
            entry_id = await uow.sessionlogs.add(entry)
            if entry_id is None:
                continue
            zone = self._zones.get(departments.get(member) or "", self._home)
            await uow.outbox.add(Notification(
                f"sessionlog:{pair.id}:{occasion}:{member}", member, "sessionlog_question",
                {"log_id": entry_id, "pair_id": pair.id, "student_id": pair.student_id,
                 "volunteer_id": pair.volunteer_id, "meeting_id": meeting_id,
                 "held_on": held_on.isoformat()},
                next_allowed(now, zone, self._quiet)), now)

    async def entry(self, entry_id: int, user_id: int) -> SessionEntry:
        """The member's own entry; :class:`Stale` for anyone else's or none."""
        async with self._uow() as uow:
            return await _own(uow, entry_id, user_id, None)

    async def happened(self, entry_id: int, user_id: int, answer: Happened) -> SessionEntry:
        """Did it happen: the first answer from either side records the meeting; two
        meetings missed in a row alert staff."""
        now = self._clock()
        async with self._uow() as uow:
            entry = await _own(uow, entry_id, user_id, Step.ASKED)
            entry = replace(entry, happened=answer, answered_at=now,
                            step=Step.TOPICS if answer is Happened.YES else Step.DONE)
            await uow.sessionlogs.save(entry)
            if entry.meeting_id is not None:
                await self._record_meeting(uow, entry, now)
            await uow.commit()
            return entry

    async def _record_meeting(self, uow: WithSessionLogs, entry: SessionEntry,
                              now: datetime) -> None:
        assert entry.meeting_id is not None
        status = meeting_status(await uow.sessionlogs.answers_of(entry.pair_id,
                                                                  entry.occasion))
        if status is None:
            return
        await uow.sessionlogs.set_meeting_status(entry.meeting_id, status)
        if status != "missed" or not missed_twice(
                await uow.sessionlogs.meeting_statuses(entry.pair_id, 2)):
            return
        pair = await uow.matching.pair(entry.pair_id)
        if pair is None:
            return
        for staff_id in sorted(set(self._staff) | await uow.staff.members()):
            await uow.outbox.add(Notification(
                f"missed:{pair.id}:{entry.meeting_id}:{staff_id}", staff_id, "missed_staff",
                {"pair_id": pair.id, "student_id": pair.student_id,
                 "volunteer_id": pair.volunteer_id}), now)

    async def toggle(self, entry_id: int, user_id: int, index: int) -> SessionEntry:
        """One tap in the multi-select of what they worked on, kept at once."""
        async with self._uow() as uow:
            entry = await _own(uow, entry_id, user_id, Step.TOPICS)
            entry = replace(entry, topics=toggled(entry.topics, index, TOPICS))
            await uow.sessionlogs.save(entry)
            await uow.commit()
            return entry

    async def topics_done(self, entry_id: int, user_id: int) -> SessionEntry:
        return await self._move(entry_id, user_id, Step.TOPICS, Step.NOTE)

    async def note(self, entry_id: int, user_id: int, text: str | None) -> SessionEntry:
        """The optional sentence (None: skipped); the student is then asked to rate."""
        async with self._uow() as uow:
            entry = await _own(uow, entry_id, user_id, Step.NOTE)
            entry = replace(entry, note=(clean_note(text) or None) if text else None,
                            step=Step.USEFULNESS if entry.student else Step.DONE)
            await uow.sessionlogs.save(entry)
            await uow.commit()
            return entry

    async def rate(self, entry_id: int, user_id: int, value: int) -> SessionEntry:
        if value not in USEFULNESS:
            raise Stale()
        async with self._uow() as uow:
            entry = await _own(uow, entry_id, user_id, Step.USEFULNESS)
            entry = replace(entry, usefulness=value, step=Step.DONE)
            await uow.sessionlogs.save(entry)
            await uow.commit()
            return entry

    async def _move(self, entry_id: int, user_id: int, at: Step, to: Step) -> SessionEntry:
        async with self._uow() as uow:
            entry = replace(await _own(uow, entry_id, user_id, at), step=to)
            await uow.sessionlogs.save(entry)
            await uow.commit()
            return entry


async def _own(uow: WithSessionLogs, entry_id: int, user_id: int,
               step: Step | None) -> SessionEntry:
    """The entry, if it is ``user_id``'s and at ``step``. The pair may have ended since:
    what they did together is still worth recording."""
    entry = await uow.sessionlogs.get(entry_id)
    if entry is None or entry.user_id != user_id or (step is not None and entry.step != step):
        raise Stale()
    return entry


def _with_logs(uow: UnitOfWork) -> WithSessionLogs:
    if not hasattr(uow, "sessionlogs"):
        raise TypeError("this unit of work has no session logs")
    return uow  # type: ignore[return-value]
