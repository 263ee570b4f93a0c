"""The meetings' use cases: propose, pick, move, cancel, and the reminders the tick queues.

Every change and the messages it causes to the partner are written in one transaction, the
messages as outbox rows with a key each, so they go exactly once across restarts. Every
meeting or pair named by a button is checked here: :class:`Stale` unless it is the presser's
and still current.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from mentoring.errors import Stale, StaleReason
from mentoring.keeping_in_touch import ZONES
from mentoring.meetings import (
    DAY_BEFORE,
    HOUR_BEFORE,
    Draft,
    Kind,
    Meeting,
    PairView,
    Person,
    Status,
    asker,
    due_reminders,
    reminder_key,
)
from mentoring.pairing import Notification
from mentoring.ports import Clock
from mentoring.quiet_hours import QuietHours

BATCH = 1000


@dataclass(frozen=True)
class MemberRecord:
    """What the store knows of a member that the meetings need."""

    user_id: int
    first_name: str
    department: str | None
    availability: tuple[str, ...]


class MeetingBook(Protocol):
    """One transaction on the meetings."""

    async def pair(self, pair_id: int) -> PairView | None: ...
    async def pairs_of(self, user_id: int) -> list[PairView]:
        """The user's active pairs."""
        ...
    async def member(self, user_id: int) -> MemberRecord | None: ...
    async def pairs(self, pair_ids: Sequence[int]) -> dict[int, PairView]:
        """Many pairs at once, by id."""
        ...
    async def members(self, user_ids: Sequence[int]) -> dict[int, MemberRecord]:
        """Many members at once, by id."""
        ...
    async def get(self, meeting_id: int) -> Meeting | None:
        """The meeting, locked until the transaction ends where the database can."""
        ...
    async def add(self, meeting: Meeting) -> Meeting: ...
    async def save(self, meeting: Meeting) -> None: ...
    async def upcoming(self, pair_ids: Sequence[int], now: datetime) -> list[Meeting]:
        """Meetings of these pairs proposed, or confirmed and not yet begun, soonest first."""
        ...
    async def confirmed_between(self, since: datetime, until: datetime, after_id: int,
                                limit: int) -> list[Meeting]:
        """Confirmed meetings starting in [since, until), by id after ``after_id``."""
        ...
    async def enqueue(self, notes: Sequence[Notification], now: datetime) -> int:
        """Queue in the outbox; keys already queued are skipped. How many were new."""
        ...
    async def of_ended_pairs(self, limit: int) -> list[Meeting]:
        """Meetings proposed or confirmed in pairs no longer active."""
        ...
    async def commit(self) -> None: ...


class MeetingStore(Protocol):
    def book(self) -> AbstractAsyncContextManager[MeetingBook]: ...


@dataclass(frozen=True)
class Upcoming:
    meeting: Meeting
    partner: Person


class MeetingService:
    def __init__(self, store: MeetingStore, clock: Clock, quiet: QuietHours,
                 home_zone: str) -> None:
        self.store = store
        self._clock = clock
        self.quiet = quiet
        self._home = ZoneInfo(home_zone)
        self.home = home_zone

    def now(self) -> datetime:
        return self._clock()

    def zone_of(self, department: str | None) -> ZoneInfo:
        """Overseas departments live in their own time zones; everyone else in the
        programme's."""
        name = ZONES.get(department or "")
        return ZoneInfo(name) if name else self._home

    def _person(self, record: MemberRecord | None, user_id: int) -> Person:
        if record is None:
            return Person(user_id, "?", self._home)
        return Person(user_id, record.first_name, self.zone_of(record.department),
                      record.availability)

    async def person(self, user_id: int) -> Person:
        async with self.store.book() as book:
            return self._person(await book.member(user_id), user_id)

    async def pairs(self, user_id: int) -> list[tuple[PairView, Person]]:
        """The user's active pairs, each with the partner."""
        async with self.store.book() as book:
            found = []
            for pair in await book.pairs_of(user_id):
                partner = pair.partner_of(user_id)
                assert partner is not None
                found.append((pair, self._person(await book.member(partner), partner)))
            return found

    async def start(self, user_id: int, pair_id: int) -> Draft:
        """A new proposal for the pair; :class:`Stale` unless it is the user's and active."""
        async with self.store.book() as book:
            await _pair_of(book, pair_id, user_id)
        return Draft(pair_id)

    async def other_slots(self, user_id: int, meeting_id: int) -> Draft:
        """The partner answers a proposal with other slots of their own."""
        async with self.store.book() as book:
            meeting = await _meeting_of(book, meeting_id, user_id)
            _answerable(meeting, user_id)
        return Draft(meeting.pair_id, replaces=meeting.id)

    async def moving(self, user_id: int, meeting_id: int) -> Draft:
        """Either member moves a meeting: new slots, the same kind."""
        async with self.store.book() as book:
            meeting = await _meeting_of(book, meeting_id, user_id)
            _still_on(meeting, self._clock())
        return Draft(meeting.pair_id, replaces=meeting.id, kind=meeting.kind, moving=True)

    async def propose(self, user_id: int, draft: Draft, kind: Kind) -> Meeting:
        """Send the slots of ``draft`` to the partner, who picks one."""
        now = self._clock()
        if not draft.slots:
            raise ValueError("a proposal needs a slot")
        async with self.store.book() as book:
            pair = await _pair_of(book, draft.pair_id, user_id)
            partner = pair.partner_of(user_id)
            assert partner is not None
            zone = self._person(await book.member(user_id), user_id).zone
            slots = tuple(sorted(draft.slots))
            if draft.replaces is not None:
                old = await _meeting_of(book, draft.replaces, user_id)
                if old.pair_id != pair.pair_id:
                    raise Stale()
                if draft.moving:
                    _still_on(old, now)
                    meeting = replace(old, status=Status.PROPOSED, slots=slots, starts_at=None,
                                      kind=kind, timezone=zone.key, updated_at=now,
                                      changed_by=user_id,
                                      sequence=old.sequence + (1 if old.ever_agreed else 0))
                    await book.save(meeting)
                    await book.enqueue([_note("meeting_moved", meeting, partner)], now)
                    await book.commit()
                    return meeting
                if old.status is not Status.PROPOSED:
                    raise Stale(StaleReason.ALREADY_ANSWERED)
                await book.save(replace(old, status=Status.CANCELLED, updated_at=now,
                                        changed_by=user_id))
            meeting = await book.add(Meeting(
                0, pair.pair_id, user_id, kind, Status.PROPOSED, slots, None, zone.key, now,
                now))
            await book.enqueue([_note("meeting_proposed", meeting, partner)], now)
            await book.commit()
            return meeting

    async def pick(self, user_id: int, meeting_id: int, index: int,
                   sequence: int = 0) -> Meeting:
        """The partner picks one of the slots shown for version ``sequence``: the meeting
        is confirmed, and the one who asked is told (with the calendar file)."""
        now = self._clock()
        async with self.store.book() as book:
            meeting = await _meeting_of(book, meeting_id, user_id)
            asked_by = asker(meeting)
            _answerable(meeting, user_id)
            if meeting.sequence != sequence:
                raise Stale(StaleReason.CANCELLED)  # moved since these slots were shown
            if not 0 <= index < len(meeting.slots) or meeting.slots[index] < now:
                raise Stale()
            meeting = replace(meeting, status=Status.CONFIRMED, starts_at=meeting.slots[index],
                              updated_at=now, changed_by=user_id)
            await book.save(meeting)
            if asked_by is not None:
                await book.enqueue([_note("meeting_confirmed", meeting, asked_by)], now)
            await book.commit()
            return meeting

    async def cancel(self, user_id: int, meeting_id: int) -> Meeting:
        """Either member cancels; the other is told (with a calendar cancellation when a
        time had been agreed)."""
        now = self._clock()
        async with self.store.book() as book:
            meeting = await _meeting_of(book, meeting_id, user_id)
            _still_on(meeting, self._clock())
            pair = await book.pair(meeting.pair_id)
            partner = pair.partner_of(user_id) if pair else None
            meeting = replace(meeting, status=Status.CANCELLED, updated_at=now,
                              changed_by=user_id,
                              sequence=meeting.sequence + (1 if meeting.ever_agreed else 0))
            await book.save(meeting)
            if partner is not None:
                await book.enqueue([_note("meeting_cancelled", meeting, partner)], now)
            await book.commit()
            return meeting

    async def view(self, meeting_id: int, user_id: int, *, reminder: bool = False,
                   ended: bool = False) -> tuple[Meeting, Person, Person] | None:
        """The meeting as ``user_id`` sees it (with their partner, then themselves), if it
        is of an active pair of theirs (for a ``reminder``, one with no report open; when
        ``ended``, a pair that has ended); for the messages the outbox renders."""
        async with self.store.book() as book:
            meeting = await book.get(meeting_id)
            pair = await book.pair(meeting.pair_id) if meeting else None
            partner = pair.partner_of(user_id) if pair and pair.active != ended else None
            if meeting is None or pair is None or partner is None or (
                    reminder and pair.frozen):
                return None
            return (meeting, self._person(await book.member(partner), partner),
                    self._person(await book.member(user_id), user_id))

    async def upcoming(self, user_id: int) -> list[Upcoming]:
        """The user's meetings to come (confirmed or still proposed), soonest first."""
        now = self._clock()
        async with self.store.book() as book:
            pairs = {p.pair_id: p for p in await book.pairs_of(user_id)}
            found = []
            for meeting in await book.upcoming(list(pairs), now):
                partner = pairs[meeting.pair_id].partner_of(user_id)
                assert partner is not None
                found.append(Upcoming(meeting, self._person(await book.member(partner),
                                                            partner)))
            return found

    async def run_due(self, now: datetime | None = None) -> int:
        """Queue every reminder due at ``now``: the day before and the hour before each
        confirmed meeting, each once (its key names the meeting's version)."""
        now = now or self._clock()
        await self._close_ended(now)
        queued, after = 0, 0
        while True:
            async with self.store.book() as book:
                meetings = await book.confirmed_between(
                    now, now + DAY_BEFORE + 3 * HOUR_BEFORE, after, BATCH)
                if not meetings:
                    return queued
                pairs = await book.pairs([m.pair_id for m in meetings])
                members = await book.members(sorted({
                    user for p in pairs.values() for user in (p.student_id, p.volunteer_id)}))
                notes = []
                for meeting in meetings:
                    pair = pairs.get(meeting.pair_id)
                    if pair is None or not pair.active or pair.frozen:
                        continue
                    people = [self._person(members.get(m), m)
                              for m in (pair.student_id, pair.volunteer_id)]
                    for reminder in due_reminders(meeting, people, self.quiet, now):
                        notes.append(Notification(
                            reminder_key(meeting, reminder), reminder.recipient_id,
                            "meeting_reminder",
                            {"meeting_id": meeting.id, "sequence": meeting.sequence,
                             "stage": reminder.stage.value}, now))
                queued += await book.enqueue(notes, now)
                await book.commit()
                after = meetings[-1].id
                if len(meetings) < BATCH:
                    return queued


    async def _close_ended(self, now: datetime) -> int:
        """Meetings still on in a pair that has ended (/end, staff, a new mentor) are
        cancelled; both members get a cancellation for their calendar if a time still to
        come was agreed. How many."""
        async with self.store.book() as book:
            meetings = await book.of_ended_pairs(BATCH)
            pairs = await book.pairs([m.pair_id for m in meetings])
            notes = []
            for meeting in meetings:
                agreed = meeting.status is Status.CONFIRMED and meeting.starts_at is not None \
                    and meeting.starts_at > now
                meeting = replace(meeting, status=Status.CANCELLED, updated_at=now,
                                  changed_by=None,
                                  sequence=meeting.sequence + (1 if meeting.ever_agreed else 0))
                await book.save(meeting)
                pair = pairs.get(meeting.pair_id)
                if agreed and pair is not None:
                    notes += [_note("meeting_ended", meeting, member)
                              for member in (pair.student_id, pair.volunteer_id)]
            await book.enqueue(notes, now)
            await book.commit()
            return len(meetings)


def _answerable(meeting: Meeting, user_id: int) -> None:
    """Only the partner answers a proposal, and only once."""
    if asker(meeting) == user_id:
        raise Stale()
    if meeting.status is Status.CONFIRMED:
        raise Stale(StaleReason.ALREADY_ANSWERED)
    if meeting.status is not Status.PROPOSED:
        raise Stale(StaleReason.CANCELLED)


def _still_on(meeting: Meeting, now: datetime) -> None:
    """Only a meeting still to come can be moved or cancelled; one under way or past is
    for its session log."""
    if meeting.status not in (Status.PROPOSED, Status.CONFIRMED):
        raise Stale(StaleReason.CANCELLED)
    if meeting.starts_at is not None and meeting.starts_at <= now:
        raise Stale(StaleReason.CANCELLED)


def _note(kind: str, meeting: Meeting, recipient: int) -> Notification:
    return Notification(f"{kind}:{meeting.id}:{meeting.sequence}:{recipient}", recipient, kind,
                        {"meeting_id": meeting.id, "sequence": meeting.sequence})


async def _pair_of(book: MeetingBook, pair_id: int, user_id: int) -> PairView:
    pair = await book.pair(pair_id)
    if pair is None or pair.partner_of(user_id) is None:
        raise Stale()
    if not pair.active:
        raise Stale(StaleReason.ENDED)
    return pair


async def _meeting_of(book: MeetingBook, meeting_id: int, user_id: int) -> Meeting:
    """The meeting, if it is of an active pair of ``user_id``'s; :class:`Stale` otherwise
    (the same answer whether it does not exist or is someone else's)."""
    meeting = await book.get(meeting_id)
    if meeting is None:
        raise Stale()
    await _pair_of(book, meeting.pair_id, user_id)
    return meeting
