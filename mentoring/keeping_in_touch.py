"""Keeping pairs talking: the tick sends what each pair's clock says is due, and the pair's
answers move the clock. Every message is queued in the outbox in the same transaction as the
clock it advances, with a key per step and recipient, so a tick that runs twice, two
processes ticking, or a crash in between never sends a step twice or skips one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from mentoring import followup, outcomes
from mentoring.errors import Stale
from mentoring.followup import Answer, CheckInKind, FollowUpPolicy, PairClock, Rhythm
from mentoring.pair_care import current_pair
from mentoring.pairing import Notification, Pair
from mentoring.ports import Clock, DueFollowUp, UnitOfWork
from mentoring.quiet_hours import QuietHours, is_allowed, next_allowed

BATCH = 1000

# Overseas departments live in their own time zones; quiet hours are local.
ZONES = {"971": "America/Guadeloupe", "972": "America/Martinique", "973": "America/Cayenne",
         "974": "Indian/Reunion", "976": "Indian/Mayotte"}


@dataclass(frozen=True)
class KeepingPolicy:
    follow_up: FollowUpPolicy = field(default_factory=FollowUpPolicy)
    quiet: QuietHours = field(default_factory=QuietHours)
    zone: str = "Europe/Paris"


AfterYes = Callable[[UnitOfWork, Pair, int, datetime], Awaitable[None]]
"""What else happens, in the same transaction, when a member answers "yes" to the pair's
n-th follow-up step (the session log asks what they did)."""


class KeepingInTouch:
    def __init__(self, uow: Callable[[], UnitOfWork], clock: Clock, policy: KeepingPolicy,
                 staff_ids: Collection[int], after_yes: AfterYes | None = None) -> None:
        self._uow = uow
        self._after_yes = after_yes
        self._clock = clock
        self.policy = policy
        self._staff = sorted(staff_ids)
        self._zones = {code: ZoneInfo(name) for code, name in ZONES.items()}
        self._home = ZoneInfo(policy.zone)

    def in_quiet_hours(self, moment: datetime) -> bool:
        """Whether ``moment`` falls in the quiet hours of the programme's home time zone."""
        return not is_allowed(moment, self._home, self.policy.quiet)

    async def run_due(self, now: datetime | None = None) -> int:
        """Queue every follow-up step due at ``now``; returns how many steps were sent."""
        now = now or self._clock()
        sent = 0
        while True:
            async with self._uow() as uow:
                steps = await uow.followups.due(now, BATCH)
                if not steps:
                    return sent
                clocks, notes = [], []
                staff = sorted(set(self._staff) | await uow.staff.members())
                periods = {step.clock.pair_id: since for step in steps
                           if (since := followup.counted_since(step.clock)) is not None}
                relayed = await uow.followups.relayed(periods, now) if periods else {}
                for step in steps:
                    counts = relayed.get(step.clock.pair_id, {})
                    talked = followup.talked_through_bot(counts, step.student_id,
                                                         step.volunteer_id)
                    clock, kind = followup.advance(step.clock, now, self.policy.follow_up,
                                                   talked)
                    clocks.append(clock)
                    seen = (followup.relayed_total(counts, step.student_id, step.volunteer_id)
                            if talked else 0)
                    notes += self._messages(step, clock, kind, now, staff, seen)
                await uow.followups.save_many(clocks)
                await uow.outbox.add_many(notes, now)
                await uow.commit()
                sent += len(steps)

    def _messages(self, step: DueFollowUp, clock: PairClock, kind: CheckInKind,
                  now: datetime, staff: list[int], relayed: int = 0) -> list[Notification]:
        previous = step.clock
        since = (previous.last_exchange_at or previous.started_at).isoformat()
        params: dict[str, object] = {
            "pair_id": clock.pair_id, "since": since, "student_id": step.student_id,
            "volunteer_id": step.volunteer_id,
            # Unanswered periods before this step (the clock after it counts one more).
            "silent_periods": previous.silent_periods}
        if relayed:
            # The question then says what the bot saw and asks only whether they met.
            began = followup.counted_since(previous) or previous.started_at
            params.update(relayed=relayed, since=began.isoformat())
        people = [(step.student_id, step.student_department, "student"),
                  (step.volunteer_id, step.volunteer_department, "volunteer")]
        if kind is CheckInKind.STAFF_ALERT:
            notes = [self._note(clock, kind, staff_id, None, "silence_staff", params, now)
                     for staff_id in staff]
            return notes + [self._note(clock, kind, user, department, f"silence_{role}",
                                       params, now) for user, department, role in people]
        notes = [self._note(clock, kind, user, department, f"checkin_{kind.value}",
                            {**params, "role": role}, now)
                 for user, department, role in people]
        if kind is CheckInKind.PROGRAMME_END:
            # The six-month feedback also asks what came of the pair, once it has gone.
            later = max(note.due_at or now for note in notes)
            notes += outcomes.questions(clock.pair_id, step.student_id, step.volunteer_id,
                                        outcomes.Source.FEEDBACK, later)
        return notes

    def _note(self, clock: PairClock, kind: CheckInKind, recipient: int,
              department: str | None, template: str, params: dict[str, object],
              now: datetime) -> Notification:
        zone = self._zones.get(department or "", self._home)
        return Notification(followup.message_key(clock, kind, recipient), recipient, template,
                            dict(params), next_allowed(now, zone, self.policy.quiet))

    async def answer(self, pair_id: int, user_id: int, answer: Answer) -> PairClock:
        """A member's answer to a follow-up question; :class:`Stale` if the pair is not
        theirs or has ended."""
        now = self._clock()
        async with self._uow() as uow:
            pair = await current_pair(uow, pair_id, user_id)
            clock = await uow.followups.get(pair_id)
            if clock is None or clock.ended:
                raise Stale()
            asked = clock.sequence
            clock = followup.answered(clock, answer, now, self.policy.follow_up)
            await uow.followups.save(clock)
            await uow.followups.record_exchange(pair_id, user_id, answer.value, now)
            if answer is Answer.YES and self._after_yes is not None:
                await self._after_yes(uow, pair, asked, now)
            await uow.commit()
            return clock

    async def change_rhythm(self, user_id: int, rhythm: Rhythm) -> PairClock | None:
        """Either member changes the pair's rhythm; None without an active pair."""
        now = self._clock()
        async with self._uow() as uow:
            pair = await uow.matching.active_pair_of(user_id)
            clock = await uow.followups.get(pair.id) if pair else None
            if clock is None:
                return None
            clock = followup.change_rhythm(clock, rhythm, now, self.policy.follow_up)
            await uow.followups.save(clock)
            await uow.commit()
            return clock

    async def rhythm_of(self, user_id: int) -> Rhythm | None:
        async with self._uow() as uow:
            pair = await uow.matching.active_pair_of(user_id)
            clock = await uow.followups.get(pair.id) if pair else None
            return clock.rhythm if clock else None


UNTIL_THEY_ANSWER = timedelta(days=365)
"""A volunteer who never answered the availability question stays paused this long at most;
any answer, /available, or a new question ends it sooner."""


class VolunteerAvailability:
    """Every month, volunteers with room are asked in one tap whether they can take a new
    student; no answer within a week pauses them until they answer."""

    def __init__(self, uow: Callable[[], UnitOfWork], clock: Clock,
                 policy: FollowUpPolicy) -> None:
        self._uow = uow
        self._clock = clock
        self.policy = policy

    async def joined(self, volunteer_id: int) -> None:
        """A volunteer signed up: the first question comes a month later."""
        now = self._clock()
        async with self._uow() as uow:
            current = await uow.matching.availability_of(volunteer_id)
            if current is not None and current[0] is None:
                await uow.matching.set_availability(
                    volunteer_id, now + self.policy.availability_every, None)
                await uow.commit()

    async def run_due(self, now: datetime | None = None) -> tuple[int, int]:
        """Ask whoever is due, pause whoever did not answer in time. (asked, paused)"""
        now = now or self._clock()
        async with self._uow() as uow:
            silent = await uow.matching.availability_unanswered(
                now - self.policy.availability_answer_within)
            for volunteer_id in silent:
                await uow.matching.set_availability(
                    volunteer_id, now + self.policy.availability_every, None)
                await uow.matching.pause_volunteer(volunteer_id, now + UNTIL_THEY_ANSWER)
                await uow.outbox.add(Notification(
                    f"availability-paused:{volunteer_id}:{now.date().isoformat()}",
                    volunteer_id, "availability_paused"), now)
            due = await uow.matching.availability_due(now, BATCH)
            for volunteer_id in due:
                await uow.matching.set_availability(
                    volunteer_id, now + self.policy.availability_every, now)
                await uow.outbox.add(Notification(
                    f"availability:{volunteer_id}:{now.date().isoformat()}", volunteer_id,
                    "availability_question"), now)
            await uow.commit()
        return len(due), len(silent)

    async def answered(self, volunteer_id: int, capacity: int | None = None) -> bool:
        """The volunteer said yes (possibly with a new capacity): the question is closed.
        The caller resumes them. False if they are not a volunteer."""
        now = self._clock()
        async with self._uow() as uow:
            if await uow.matching.availability_of(volunteer_id) is None:
                return False
            if capacity is not None:
                await uow.matching.set_capacity(volunteer_id, capacity)
            await uow.matching.set_availability(
                volunteer_id, now + self.policy.availability_every, None)
            await uow.commit()
            return True

    async def not_this_month(self, volunteer_id: int) -> datetime | None:
        """The volunteer can't this month: the question closes and comes back when the pause
        the caller sets ends. Returns when that is (None if not a volunteer)."""
        now = self._clock()
        until = now + self.policy.availability_every
        async with self._uow() as uow:
            if await uow.matching.availability_of(volunteer_id) is None:
                return None
            await uow.matching.set_availability(volunteer_id, until, None)
            await uow.commit()
        return until
