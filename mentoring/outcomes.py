"""Outcomes: what came of a pair. The six-month feedback, /end and staff closing a pair ask
each member, in one tap, why it ended and, the student only, what changed for them (one
multi-select); /news lets the student say what changed at any time.

The questions go through the outbox a little after the event, so they come after the
messages the event itself sends (the rating, the partner's notice). A member answers each
question once: the row is written at the first tap and keeps the multi-select's choices as
they are tapped, so a restart in the middle loses none.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from mentoring.catalog import END_REASONS, OUTCOME_CHANGES
from mentoring.errors import Stale
from mentoring.pairing import Notification, Pair, PairStatus
from mentoring.ports import Clock, UnitOfWork

ASK_AFTER = timedelta(minutes=2)
"""How long after the event the outcome question is sent."""

REASONS: tuple[str, ...] = tuple(option.code for option in END_REASONS)
CHANGES: tuple[str, ...] = tuple(option.code for option in OUTCOME_CHANGES)
NOTHING_YET = "nothing_yet"


class Source(StrEnum):
    END = "end"
    FEEDBACK = "feedback"
    STAFF = "staff"
    NEWS = "news"


class OutcomeStep(StrEnum):
    CHANGES = "changes"
    DONE = "done"


@dataclass(frozen=True)
class Outcome:
    id: int
    pair_id: int | None
    user_id: int
    source: Source
    created_at: datetime
    reason: str | None = None
    changes: tuple[str, ...] = ()
    step: OutcomeStep = OutcomeStep.DONE


class OutcomeRepository(Protocol):
    async def add(self, outcome: Outcome) -> int: ...
    async def get(self, outcome_id: int) -> Outcome | None: ...
    async def save(self, outcome: Outcome) -> None: ...
    async def exists(self, pair_id: int, user_id: int, source: Source) -> bool: ...


class WithOutcomes(UnitOfWork, Protocol):
    @property
    def outcomes(self) -> OutcomeRepository: ...

    async def __aenter__(self) -> WithOutcomes: ...


def questions(pair_id: int, student_id: int, volunteer_id: int, source: Source,
              now: datetime) -> list[Notification]:
    """The outcome question for each member of the pair, one key per pair, occasion and
    member, sent ASK_AFTER after ``now``."""
    members = ((student_id, "student"), (volunteer_id, "volunteer"))
    return [Notification(f"outcome:{source.value}:{pair_id}:{member}", member,
                         "outcome_question",
                         {"pair_id": pair_id, "source": source.value, "role": role,
                          "student_id": student_id, "volunteer_id": volunteer_id},
                         now + ASK_AFTER)
            for member, role in members]


def toggled_changes(current: Sequence[str], index: int) -> tuple[str, ...]:
    """The changes after a tap on ``CHANGES[index]``: "nothing yet" and the rest exclude
    each other, the last tap wins. :class:`Stale` for an index no button gives."""
    if not 0 <= index < len(CHANGES):
        raise Stale()
    tapped = CHANGES[index]
    if tapped in current:
        kept = set(current) - {tapped}
    elif tapped == NOTHING_YET:
        kept = {NOTHING_YET}
    else:
        kept = (set(current) - {NOTHING_YET}) | {tapped}
    return tuple(code for code in CHANGES if code in kept)


class Outcomes:
    def __init__(self, uow: Callable[[], WithOutcomes], clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def reason(self, pair_id: int, user_id: int, source: Source,
                     reason: str) -> Outcome:
        """One member's reason for ending; the student then says what changed.
        :class:`Stale` unless they are in the pair and have not answered this question."""
        if reason not in REASONS or source is Source.NEWS:
            raise Stale()
        now = self._clock()
        async with self._uow() as uow:
            pair = await uow.matching.pair(pair_id)
            if (pair is None or user_id not in (pair.student_id, pair.volunteer_id)
                    or not await _asked(uow, pair, source)):
                raise Stale()
            if await uow.outcomes.exists(pair_id, user_id, source):
                raise Stale()
            student = user_id == pair.student_id
            outcome = Outcome(0, pair_id, user_id, source, now, reason,
                              step=OutcomeStep.CHANGES if student else OutcomeStep.DONE)
            outcome = replace(outcome, id=await uow.outcomes.add(outcome))
            await uow.commit()
            return outcome

    async def news(self, user_id: int) -> Outcome | None:
        """The student has news: a new outcome opens for them to say what changed, about
        their current pair if they have one. None for anyone who is not a student."""
        now = self._clock()
        async with self._uow() as uow:
            if await uow.profiles.student(user_id) is None:
                return None
            pair = await uow.matching.active_pair_of(user_id)
            outcome = Outcome(0, pair.id if pair else None, user_id, Source.NEWS, now,
                              step=OutcomeStep.CHANGES)
            outcome = replace(outcome, id=await uow.outcomes.add(outcome))
            await uow.commit()
            return outcome

    async def toggle(self, outcome_id: int, user_id: int, index: int) -> Outcome:
        async with self._uow() as uow:
            outcome = await _open(uow, outcome_id, user_id)
            outcome = replace(outcome, changes=toggled_changes(outcome.changes, index))
            await uow.outcomes.save(outcome)
            await uow.commit()
            return outcome

    async def done(self, outcome_id: int, user_id: int) -> Outcome:
        async with self._uow() as uow:
            outcome = replace(await _open(uow, outcome_id, user_id), step=OutcomeStep.DONE)
            await uow.outcomes.save(outcome)
            await uow.commit()
            return outcome

    async def get(self, outcome_id: int, user_id: int) -> Outcome:
        async with self._uow() as uow:
            outcome = await uow.outcomes.get(outcome_id)
            if outcome is None or outcome.user_id != user_id:
                raise Stale()
            return outcome


async def _asked(uow: WithOutcomes, pair: Pair, source: Source) -> bool:
    """Whether the question of ``source`` can have been asked of the pair: an ending once it
    ended, the six-month one once the pair's follow-up reached its end."""
    if source is Source.FEEDBACK:
        clock = await uow.followups.get(pair.id)
        return clock is not None and clock.ended
    return pair.status is not PairStatus.ACTIVE


async def _open(uow: WithOutcomes, outcome_id: int, user_id: int) -> Outcome:
    outcome = await uow.outcomes.get(outcome_id)
    if outcome is None or outcome.user_id != user_id or outcome.step is not OutcomeStep.CHANGES:
        raise Stale()
    return outcome
