"""Follow-up: the decision rules that keep pairs talking, and volunteers' availability.

Pure functions over a small per-pair state, :class:`PairClock`. Storage keeps the clocks;
a job sends whatever is :func:`due` (held by the quiet hours, see
:mod:`mentoring.quiet_hours`) and calls :func:`advance`; the buttons under each message
call :func:`answered`. Nothing here reads the time: every function is given ``now``.

Transitions (``s`` is ``silent_periods``, ``P`` the rhythm's period, ``end`` the programme's
end, ``started_at + programme_length``)::

    event                         s     next step             due at
    ----------------------------  ----  --------------------  ---------------------------------
    start                         0     FIRST_EXCHANGE        started_at + first_exchange_after
    sent FIRST_EXCHANGE           0     FIRST_EXCHANGE_AGAIN  now + not_yet_again_after
    sent FIRST_EXCHANGE_AGAIN     0     CHECK_IN              now + P
    sent CHECK_IN, NUDGE,         s+1   ladder(s+1)           now + P
      SECOND_NUDGE or STAFF_ALERT
    sent PROGRAMME_END            ended: nothing is ever due again
    YES                           0     CHECK_IN              now + P
    NOT_YET, first question open  s     FIRST_EXCHANGE_AGAIN  now + not_yet_again_after
    NOT_YET, otherwise            unchanged: silence, as if nobody had answered
    PROBLEM                       unchanged but frozen: nothing is due until unfreeze
    unfreeze, if frozen           0     CHECK_IN              now + P
    unfreeze, otherwise           unchanged (a second click changes nothing)
    change_rhythm, ladder step    s     the same step         max(now, due - P_old + P_new)
    change_rhythm, end is next    s     ladder(s)             max(now, end - P_old + P_new)
    change_rhythm, otherwise      unchanged: the first-exchange questions keep their dates
    end                           ended: nothing is ever due again

    ladder(s): NUDGE when s == nudge_after_periods, SECOND_NUDGE when
               s == second_nudge_after_periods, STAFF_ALERT when s == alert_after_periods,
               CHECK_IN otherwise.

Any step that would fall at or after ``end`` becomes PROGRAMME_END at ``end``. "First
question open" means FIRST_EXCHANGE was sent and FIRST_EXCHANGE_AGAIN is the next step.

``silent_periods`` counts the periods of the regular rhythm begun since the last yes, the
open one included. The step after a send is chosen as if it stays unanswered: a yes
reschedules everything anyway, so the clock never needs to remember which question is
open. A pair that never answers thus gets CHECK_IN, NUDGE, SECOND_NUDGE, then the staff get
STAFF_ALERT, and the pair is left with plain check-ins (``s`` is past the alert, so the
ladder never climbs again) until a yes, an unfreeze or the programme's end.

Why ``now + P`` rather than a calendar fixed at the start: after a scheduler that was down,
a freeze or a late answer, the next step comes a full period after the last thing the pair
received or said, instead of two steps going out back to back to catch up.

Because ``silent_periods`` includes the open period, the number of questions that really
went unanswered when a step is sent is the count *before* :func:`advance`: 3 when the
default STAFF_ALERT goes out (the clock returned then says 4).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum


class Rhythm(StrEnum):
    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    MONTHLY = "monthly"

    @property
    def period(self) -> timedelta:
        """How long between two check-ins."""
        return _PERIODS[self]


_PERIODS = {Rhythm.WEEKLY: timedelta(days=7), Rhythm.BIWEEKLY: timedelta(days=14),
            Rhythm.MONTHLY: timedelta(days=30)}


@dataclass(frozen=True)
class FollowUpPolicy:
    """The programme's follow-up settings. The ladder's thresholds count silent periods
    and must climb: ``1 <= nudge < second nudge < alert``."""

    first_exchange_after: timedelta = timedelta(days=3)
    not_yet_again_after: timedelta = timedelta(days=2)
    nudge_after_periods: int = 1
    second_nudge_after_periods: int = 2
    alert_after_periods: int = 3
    availability_every: timedelta = timedelta(days=30)
    availability_answer_within: timedelta = timedelta(days=7)
    programme_length: timedelta = timedelta(days=182)

    def __post_init__(self) -> None:
        # Equal or zero thresholds would make a rung of the ladder unreachable, or make it
        # fire right after a yes; better to refuse the settings than to lose an alert.
        if not (1 <= self.nudge_after_periods < self.second_nudge_after_periods
                < self.alert_after_periods):
            raise ValueError("follow-up thresholds must satisfy 1 <= nudge < second < alert")
        durations = (self.first_exchange_after, self.not_yet_again_after,
                     self.availability_every, self.availability_answer_within,
                     self.programme_length)
        if any(d <= timedelta(0) for d in durations):
            raise ValueError("follow-up durations must be positive")


class CheckInKind(StrEnum):
    FIRST_EXCHANGE = "first_exchange"
    FIRST_EXCHANGE_AGAIN = "first_exchange_again"
    CHECK_IN = "check_in"
    NUDGE = "nudge"
    SECOND_NUDGE = "second_nudge"
    STAFF_ALERT = "staff_alert"
    PROGRAMME_END = "programme_end"


LADDER = frozenset({CheckInKind.CHECK_IN, CheckInKind.NUDGE, CheckInKind.SECOND_NUDGE,
                    CheckInKind.STAFF_ALERT})
"""The steps of the regular rhythm: each one sent begins a period that counts as silent
until a yes."""


FIRST_QUESTIONS = frozenset({CheckInKind.FIRST_EXCHANGE, CheckInKind.FIRST_EXCHANGE_AGAIN})
"""The questions about the pair's first exchange, asked before the rhythm begins."""


class Answer(StrEnum):
    YES = "yes"
    NOT_YET = "not_yet"
    PROBLEM = "problem"


@dataclass
class PairClock:
    """The follow-up state of one pair: what is sent next, and when.

    ``silent_periods`` counts the rhythm's periods begun since the last yes (the open one
    included); ``frozen`` means a report is open and nothing is sent; ``sequence`` is how
    many follow-up steps were sent, and numbers them for :func:`message_key`.
    """

    pair_id: int
    started_at: datetime
    rhythm: Rhythm
    last_exchange_at: datetime | None
    first_exchange_done: bool
    silent_periods: int
    next_due_at: datetime
    next_kind: CheckInKind
    frozen: bool
    ended: bool
    sequence: int


def start(pair_id: int, started_at: datetime, policy: FollowUpPolicy,
          rhythm: Rhythm = Rhythm.BIWEEKLY) -> PairClock:
    """The clock of a pair that has just begun: first, ask whether they have met."""
    clock = PairClock(
        pair_id=pair_id, started_at=started_at, rhythm=rhythm, last_exchange_at=None,
        first_exchange_done=False, silent_periods=0, next_due_at=started_at,
        next_kind=CheckInKind.FIRST_EXCHANGE, frozen=False, ended=False, sequence=0)
    return _schedule(clock, CheckInKind.FIRST_EXCHANGE,
                     started_at + policy.first_exchange_after, policy)


def programme_end(clock: PairClock, policy: FollowUpPolicy) -> datetime:
    """When the pair's programme ends."""
    return clock.started_at + policy.programme_length


def due(clock: PairClock, now: datetime) -> bool:
    """Whether the clock's next step should be sent at ``now``."""
    return not clock.frozen and not clock.ended and clock.next_due_at <= now


def advance(clock: PairClock, now: datetime, policy: FollowUpPolicy,
            talked: bool = False) -> tuple[PairClock, CheckInKind]:
    """The due step is being sent at ``now``: the clock after it, and the step's kind.

    ``talked`` says the pair wrote to each other both ways through the bot since
    :func:`counted_since` (see :func:`talked_through_bot`): a ladder step is then a plain
    CHECK_IN and the ladder starts over, as after a yes, so such a pair is never nudged
    as silent nor reported to staff; a first-exchange question is sent as it is (it then
    says what the bot saw) but the first exchange has happened, so it is not asked again
    and the rhythm begins. The next step is timed from ``now``, when the step is sent.
    Raises ValueError when nothing is due, so a step can never be sent twice.
    """
    if not due(clock, now):
        raise ValueError(f"pair {clock.pair_id}: nothing is due at {now.isoformat()}")
    sent = clock.next_kind
    if talked and sent in LADDER:
        sent = CheckInKind.CHECK_IN
        clock = replace(clock, first_exchange_done=True, silent_periods=0)
    clock = replace(clock, sequence=clock.sequence + 1)
    if sent is CheckInKind.PROGRAMME_END:
        return replace(clock, ended=True), sent
    if talked and sent in FIRST_QUESTIONS:
        clock = replace(clock, first_exchange_done=True)
        return _schedule(clock, CheckInKind.CHECK_IN, now + clock.rhythm.period, policy), sent
    if sent is CheckInKind.FIRST_EXCHANGE:
        return _schedule(clock, CheckInKind.FIRST_EXCHANGE_AGAIN,
                         now + policy.not_yet_again_after, policy), sent
    if sent is CheckInKind.FIRST_EXCHANGE_AGAIN:
        return _schedule(clock, CheckInKind.CHECK_IN, now + clock.rhythm.period, policy), sent
    silent = clock.silent_periods + 1
    clock = replace(clock, silent_periods=silent)
    return _schedule(clock, ladder(silent, policy), now + clock.rhythm.period, policy), sent


def answered(clock: PairClock, answer: Answer, now: datetime,
             policy: FollowUpPolicy) -> PairClock:
    """A member of the pair answered a follow-up question at ``now``.

    YES records an exchange and restarts the rhythm; NOT_YET asks again soon while the
    first question is open, and otherwise counts as silence; PROBLEM freezes the pair until
    staff close the report. Answers to an ended pair change nothing.
    """
    if clock.ended:
        return replace(clock)
    if answer is Answer.YES:
        clock = replace(clock, last_exchange_at=now, first_exchange_done=True,
                        silent_periods=0)
        return _schedule(clock, CheckInKind.CHECK_IN, now + clock.rhythm.period, policy)
    if answer is Answer.PROBLEM:
        return replace(clock, frozen=True)
    if first_question_open(clock):
        return _schedule(clock, CheckInKind.FIRST_EXCHANGE_AGAIN,
                         now + policy.not_yet_again_after, policy)
    # "Not yet" to a regular check-in: the period is silent, as if nobody had answered.
    return replace(clock)


def first_question_open(clock: PairClock) -> bool:
    """Whether the first-exchange question was sent and is still waiting for its answer
    (so a "not yet" asks again in a couple of days rather than counting as silence)."""
    return (not clock.first_exchange_done and not clock.ended
            and clock.next_kind is CheckInKind.FIRST_EXCHANGE_AGAIN)


def unfreeze(clock: PairClock, now: datetime, policy: FollowUpPolicy) -> PairClock:
    """Staff closed the pair's report: check in again one period from now.

    The ladder starts over: staff have just been in touch with the pair, so earlier
    silence should not bring an immediate nudge or a second alert.
    """
    if clock.ended:
        return replace(clock, frozen=False)
    if not clock.frozen:
        # No report was open (or a second click closed it again): keep the schedule.
        return replace(clock)
    clock = replace(clock, frozen=False, silent_periods=0)
    return _schedule(clock, CheckInKind.CHECK_IN, now + clock.rhythm.period, policy)


def change_rhythm(clock: PairClock, rhythm: Rhythm, now: datetime,
                  policy: FollowUpPolicy | None = None) -> PairClock:
    """The pair chose another rhythm at ``now``: the next step moves to a new period after
    the moment its period began, never into the past.

    The first-exchange questions keep their dates (the rhythm starts after them). Pass the
    same ``policy`` as elsewhere: it says when the programme ends.
    """
    policy = policy or FollowUpPolicy()
    old, clock = clock.rhythm.period, replace(clock, rhythm=rhythm)
    if clock.ended:
        return clock
    if clock.next_kind in LADDER:
        # Every ladder step is scheduled one period after the moment its period began
        # (a send, a yes or an unfreeze), so that moment is due - old period.
        moved = max(now, clock.next_due_at - old + rhythm.period)
        return _schedule(clock, clock.next_kind, moved, policy)
    if clock.next_kind is CheckInKind.PROGRAMME_END:
        # The end hid the ladder step behind it; it was due at least ``end`` after the
        # period began, so the period began no earlier than end - old period. A shorter
        # rhythm may bring that step back before the end.
        moved = max(now, clock.next_due_at - old + rhythm.period)
        return _schedule(clock, ladder(clock.silent_periods, policy), moved, policy)
    return clock


def end(clock: PairClock) -> PairClock:
    """The pair ended early (or staff ended it): nothing more is sent."""
    return replace(clock, ended=True)


def period_began(clock: PairClock) -> datetime:
    """When the period that the clock's ladder step closes began.

    Every ladder step is due one period after a send, a yes or an unfreeze (and
    :func:`change_rhythm` keeps it so), which is the moment the period began.
    """
    return clock.next_due_at - clock.rhythm.period


def counted_since(clock: PairClock) -> datetime | None:
    """From when relayed messages count for the clock's next step: the introduction for
    the first-exchange questions, the period's start for a ladder step, and never for the
    programme's end (None)."""
    if clock.next_kind in FIRST_QUESTIONS:
        return clock.started_at
    if clock.next_kind in LADDER:
        return period_began(clock)
    return None


def talked_through_bot(counts: Mapping[tuple[int, int], int], student_id: int,
                       volunteer_id: int) -> bool:
    """Whether relayed messages went both ways between the two members, given the
    period's counts by (sender, recipient). One side writing alone is not an exchange."""
    return (counts.get((student_id, volunteer_id), 0) > 0
            and counts.get((volunteer_id, student_id), 0) > 0)


def relayed_total(counts: Mapping[tuple[int, int], int], student_id: int,
                  volunteer_id: int) -> int:
    """How many messages the two members relayed to each other, both ways together."""
    return (counts.get((student_id, volunteer_id), 0)
            + counts.get((volunteer_id, student_id), 0))


def ladder(silent_periods: int, policy: FollowUpPolicy) -> CheckInKind:
    """The regular step to send after ``silent_periods`` silent periods."""
    if silent_periods == policy.nudge_after_periods:
        return CheckInKind.NUDGE
    if silent_periods == policy.second_nudge_after_periods:
        return CheckInKind.SECOND_NUDGE
    if silent_periods == policy.alert_after_periods:
        return CheckInKind.STAFF_ALERT
    return CheckInKind.CHECK_IN


def silent_flagged(clock: PairClock, policy: FollowUpPolicy) -> bool:
    """Whether staff were alerted about the pair's silence and no yes came since."""
    return clock.silent_periods > policy.alert_after_periods


def message_key(clock: PairClock, kind: CheckInKind, recipient_id: int) -> str:
    """The outbox key of one message of a step, so a step is never delivered twice.

    Give it the clock :func:`advance` returned: its ``sequence`` numbers the step just
    sent (1 for the first), so each step of each pair has its own key per recipient.
    """
    return f"checkin:{clock.pair_id}:{clock.sequence}:{kind.value}:{recipient_id}"


def _schedule(clock: PairClock, kind: CheckInKind, at: datetime,
              policy: FollowUpPolicy) -> PairClock:
    # Nothing is scheduled past the programme's end: the end itself comes first, once.
    finish = programme_end(clock, policy)
    if at >= finish:
        return replace(clock, next_kind=CheckInKind.PROGRAMME_END, next_due_at=finish)
    return replace(clock, next_kind=kind, next_due_at=at)


# --- volunteers' availability ----------------------------------------------------------------


class AvailabilityAnswer(StrEnum):
    YES = "yes"
    NOT_THIS_MONTH = "not_this_month"


@dataclass
class AvailabilityClock:
    """When to ask a volunteer next whether they are still available.

    ``asked_at`` is set while a question waits for its answer; ``paused_until`` is set
    when they said "not this month".
    """

    volunteer_id: int
    next_question_at: datetime
    asked_at: datetime | None
    paused_until: datetime | None


def start_availability(volunteer_id: int, now: datetime,
                       policy: FollowUpPolicy) -> AvailabilityClock:
    """The clock of a volunteer who has just signed up: first asked a period from now."""
    return AvailabilityClock(volunteer_id, now + policy.availability_every, None, None)


def availability_due(clock: AvailabilityClock, now: datetime) -> bool:
    """Whether the volunteer should be asked about their availability at ``now``."""
    paused = clock.paused_until is not None and now < clock.paused_until
    return not paused and clock.next_question_at <= now


def availability_asked(clock: AvailabilityClock, now: datetime,
                       policy: FollowUpPolicy) -> AvailabilityClock:
    """The question is being sent at ``now``.

    The next one is already set a period later: a volunteer who never answers is asked
    again each period rather than forgotten, paused, for good.
    """
    return replace(clock, asked_at=now, next_question_at=now + policy.availability_every)


def availability_answered(clock: AvailabilityClock, answer: AvailabilityAnswer,
                          now: datetime, policy: FollowUpPolicy) -> AvailabilityClock:
    """The volunteer answered at ``now``: YES asks again a period from now; NOT_THIS_MONTH
    pauses them for a period and asks again when the pause ends."""
    if answer is AvailabilityAnswer.YES:
        return replace(clock, asked_at=None, paused_until=None,
                       next_question_at=now + policy.availability_every)
    until = now + policy.availability_every
    return replace(clock, asked_at=None, paused_until=until, next_question_at=until)


def availability_unanswered(clock: AvailabilityClock, now: datetime,
                            policy: FollowUpPolicy) -> bool:
    """Whether the open question went unanswered too long: the caller then pauses the
    volunteer until they answer."""
    return (clock.asked_at is not None
            and now >= clock.asked_at + policy.availability_answer_within)
