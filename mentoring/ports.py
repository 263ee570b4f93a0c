"""What the domain needs from the outside world, as Protocols the adapters implement."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from types import TracebackType
from typing import Protocol

from mentoring.followup import PairClock
from mentoring.model import Consent, Role, StudentProfile, User, VolunteerProfile
from mentoring.pairing import Notification, Pair, Proposal, ProposalStatus


class Clock(Protocol):
    def __call__(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...


class UserRepository(Protocol):
    async def get(self, user_id: int) -> User | None: ...
    async def add(self, user: User) -> None: ...
    async def update(self, user: User) -> None: ...
    async def delete(self, user_id: int) -> None: ...


class ConsentRepository(Protocol):
    async def add(self, consent: Consent) -> None: ...
    async def for_user(self, user_id: int) -> list[Consent]: ...


class ProfileRepository(Protocol):
    async def student(self, user_id: int) -> StudentProfile | None: ...
    async def volunteer(self, user_id: int) -> VolunteerProfile | None: ...
    async def save_student(self, profile: StudentProfile) -> None: ...
    async def save_volunteer(self, profile: VolunteerProfile) -> None: ...


class StatsRepository(Protocol):
    async def count_erasure(self, role: Role | None, day: datetime) -> None:
        """Remember, anonymously, that one account was erased on ``day``."""
        ...


class UnitOfWork(Protocol):
    users: UserRepository
    consents: ConsentRepository
    profiles: ProfileRepository
    stats: StatsRepository
    matching: MatchingRepository
    outbox: Outbox
    followups: FollowUpRepository

    async def __aenter__(self) -> UnitOfWork: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None: ...


class MatchingRepository(Protocol):
    async def waiting_student(self, user_id: int) -> tuple[StudentProfile, datetime] | None:
        """The student's profile and waiting date, if they are on the waiting list."""
        ...

    async def waiting_students(self) -> list[tuple[StudentProfile, datetime]]:
        """Everyone waiting for a mentor, longest waiting first."""
        ...

    async def set_waiting(self, student_id: int, since: datetime | None) -> None: ...

    async def available_volunteers(self, now: datetime) -> list[tuple[VolunteerProfile, int]]:
        """Volunteers not paused at ``now`` with free capacity, and how much."""
        ...

    async def volunteers_stamp(self) -> tuple[int, datetime | None]:
        """How many volunteer profiles exist, and when the latest one changed."""
        ...

    async def volunteers_changed_since(
        self, since: datetime | None, now: datetime
    ) -> list[tuple[VolunteerProfile, int]]: ...

    async def volunteer_free(
        self, volunteer_id: int, now: datetime
    ) -> tuple[VolunteerProfile, int] | None: ...

    async def excluded_for_student(self, student_id: int) -> set[int]:
        """Volunteers never to propose to this student again: past proposals, past pairs,
        staff exclusions."""
        ...

    async def excluded_pairs(self) -> set[tuple[int, int]]: ...

    async def reserve(self, volunteer_id: int, now: datetime) -> bool:
        """Take one place of the volunteer's capacity, atomically; False if none is free."""
        ...

    async def release(self, volunteer_id: int) -> None: ...

    async def add_proposal(self, proposal: Proposal) -> int: ...

    async def proposal(self, proposal_id: int) -> Proposal | None: ...

    async def open_proposal_of_student(self, student_id: int) -> Proposal | None: ...

    async def close_proposal(self, proposal_id: int, status: ProposalStatus, now: datetime,
                             *, only_before: datetime | None = None,
                             reason: str | None = None) -> bool:
        """Move an open proposal to ``status``; False if it was no longer open (or, with
        ``only_before``, if its deadline has passed). Atomic: one of two racing answers wins."""
        ...

    async def proposals_expiring(self, now: datetime) -> list[Proposal]: ...

    async def proposals_to_remind(self, now: datetime) -> list[Proposal]: ...

    async def clear_reminder(self, proposal_id: int) -> None: ...

    async def add_pair(self, pair: Pair) -> int: ...

    async def active_pair_of(self, user_id: int) -> Pair | None: ...

    async def pause_volunteer(self, volunteer_id: int, until: datetime | None,
                              announce_resume: bool = False) -> None:
        """Pause until ``until`` (None: available now); with ``announce_resume`` the end of
        the pause is announced to the volunteer."""
        ...

    async def pauses_ending(self, now: datetime) -> list[int]:
        """Volunteers whose announced pause is over at ``now``."""
        ...

    async def open_proposals_of(self, user_id: int) -> list[Proposal]:
        """Open proposals where the user is the student or the volunteer."""
        ...

    async def active_pairs_of(self, user_id: int) -> list[Pair]: ...

    async def end_pair(self, pair_id: int, now: datetime, by: int | None = None) -> bool:
        """End an active pair; False if it had already ended."""
        ...

    async def pair(self, pair_id: int) -> Pair | None: ...

    async def add_feedback(self, pair_id: int, user_id: int, rating: int,
                           comment: str | None, now: datetime) -> int: ...

    async def comment_feedback(self, feedback_id: int, user_id: int, comment: str) -> bool: ...

    async def add_report(self, pair_id: int | None, reporter_id: int, text: str,
                         now: datetime) -> int: ...

    async def close_report(self, report_id: int, now: datetime) -> tuple[bool, int | None]:
        """Close a report: whether it was open, and the pair it is about (if any)."""
        ...

    async def open_reports(self) -> list[tuple[int, int | None, int | None, str, datetime]]:
        """(report id, pair id, reporter id, text, created at), oldest first."""
        ...


class Outbox(Protocol):
    async def add(self, notification: Notification, now: datetime) -> bool:
        """Queue a message; False if one with the same key was queued before."""
        ...

    async def add_many(self, notifications: Sequence[Notification], now: datetime) -> None:
        """Queue many messages at once; keys already queued are skipped."""
        ...


class DueFollowUp(Protocol):
    @property
    def clock(self) -> PairClock: ...
    @property
    def student_id(self) -> int: ...
    @property
    def volunteer_id(self) -> int: ...
    @property
    def student_department(self) -> str | None: ...
    @property
    def volunteer_department(self) -> str | None: ...


class FollowUpRepository(Protocol):
    async def add(self, clock: PairClock) -> None: ...
    async def get(self, pair_id: int) -> PairClock | None: ...
    async def save(self, clock: PairClock) -> None: ...
    async def save_many(self, clocks: Sequence[PairClock]) -> None: ...
    async def due(self, now: datetime, limit: int) -> Sequence[DueFollowUp]: ...
    async def record_exchange(self, pair_id: int, user_id: int, answer: str,
                              now: datetime) -> None: ...
