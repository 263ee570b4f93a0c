"""Matching use cases: propose a student to the best volunteer, take the volunteer's answer,
expire and remind, and pair the whole waiting list at once.

Every message these cause is written to the outbox in the same transaction as the change,
so a crash never leaves a proposal without its message, or a message without its proposal.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from mentoring import followup
from mentoring.errors import Stale, StaleReason
from mentoring.followup import FollowUpPolicy
from mentoring.matching.scoring import Score, Weights, score
from mentoring.model import StudentProfile
from mentoring.pairing import Notification, Pair, Proposal, ProposalStatus
from mentoring.ports import Clock, UnitOfWork
from mentoring.vetting import SLACK, Safeguarding, add_months, is_minor

if TYPE_CHECKING:
    from mentoring.matching.batch import Assignment
    from mentoring.matching.pool import VolunteerPool

CANDIDATES_TRIED = 5
"""How many of the best volunteers to try when the first is taken meanwhile."""


@dataclass(frozen=True)
class MatchingPolicy:
    answer_within: timedelta = timedelta(hours=72)
    pause_when_not_now: timedelta = timedelta(days=28)
    weights: Weights = field(default_factory=Weights)
    follow_up: FollowUpPolicy = field(default_factory=FollowUpPolicy)
    safeguarding: Safeguarding = field(default_factory=Safeguarding)


class Answer(StrEnum):
    ACCEPT = "accept"
    DECLINE = "decline"
    NOT_NOW = "not_now"


class Outcome(StrEnum):
    PROPOSED = "proposed"
    WAITING = "waiting"
    ALREADY_MATCHED = "already_matched"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    PAUSED = "paused"


POOL_MAX_AGE = timedelta(seconds=30)
"""Free places seen in memory are hints (the reservation in the database decides); after
this long the pool is reloaded anyway, so places freed by another process are seen."""


class PoolCache:
    """The volunteers, searchable in memory in a few milliseconds instead of scoring every
    row of the database at each proposal. Refreshed with only the profiles that changed."""

    def __init__(self, weights: Weights) -> None:
        self._weights = weights
        self._pool: VolunteerPool | None = None
        self._stamp: tuple[int, datetime | None] = (0, None)
        self._loaded_at: datetime | None = None

    async def get(self, uow: UnitOfWork, now: datetime) -> VolunteerPool:
        from mentoring.matching.pool import VolunteerPool

        stamp = await uow.matching.volunteers_stamp()
        stale = (self._pool is None or self._loaded_at is None
                 or now - self._loaded_at > POOL_MAX_AGE or now < self._loaded_at
                 or stamp[0] < self._stamp[0])
        if stale:
            self._pool = VolunteerPool(await uow.matching.volunteers_changed_since(None, now),
                                       self._weights)
            self._loaded_at = now
        elif stamp != self._stamp and self._pool is not None:
            for profile, free in await uow.matching.volunteers_changed_since(self._stamp[1],
                                                                             now):
                self._pool.upsert(profile, free)
        self._stamp = stamp
        assert self._pool is not None
        return self._pool

    def taken(self, volunteer_id: int, reserved: bool) -> None:
        """After a reservation attempt: one place fewer, or none at all if it failed."""
        if self._pool is not None and volunteer_id in self._pool:
            free = self._pool.free(volunteer_id) - 1 if reserved else 0
            self._pool.set_free(volunteer_id, max(0, free))

    def released(self, volunteer_id: int) -> None:
        if self._pool is not None and volunteer_id in self._pool:
            self._pool.set_free(volunteer_id, self._pool.free(volunteer_id) + 1)


def reasons_of(result: Score) -> list[dict[str, object]]:
    return [{"code": r.code, "details": list(r.details)} for r in result.reasons]


@dataclass(frozen=True)
class MatchStatus:
    pair: Pair | None
    proposed: bool
    waiting_since: datetime | None


class Matchmaker:
    def __init__(self, uow: Callable[[], UnitOfWork], clock: Clock,
                 policy: MatchingPolicy | None = None) -> None:
        self._uow = uow
        self._clock = clock
        self.policy = policy or MatchingPolicy()
        self._pool = PoolCache(self.policy.weights)

    async def student_ready(self, student_id: int) -> Outcome:
        """A student confirmed a profile: propose them now, or put them on the waiting list."""
        now = self._clock()
        async with self._uow() as uow:
            if await uow.matching.active_pair_of(student_id) is not None:
                return Outcome.ALREADY_MATCHED
            if await uow.matching.open_proposal_of_student(student_id) is not None:
                return Outcome.PROPOSED
            if await uow.matching.waiting_student(student_id) is None:
                await uow.matching.set_waiting(student_id, now)
            # The student reads the outcome in the reply to their confirmation.
            outcome = await self._propose(uow, student_id, now, tell_waiting=False)
            await uow.commit()
            return outcome

    async def status(self, user_id: int) -> MatchStatus:
        """Where the user stands: paired, proposed to a volunteer, or waiting."""
        async with self._uow() as uow:
            pair = await uow.matching.active_pair_of(user_id)
            proposed = await uow.matching.open_proposal_of_student(user_id) is not None
            waiting = await uow.matching.waiting_student(user_id)
        return MatchStatus(pair, proposed, waiting[1] if waiting else None)

    async def is_volunteer(self, user_id: int) -> bool:
        async with self._uow() as uow:
            return await uow.profiles.volunteer(user_id) is not None

    async def pause(self, volunteer_id: int, until: datetime) -> bool:
        """The volunteer takes a break until ``until``; it ends by itself and is announced.
        False if they are not a volunteer."""
        async with self._uow() as uow:
            if await uow.profiles.volunteer(volunteer_id) is None:
                return False
            await uow.matching.pause_volunteer(volunteer_id, until, announce_resume=True)
            await uow.commit()
            return True

    async def resume(self, volunteer_id: int) -> bool:
        """The volunteer is available again now: offered to whoever waits and fits."""
        now = self._clock()
        async with self._uow() as uow:
            if await uow.profiles.volunteer(volunteer_id) is None:
                return False
            await uow.matching.pause_volunteer(volunteer_id, None)
            await self._offer(uow, volunteer_id, now)
            await uow.commit()
            return True

    async def end_pauses(self, now: datetime | None = None) -> int:
        """Pauses that are over: tell the volunteers and offer them to waiting students."""
        now = now or self._clock()
        async with self._uow() as uow:
            ended = await uow.matching.pauses_ending(now)
            for volunteer_id in ended:
                found = await uow.matching.volunteer_free(volunteer_id, now)
                until = found[0].paused_until if found else None
                await uow.matching.pause_volunteer(volunteer_id, None)
                await uow.outbox.add(Notification(
                    f"pause-over:{volunteer_id}:{until.isoformat() if until else ''}",
                    volunteer_id, "pause_over"), now)
                await self._offer(uow, volunteer_id, now)
            await uow.commit()
            return len(ended)

    async def waiting_list(self) -> list[tuple[StudentProfile, datetime]]:
        """Students waiting for a mentor (not currently proposed), longest waiting first."""
        async with self._uow() as uow:
            return await uow.matching.waiting_students()

    async def withdraw(self, user_id: int) -> None:
        """Someone leaves (erases their data): cancel their proposals and end their pairs
        cleanly, freeing the volunteer's place and finding the students someone else."""
        now = self._clock()
        async with self._uow() as uow:
            proposals = await uow.matching.open_proposals_of(user_id)
            pairs = await uow.matching.active_pairs_of(user_id)
            for proposal in proposals:
                await uow.matching.close_proposal(proposal.id, ProposalStatus.CANCELLED, now)
                await self._release(uow, proposal.volunteer_id)
            for pair in pairs:
                await uow.matching.end_pair(pair.id, now)
                await self._release(uow, pair.volunteer_id)
                other = pair.volunteer_id if pair.student_id == user_id else pair.student_id
                await uow.outbox.add(Notification(f"pair-ended:{pair.id}:{other}", other,
                                                  "pair_left", {"pair_id": pair.id}), now)
            students = {p.student_id for p in proposals} | {p.student_id for p in pairs}
            for student_id in students - {user_id}:
                await uow.matching.set_waiting(student_id, now)
                await self._propose(uow, student_id, now)
            await uow.commit()

    async def volunteer_ready(self, volunteer_id: int) -> int:
        """A volunteer signed up or has room again: offer them to the longest-waiting
        students who fit. Returns how many proposals were made."""
        now = self._clock()
        async with self._uow() as uow:
            made = await self._offer(uow, volunteer_id, now)
            await uow.commit()
            return made

    async def open_proposal(self, proposal_id: int, volunteer_id: int) -> Proposal:
        """The proposal, if it is still open and addressed to ``volunteer_id``; else
        :class:`Stale`."""
        async with self._uow() as uow:
            return await self._open_proposal(uow, proposal_id, volunteer_id)

    async def answer(self, proposal_id: int, volunteer_id: int, answer: Answer,
                     reason: str | None = None) -> Outcome:
        """The volunteer's tap on a proposal. Exactly one of two racing taps wins; the
        others, and a tap on a proposal that is not open or not theirs, raise
        :class:`Stale`."""
        now = self._clock()
        async with self._uow() as uow:
            proposal = await self._open_proposal(uow, proposal_id, volunteer_id)
            if answer is Answer.ACCEPT:
                outcome = await self._accept(uow, proposal, now)
            else:
                outcome = await self._refuse(uow, proposal, answer, reason, now)
            await uow.commit()
            return outcome

    async def expire_and_remind(self, now: datetime | None = None) -> tuple[int, int]:
        """Expire proposals past their deadline (and propose the next volunteer), remind
        volunteers at half time. Returns (expired, reminded)."""
        now = now or self._clock()
        expired = reminded = 0
        await self.end_pauses(now)
        async with self._uow() as uow:
            for proposal in await uow.matching.proposals_expiring(now):
                if await uow.matching.close_proposal(proposal.id, ProposalStatus.EXPIRED, now):
                    expired += 1
                    await self._release(uow, proposal.volunteer_id)
                    await uow.outbox.add(Notification(
                        f"proposal-expired:{proposal.id}", proposal.volunteer_id,
                        "proposal_expired", {"proposal_id": proposal.id}), now)
                    await self._propose(uow, proposal.student_id, now)
            for proposal in await uow.matching.proposals_to_remind(now):
                await uow.matching.clear_reminder(proposal.id)
                reminded += await uow.outbox.add(Notification(
                    f"proposal-reminder:{proposal.id}", proposal.volunteer_id,
                    "proposal_reminder",
                    {"proposal_id": proposal.id, "deadline": proposal.deadline.isoformat()}),
                    now)
            await uow.commit()
        return expired, reminded

    async def plan_batch(self, time_budget: float = 50.0) -> tuple[Assignment, int, int]:
        """The best global assignment of the waiting list, without changing anything.
        Returns it with the number of students waiting and of volunteers with room."""
        # Imported here: the solver is heavy, and only batch matching needs it.
        from mentoring.matching.batch import WaitingStudent, assign

        now = self._clock()
        async with self._uow() as uow:
            waiting = await uow.matching.waiting_students()
            volunteers = await uow.matching.available_volunteers(now)
            excluded = await uow.matching.excluded_pairs()
        students = [WaitingStudent(profile, since) for profile, since in waiting]
        # The solver is CPU-bound for up to ``time_budget``: off the event loop, so the bot
        # keeps answering people meanwhile.
        plan = await asyncio.to_thread(assign, students, volunteers, excluded,
                                       self.policy.weights, time_budget=time_budget)
        return plan, len(students), len(volunteers)

    async def run_batch(self, time_budget: float = 50.0) -> tuple[Assignment, int]:
        """Pair the waiting list as well as possible and send the proposals. Returns the
        plan and how many proposals were made (a volunteer may have been taken meanwhile)."""
        plan, _waiting, _volunteers = await self.plan_batch(time_budget)
        return plan, await self.apply_plan(plan)

    async def apply_plan(self, plan: Assignment) -> int:
        """Make the plan's proposals, in transactions of 500."""
        made = 0
        now = self._clock()
        for chunk_start in range(0, len(plan.pairs), 500):
            async with self._uow() as uow:
                for student_id, volunteer_id, _value in plan.pairs[chunk_start:chunk_start + 500]:
                    if await self._propose_pair(uow, student_id, volunteer_id, now):
                        made += 1
                    elif not await self._may_meet(uow, student_id, volunteer_id, now):
                        # The plan knows no checks: a minor gets a checked volunteer here.
                        made += await self._propose(uow, student_id, now,
                                                    tell_waiting=False) is Outcome.PROPOSED
                await uow.commit()
        return made

    # --- steps, inside one unit of work -------------------------------------------------------

    async def _propose(self, uow: UnitOfWork, student_id: int, now: datetime,
                       tell_waiting: bool = True) -> Outcome:
        student = await uow.profiles.student(student_id)
        if student is None:
            return Outcome.WAITING
        excluded = await uow.matching.excluded_for_student(student_id)
        pool = await self._pool.get(uow, now)
        # A minor is proposed only to volunteers whose criminal-record check is valid.
        only = (await self._checked(uow, None, now) if is_minor(student.birth_year, now.date())
                else None)
        for volunteer_id, result in pool.best(student, excluded=excluded,
                                              limit=CANDIDATES_TRIED, only=only):
            if await self._create_proposal(uow, student_id, volunteer_id, result, now):
                return Outcome.PROPOSED
        if tell_waiting:
            await uow.outbox.add(Notification(
                f"waiting:{student_id}:{len(excluded)}", student_id, "student_waiting"), now)
        return Outcome.WAITING

    async def _propose_pair(self, uow: UnitOfWork, student_id: int, volunteer_id: int,
                            now: datetime) -> bool:
        student = await uow.profiles.student(student_id)
        found = await uow.matching.volunteer_free(volunteer_id, now)
        if student is None or found is None:
            return False
        if await uow.matching.open_proposal_of_student(student_id) is not None:
            return False
        result = score(student, found[0], self.policy.weights)
        if result is None:
            return False
        return await self._create_proposal(uow, student_id, volunteer_id, result, now)

    async def _checked(self, uow: UnitOfWork, volunteer_ids: list[int] | None,
                       now: datetime) -> set[int]:
        """Volunteers (of these, or all) whose criminal-record check is valid at ``now``."""
        policy, today = self.policy.safeguarding, now.date()
        since = add_months(today, -policy.check_valid_months) - SLACK
        found = await uow.vetting.checks_of(volunteer_ids, dated_after=since)
        return {v for v, day in found.items() if policy.check_valid(day, today)}

    async def _may_meet(self, uow: UnitOfWork, student_id: int, volunteer_id: int,
                        now: datetime) -> bool:
        """The last word before any proposal, whichever way it was found: a minor meets
        only a volunteer whose check is valid."""
        student = await uow.profiles.student(student_id)
        if student is None or not is_minor(student.birth_year, now.date()):
            return True
        return bool(await self._checked(uow, [volunteer_id], now))

    async def _create_proposal(self, uow: UnitOfWork, student_id: int, volunteer_id: int,
                               result: Score, now: datetime) -> bool:
        if not await self._may_meet(uow, student_id, volunteer_id, now):
            return False
        reserved = await uow.matching.reserve(volunteer_id, now)
        self._pool.taken(volunteer_id, reserved)
        if not reserved:
            return False
        deadline = now + self.policy.answer_within
        proposal = Proposal(
            id=0, student_id=student_id, volunteer_id=volunteer_id, score=result.value,
            reasons=reasons_of(result), created_at=now, deadline=deadline,
            remind_at=now + self.policy.answer_within / 2)
        proposal.id = await uow.matching.add_proposal(proposal)
        await uow.outbox.add(Notification(
            f"proposal:{proposal.id}", volunteer_id, "proposal",
            {"proposal_id": proposal.id, "student_id": student_id,
             "reasons": proposal.reasons, "deadline": deadline.isoformat()}), now)
        return True

    async def _offer(self, uow: UnitOfWork, volunteer_id: int, now: datetime) -> int:
        found = await uow.matching.volunteer_free(volunteer_id, now)
        if found is None:
            return 0
        volunteer, free = found
        # One query for the volunteer's exclusions, not one per waiting student.
        excluded = await uow.matching.excluded_for_volunteer(volunteer_id)
        checked = bool(await self._checked(uow, [volunteer_id], now))
        made = 0
        for student, _since in await uow.matching.waiting_students():
            if made >= free:
                break
            if student.user_id in excluded or (
                    not checked and is_minor(student.birth_year, now.date())):
                continue
            result = score(student, volunteer, self.policy.weights)
            if result is not None and await self._create_proposal(
                    uow, student.user_id, volunteer_id, result, now):
                made += 1
        return made

    async def _accept(self, uow: UnitOfWork, proposal: Proposal, now: datetime) -> Outcome:
        if not await uow.matching.close_proposal(proposal.id, ProposalStatus.ACCEPTED, now,
                                                 only_before=now):
            raise await self._why_closed(uow, proposal.id)
        pair = Pair(id=0, student_id=proposal.student_id, volunteer_id=proposal.volunteer_id,
                    proposal_id=proposal.id, started_at=now)
        pair.id = await uow.matching.add_pair(pair)
        await uow.followups.add(followup.start(pair.id, now, self.policy.follow_up))
        await uow.matching.set_waiting(proposal.student_id, None)
        params = {"pair_id": pair.id, "student_id": pair.student_id,
                  "volunteer_id": pair.volunteer_id, "reasons": proposal.reasons}
        await uow.outbox.add(Notification(f"intro:{pair.id}:student", pair.student_id,
                                          "intro_student", params), now)
        await uow.outbox.add(Notification(f"intro:{pair.id}:volunteer", pair.volunteer_id,
                                          "intro_volunteer", params), now)
        return Outcome.ACCEPTED

    async def _refuse(self, uow: UnitOfWork, proposal: Proposal, answer: Answer,
                      reason: str | None, now: datetime) -> Outcome:
        status = ProposalStatus.DECLINED if answer is Answer.DECLINE else ProposalStatus.NOT_NOW
        if not await uow.matching.close_proposal(proposal.id, status, now, reason=reason):
            raise await self._why_closed(uow, proposal.id)
        await self._release(uow, proposal.volunteer_id)
        if answer is Answer.NOT_NOW:
            await uow.matching.pause_volunteer(proposal.volunteer_id,
                                               now + self.policy.pause_when_not_now)
        await self._propose(uow, proposal.student_id, now)
        if answer is Answer.DECLINE and reason != "time":
            # Declining one student is not declining the programme: the freed place goes
            # to whoever waits and fits (never the same student again).
            await self._offer(uow, proposal.volunteer_id, now)
        return Outcome.DECLINED if answer is Answer.DECLINE else Outcome.PAUSED

    def note_released(self, volunteer_id: int) -> None:
        """A place of the volunteer was freed elsewhere (a pair ended)."""
        self._pool.released(volunteer_id)

    async def _release(self, uow: UnitOfWork, volunteer_id: int) -> None:
        await uow.matching.release(volunteer_id)
        self._pool.released(volunteer_id)

    @staticmethod
    async def _open_proposal(uow: UnitOfWork, proposal_id: int,
                             volunteer_id: int) -> Proposal:
        proposal = await uow.matching.proposal(proposal_id)
        if proposal is None or proposal.volunteer_id != volunteer_id:
            raise Stale()
        if proposal.status is not ProposalStatus.OPEN:
            raise await Matchmaker._why_closed(uow, proposal_id)
        return proposal

    @staticmethod
    async def _why_closed(uow: UnitOfWork, proposal_id: int) -> Stale:
        current = await uow.matching.proposal(proposal_id)
        if current is not None and current.status in (ProposalStatus.EXPIRED,
                                                       ProposalStatus.OPEN):
            return Stale(StaleReason.EXPIRED)
        return Stale(StaleReason.ALREADY_ANSWERED)
