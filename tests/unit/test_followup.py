"""Follow-up rules: the pair's clock, its ladder of reminders, and volunteers' availability."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import cycle, islice

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mentoring.followup import (
    LADDER,
    Answer,
    AvailabilityAnswer,
    AvailabilityClock,
    CheckInKind,
    FollowUpPolicy,
    PairClock,
    Rhythm,
    advance,
    answered,
    availability_answered,
    availability_asked,
    availability_due,
    availability_unanswered,
    change_rhythm,
    due,
    end,
    first_question_open,
    ladder,
    message_key,
    programme_end,
    silent_flagged,
    start,
    start_availability,
    unfreeze,
)

T0 = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
POLICY = FollowUpPolicy()
DAY = timedelta(days=1)
K = CheckInKind


def send(clock: PairClock, now: datetime | None = None) -> tuple[PairClock, CheckInKind]:
    """Send the due step, at its due time unless told otherwise."""
    return advance(clock, clock.next_due_at if now is None else now, POLICY)


def in_rhythm(now: datetime = T0, rhythm: Rhythm = Rhythm.BIWEEKLY) -> PairClock:
    """A pair that has met: its first exchange was recorded at ``now``."""
    return answered(start(1, now, POLICY, rhythm), Answer.YES, now, POLICY)


# --------------------------------------------------------------------------- basics


def test_rhythm_periods() -> None:
    assert Rhythm.WEEKLY.period == timedelta(days=7)
    assert Rhythm.BIWEEKLY.period == timedelta(days=14)
    assert Rhythm.MONTHLY.period == timedelta(days=30)
    assert Rhythm("biweekly") is Rhythm.BIWEEKLY


def test_policy_defaults() -> None:
    assert POLICY.first_exchange_after == 3 * DAY
    assert POLICY.not_yet_again_after == 2 * DAY
    assert (POLICY.nudge_after_periods, POLICY.second_nudge_after_periods,
            POLICY.alert_after_periods) == (1, 2, 3)
    assert POLICY.availability_every == 30 * DAY
    assert POLICY.availability_answer_within == 7 * DAY
    assert POLICY.programme_length == 182 * DAY


@pytest.mark.parametrize("thresholds", [(0, 1, 2), (1, 1, 2), (1, 3, 2), (2, 2, 2)])
def test_the_ladder_must_climb(thresholds: tuple[int, int, int]) -> None:
    nudge, second, alert = thresholds
    with pytest.raises(ValueError):
        FollowUpPolicy(nudge_after_periods=nudge, second_nudge_after_periods=second,
                       alert_after_periods=alert)


def test_durations_must_be_positive() -> None:
    with pytest.raises(ValueError):
        FollowUpPolicy(not_yet_again_after=timedelta(0))


def test_start_asks_about_the_first_exchange_after_three_days() -> None:
    clock = start(7, T0, POLICY)
    assert clock == PairClock(
        pair_id=7, started_at=T0, rhythm=Rhythm.BIWEEKLY, last_exchange_at=None,
        first_exchange_done=False, silent_periods=0, next_due_at=T0 + 3 * DAY,
        next_kind=K.FIRST_EXCHANGE, frozen=False, ended=False, sequence=0)
    assert start(7, T0, POLICY, Rhythm.MONTHLY).rhythm is Rhythm.MONTHLY


def test_due() -> None:
    clock = start(1, T0, POLICY)
    assert not due(clock, T0 + 3 * DAY - timedelta(seconds=1))
    assert due(clock, T0 + 3 * DAY)
    assert due(clock, T0 + 30 * DAY)
    assert not due(replace(clock, frozen=True), T0 + 30 * DAY)
    assert not due(replace(clock, ended=True), T0 + 30 * DAY)


def test_advance_refuses_a_step_that_is_not_due() -> None:
    clock = start(1, T0, POLICY)
    with pytest.raises(ValueError):
        advance(clock, T0, POLICY)
    with pytest.raises(ValueError):
        advance(answered(clock, Answer.PROBLEM, T0, POLICY), T0 + 10 * DAY, POLICY)


def test_functions_do_not_change_the_clock_they_are_given() -> None:
    clock = start(1, T0, POLICY)
    copy = replace(clock)
    send(clock)
    answered(clock, Answer.YES, T0, POLICY)
    change_rhythm(clock, Rhythm.WEEKLY, T0, POLICY)
    unfreeze(clock, T0, POLICY)
    end(clock)
    assert clock == copy


# --------------------------------------------------------------------------- first exchange


def test_first_exchange_sent_then_asked_again_two_days_later() -> None:
    clock, kind = send(start(1, T0, POLICY))
    assert kind is K.FIRST_EXCHANGE
    assert clock.sequence == 1
    assert clock.next_kind is K.FIRST_EXCHANGE_AGAIN
    assert clock.next_due_at == T0 + 5 * DAY
    assert first_question_open(clock)


def test_first_exchange_sent_late_counts_from_the_send() -> None:
    late = T0 + 4 * DAY  # held by the quiet hours, say
    clock, _ = send(start(1, T0, POLICY), late)
    assert clock.next_due_at == late + 2 * DAY


def test_first_exchange_again_then_the_rhythm_starts() -> None:
    clock, _ = send(start(1, T0, POLICY))
    clock, kind = send(clock)
    assert kind is K.FIRST_EXCHANGE_AGAIN
    assert clock.sequence == 2
    assert (clock.next_kind, clock.next_due_at) == (K.CHECK_IN, T0 + 5 * DAY + 14 * DAY)
    assert clock.silent_periods == 0
    assert not first_question_open(clock)


def test_yes_to_the_first_question_records_the_exchange() -> None:
    clock, _ = send(start(1, T0, POLICY))
    now = T0 + 3 * DAY + timedelta(hours=5)
    clock = answered(clock, Answer.YES, now, POLICY)
    assert clock.first_exchange_done
    assert clock.last_exchange_at == now
    assert clock.silent_periods == 0
    assert (clock.next_kind, clock.next_due_at) == (K.CHECK_IN, now + 14 * DAY)
    assert clock.sequence == 1  # answers send nothing


def test_not_yet_to_the_first_question_asks_again_in_two_days() -> None:
    clock, _ = send(start(1, T0, POLICY))
    now = T0 + 4 * DAY
    clock = answered(clock, Answer.NOT_YET, now, POLICY)
    assert (clock.next_kind, clock.next_due_at) == (K.FIRST_EXCHANGE_AGAIN, now + 2 * DAY)
    assert not clock.first_exchange_done
    assert clock.last_exchange_at is None


def test_not_yet_to_the_second_question_counts_as_silence() -> None:
    clock, _ = send(start(1, T0, POLICY))
    clock, _ = send(clock)
    assert answered(clock, Answer.NOT_YET, clock.next_due_at - DAY, POLICY) == clock


def test_not_yet_before_anything_was_asked_changes_nothing() -> None:
    clock = start(1, T0, POLICY)
    assert answered(clock, Answer.NOT_YET, T0 + DAY, POLICY) == clock


def test_yes_before_the_first_question_skips_it() -> None:
    clock = answered(start(1, T0, POLICY), Answer.YES, T0 + DAY, POLICY)
    assert (clock.next_kind, clock.next_due_at) == (K.CHECK_IN, T0 + 15 * DAY)


# --------------------------------------------------------------------------- the ladder


def test_ladder_kinds() -> None:
    assert [ladder(s, POLICY) for s in range(7)] == [
        K.CHECK_IN, K.NUDGE, K.SECOND_NUDGE, K.STAFF_ALERT, K.CHECK_IN, K.CHECK_IN, K.CHECK_IN]
    spaced = FollowUpPolicy(nudge_after_periods=2, second_nudge_after_periods=4,
                            alert_after_periods=5)
    assert [ladder(s, spaced) for s in range(7)] == [
        K.CHECK_IN, K.CHECK_IN, K.NUDGE, K.CHECK_IN, K.SECOND_NUDGE, K.STAFF_ALERT, K.CHECK_IN]


def test_a_check_in_begins_a_period_counted_silent_until_a_yes() -> None:
    clock, kind = send(in_rhythm())
    assert kind is K.CHECK_IN
    assert clock.silent_periods == 1
    assert (clock.next_kind, clock.next_due_at) == (K.NUDGE, T0 + 28 * DAY)


def test_a_silent_pair_climbs_the_ladder_then_gets_plain_check_ins() -> None:
    clock = in_rhythm()
    sent = []
    for _ in range(7):
        clock, kind = send(clock)
        sent.append((kind, clock.silent_periods))
    assert sent == [(K.CHECK_IN, 1), (K.NUDGE, 2), (K.SECOND_NUDGE, 3), (K.STAFF_ALERT, 4),
                    (K.CHECK_IN, 5), (K.CHECK_IN, 6), (K.CHECK_IN, 7)]
    assert silent_flagged(clock, POLICY)


def test_the_staff_alert_is_followed_by_a_check_in_one_period_later() -> None:
    clock = replace(in_rhythm(), silent_periods=3, next_kind=K.STAFF_ALERT)
    now = clock.next_due_at
    assert not silent_flagged(clock, POLICY)
    clock, kind = advance(clock, now, POLICY)
    assert kind is K.STAFF_ALERT
    assert (clock.next_kind, clock.next_due_at) == (K.CHECK_IN, now + 14 * DAY)
    assert silent_flagged(clock, POLICY)


def test_a_yes_anywhere_on_the_ladder_starts_it_over() -> None:
    clock = in_rhythm()
    for _ in range(3):
        clock, _ = send(clock)
    assert clock.next_kind is K.STAFF_ALERT
    now = clock.next_due_at - DAY
    clock = answered(clock, Answer.YES, now, POLICY)
    assert clock.silent_periods == 0
    assert (clock.next_kind, clock.next_due_at) == (K.CHECK_IN, now + 14 * DAY)
    assert not silent_flagged(clock, POLICY)


def test_not_yet_to_a_check_in_is_silence() -> None:
    clock, _ = send(in_rhythm())
    assert answered(clock, Answer.NOT_YET, clock.next_due_at - DAY, POLICY) == clock


def test_the_next_step_counts_from_the_actual_send() -> None:
    clock = in_rhythm()
    held = clock.next_due_at + timedelta(hours=37)  # a Saturday evening held to Monday
    clock, _ = send(clock, held)
    assert clock.next_due_at == held + 14 * DAY


# --------------------------------------------------------------------------- problems


def test_a_problem_freezes_the_pair_until_staff_unfreeze_it() -> None:
    clock, _ = send(in_rhythm())
    clock = answered(clock, Answer.PROBLEM, T0 + 15 * DAY, POLICY)
    assert clock.frozen
    assert not due(clock, T0 + 300 * DAY)
    now = T0 + 40 * DAY
    clock = unfreeze(clock, now, POLICY)
    assert not clock.frozen
    assert clock.silent_periods == 0
    assert (clock.next_kind, clock.next_due_at) == (K.CHECK_IN, now + 14 * DAY)


def test_unfreezing_a_pair_that_is_not_frozen_changes_nothing() -> None:
    clock = answered(send(in_rhythm())[0], Answer.PROBLEM, T0 + 15 * DAY, POLICY)
    once = unfreeze(clock, T0 + 40 * DAY, POLICY)
    assert unfreeze(once, T0 + 41 * DAY, POLICY) == once
    silent = send(in_rhythm())[0]
    assert unfreeze(silent, T0 + 20 * DAY, POLICY) == silent


def test_a_yes_while_frozen_is_recorded_but_sends_nothing() -> None:
    clock = answered(in_rhythm(), Answer.PROBLEM, T0 + DAY, POLICY)
    clock = answered(clock, Answer.YES, T0 + 2 * DAY, POLICY)
    assert clock.frozen and clock.last_exchange_at == T0 + 2 * DAY
    assert not due(clock, T0 + 300 * DAY)


# --------------------------------------------------------------------------- rhythm


def test_a_shorter_rhythm_brings_the_next_check_in_forward() -> None:
    clock, _ = send(in_rhythm())  # sent at T0 + 14 days: the period began then
    clock = change_rhythm(clock, Rhythm.WEEKLY, T0 + 16 * DAY, POLICY)
    assert clock.rhythm is Rhythm.WEEKLY
    assert (clock.next_kind, clock.next_due_at) == (K.NUDGE, T0 + 21 * DAY)


def test_a_longer_rhythm_pushes_it_back() -> None:
    clock, _ = send(in_rhythm())
    clock = change_rhythm(clock, Rhythm.MONTHLY, T0 + 16 * DAY, POLICY)
    assert clock.next_due_at == T0 + 44 * DAY


def test_a_new_rhythm_never_schedules_into_the_past() -> None:
    clock = in_rhythm(rhythm=Rhythm.MONTHLY)  # the period began at T0
    now = T0 + 20 * DAY
    clock = change_rhythm(clock, Rhythm.WEEKLY, now, POLICY)
    assert clock.next_due_at == now
    assert due(clock, now)


def test_a_new_rhythm_leaves_the_first_questions_alone() -> None:
    clock, _ = send(start(1, T0, POLICY))
    moved = change_rhythm(clock, Rhythm.WEEKLY, T0 + 4 * DAY, POLICY)
    assert moved == replace(clock, rhythm=Rhythm.WEEKLY)
    moved, _ = send(moved)
    assert moved.next_due_at == T0 + 5 * DAY + 7 * DAY


def test_a_shorter_rhythm_can_bring_a_check_in_back_before_the_end() -> None:
    clock = in_rhythm(rhythm=Rhythm.MONTHLY)
    clock = answered(clock, Answer.YES, T0 + 160 * DAY, POLICY)
    assert clock.next_kind is K.PROGRAMME_END
    clock = change_rhythm(clock, Rhythm.WEEKLY, T0 + 161 * DAY, POLICY)
    # The period began no earlier than the end minus 30 days (day 152): 152 + 7 = 159,
    # already past, so the check-in is due now.
    assert (clock.next_kind, clock.next_due_at) == (K.CHECK_IN, T0 + 161 * DAY)
    assert change_rhythm(clock, Rhythm.MONTHLY, T0 + 161 * DAY, POLICY).next_kind is \
        K.PROGRAMME_END


def test_change_rhythm_without_a_policy_uses_the_default_one() -> None:
    clock, _ = send(in_rhythm())
    assert change_rhythm(clock, Rhythm.WEEKLY, T0 + 16 * DAY) == \
        change_rhythm(clock, Rhythm.WEEKLY, T0 + 16 * DAY, POLICY)


# --------------------------------------------------------------------------- the end


def test_the_programme_end_comes_once_then_the_clock_stops() -> None:
    clock = in_rhythm()
    finish = programme_end(clock, POLICY)
    assert finish == T0 + 182 * DAY
    kinds = []
    while due(clock, finish + 400 * DAY):
        clock, kind = send(clock)
        kinds.append(kind)
    assert kinds[-1] is K.PROGRAMME_END
    assert kinds.count(K.PROGRAMME_END) == 1
    assert clock.ended
    with pytest.raises(ValueError):
        advance(clock, finish + 400 * DAY, POLICY)


def test_a_step_that_would_fall_after_the_end_becomes_the_end() -> None:
    clock = answered(in_rhythm(), Answer.YES, T0 + 175 * DAY, POLICY)
    assert (clock.next_kind, clock.next_due_at) == (K.PROGRAMME_END, T0 + 182 * DAY)
    clock = answered(clock, Answer.YES, T0 + 181 * DAY, POLICY)
    assert (clock.next_kind, clock.next_due_at) == (K.PROGRAMME_END, T0 + 182 * DAY)


def test_a_step_landing_exactly_on_the_end_becomes_the_end() -> None:
    clock = answered(in_rhythm(), Answer.YES, T0 + 168 * DAY, POLICY)
    assert (clock.next_kind, clock.next_due_at) == (K.PROGRAMME_END, T0 + 182 * DAY)


def test_end_stops_everything_and_answers_change_nothing() -> None:
    clock = end(send(in_rhythm())[0])
    assert clock.ended
    assert not due(clock, T0 + 1000 * DAY)
    for answer in Answer:
        assert answered(clock, answer, T0 + 20 * DAY, POLICY) == clock
    assert unfreeze(clock, T0 + 20 * DAY, POLICY) == clock
    assert change_rhythm(clock, Rhythm.WEEKLY, T0 + 20 * DAY, POLICY) == \
        replace(clock, rhythm=Rhythm.WEEKLY)


def test_message_key() -> None:
    clock, kind = send(start(12, T0, POLICY))
    assert message_key(clock, kind, 345) == "checkin:12:1:first_exchange:345"


# --------------------------------------------------------------------------- availability


def test_availability_is_asked_every_month() -> None:
    clock = start_availability(9, T0, POLICY)
    assert clock == AvailabilityClock(9, T0 + 30 * DAY, None, None)
    assert not availability_due(clock, T0 + 29 * DAY)
    assert availability_due(clock, T0 + 30 * DAY)
    asked = availability_asked(clock, T0 + 30 * DAY, POLICY)
    assert asked.asked_at == T0 + 30 * DAY
    assert not availability_due(asked, T0 + 31 * DAY)


def test_yes_asks_again_a_month_later() -> None:
    asked = availability_asked(start_availability(9, T0, POLICY), T0 + 30 * DAY, POLICY)
    clock = availability_answered(asked, AvailabilityAnswer.YES, T0 + 31 * DAY, POLICY)
    assert clock == AvailabilityClock(9, T0 + 61 * DAY, None, None)


def test_not_this_month_pauses_and_asks_when_the_pause_ends() -> None:
    asked = availability_asked(start_availability(9, T0, POLICY), T0 + 30 * DAY, POLICY)
    clock = availability_answered(asked, AvailabilityAnswer.NOT_THIS_MONTH, T0 + 31 * DAY,
                                  POLICY)
    assert clock == AvailabilityClock(9, T0 + 61 * DAY, None, T0 + 61 * DAY)
    assert not availability_due(clock, T0 + 60 * DAY)
    assert availability_due(clock, T0 + 61 * DAY)


def test_an_unanswered_question_lets_the_caller_pause_the_volunteer() -> None:
    clock = start_availability(9, T0, POLICY)
    assert not availability_unanswered(clock, T0 + 100 * DAY, POLICY)
    asked = availability_asked(clock, T0 + 30 * DAY, POLICY)
    assert not availability_unanswered(asked, T0 + 37 * DAY - timedelta(seconds=1), POLICY)
    assert availability_unanswered(asked, T0 + 37 * DAY, POLICY)
    answered_ = availability_answered(asked, AvailabilityAnswer.YES, T0 + 40 * DAY, POLICY)
    assert not availability_unanswered(answered_, T0 + 50 * DAY, POLICY)
    # Still silent a month later: asked again rather than forgotten.
    assert availability_due(asked, T0 + 60 * DAY)


# --------------------------------------------------------------------------- properties

policies = st.builds(
    lambda nudge, gap1, gap2, length: FollowUpPolicy(
        nudge_after_periods=nudge, second_nudge_after_periods=nudge + gap1,
        alert_after_periods=nudge + gap1 + gap2, programme_length=timedelta(days=length)),
    st.integers(1, 3), st.integers(1, 3), st.integers(1, 3), st.integers(20, 400))
rhythms = st.sampled_from(list(Rhythm))
delays = st.integers(0, 3 * 24 * 60).map(lambda m: timedelta(minutes=m))

# One event of a pair's life. "step" jumps to the next due time (plus a hold, like the
# quiet hours') and sends; it is drawn most often so that histories reach deep into the
# ladder and to the programme's end. "send" sends only if something is due at that moment.
EVENTS = ["step"] * 6 + ["wait", "send", "unfreeze", "rhythm"] + ["answer"] * 3
Event = tuple[str, timedelta, Answer, Rhythm]
events = st.lists(st.tuples(
    st.sampled_from(EVENTS), st.integers(0, 20 * 24).map(lambda h: timedelta(hours=h)),
    st.sampled_from([Answer.YES, Answer.NOT_YET, Answer.NOT_YET, Answer.PROBLEM]), rhythms,
), min_size=5, max_size=80)


@settings(max_examples=150, deadline=None)
@given(policies, rhythms, events)
def test_any_history_keeps_the_clock_consistent(
        policy: FollowUpPolicy, rhythm: Rhythm, history: list[Event]) -> None:
    clock = start(1, T0, policy, rhythm)
    now = T0
    finish = programme_end(clock, policy)
    keys: set[str] = set()
    sequences: set[int] = set()
    ends = 0
    for event, delay, answer, new_rhythm in history:
        before = clock
        if event == "wait":
            now += delay
            continue
        if event == "step":
            now = max(now, clock.next_due_at + delay / 7)
        if event in ("step", "send"):
            if not due(clock, now):
                with pytest.raises(ValueError):
                    advance(clock, now, policy)
                continue
            clock, kind = advance(clock, now, policy)
            assert kind is before.next_kind
            assert clock.sequence == before.sequence + 1
            assert clock.sequence not in sequences
            sequences.add(clock.sequence)
            key = message_key(clock, kind, 42)
            assert key not in keys
            keys.add(key)
            ends += kind is K.PROGRAMME_END
            # Sending never moves the next step back in time.
            assert clock.next_due_at >= before.next_due_at
        elif event == "answer":
            clock = answered(clock, answer, now, policy)
            assert clock.sequence == before.sequence
            assert clock.next_due_at >= before.next_due_at
            if answer is Answer.PROBLEM:
                assert clock.frozen or clock.ended
        elif event == "unfreeze":
            clock = unfreeze(clock, now, policy)
            assert not clock.frozen
            assert clock.next_due_at >= before.next_due_at
        else:
            clock = change_rhythm(clock, new_rhythm, now, policy)
            assert clock.rhythm is new_rhythm
            # A new rhythm may bring the step forward, but never into the past (the end
            # of the programme stays where it is, overdue or not).
            assert (clock.next_due_at == before.next_due_at or clock.next_due_at >= now
                    or clock.next_kind is K.PROGRAMME_END)
        assert clock.pair_id == 1 and clock.started_at == T0
        if clock.frozen:
            assert not due(clock, now + 1000 * DAY)
        if clock.ended:
            assert not due(clock, now + 1000 * DAY)
            continue
        assert clock.next_due_at <= finish
        assert (clock.next_kind is K.PROGRAMME_END) == (clock.next_due_at == finish)
        if clock.next_kind in LADDER:
            assert clock.next_kind is ladder(clock.silent_periods, policy)
    assert ends <= 1
    assert sequences == set(range(1, len(sequences) + 1))


@settings(max_examples=100, deadline=None)
@given(policies, rhythms, st.lists(st.tuples(delays, st.floats(0, 0.999), st.none() | rhythms),
                                   min_size=1, max_size=16))
def test_a_pair_that_always_answers_yes_is_never_nudged(
        policy: FollowUpPolicy, rhythm: Rhythm,
        steps: list[tuple[timedelta, float, Rhythm | None]]) -> None:
    clock = start(1, T0, policy, rhythm)
    kinds = []
    # The drawn steps repeat until the programme ends (at most 400 days, weekly).
    for hold, answer_after, new_rhythm in islice(cycle(steps), 200):
        now = clock.next_due_at + hold
        clock, kind = advance(clock, now, policy)
        kinds.append(kind)
        if clock.ended:
            break
        if new_rhythm is not None:
            clock = change_rhythm(clock, new_rhythm, now, policy)
        # The yes comes before the next step falls due.
        now += max(clock.next_due_at - now, timedelta(0)) * answer_after
        clock = answered(clock, Answer.YES, now, policy)
        assert clock.silent_periods == 0
    assert clock.ended
    assert kinds[0] is K.FIRST_EXCHANGE
    assert set(kinds) <= {K.FIRST_EXCHANGE, K.CHECK_IN, K.PROGRAMME_END}
    assert kinds.count(K.PROGRAMME_END) == 1


@settings(max_examples=100, deadline=None)
@given(policies, rhythms, st.booleans(), st.lists(delays, min_size=1, max_size=16))
def test_a_silent_pair_climbs_the_ladder_at_the_thresholds(
        policy: FollowUpPolicy, rhythm: Rhythm, met_first: bool,
        holds: list[timedelta]) -> None:
    clock = start(1, T0, policy, rhythm)
    if met_first:
        clock = answered(clock, Answer.YES, T0 + DAY, policy)
    sent = []
    for hold in islice(cycle(holds), 200):
        now = clock.next_due_at + hold
        previous = clock.next_due_at
        clock, kind = advance(clock, now, policy)
        sent.append(kind)
        if clock.ended:
            break
        assert clock.next_due_at >= previous
        expected_gap = (policy.not_yet_again_after if kind is K.FIRST_EXCHANGE
                        else clock.rhythm.period)
        assert clock.next_due_at == min(now + expected_gap, programme_end(clock, policy))
    assert clock.ended
    # Written out independently of the module: the n-th step of the rhythm after the last
    # yes (n = 0, 1, ...) is the nudge at n == threshold, and so on, else a check-in.
    expected = [] if met_first else [K.FIRST_EXCHANGE, K.FIRST_EXCHANGE_AGAIN]
    thresholds = {policy.nudge_after_periods: K.NUDGE,
                  policy.second_nudge_after_periods: K.SECOND_NUDGE,
                  policy.alert_after_periods: K.STAFF_ALERT}
    expected += [thresholds.get(n, K.CHECK_IN) for n in range(len(sent))]
    assert sent[:-1] == expected[:len(sent) - 1]
    assert sent[-1] is K.PROGRAMME_END
    assert sent.count(K.STAFF_ALERT) <= 1


def test_the_default_silent_pair_in_full() -> None:
    clock = start(1, T0, POLICY)
    sent = []
    while not clock.ended:
        clock, kind = send(clock)
        sent.append((kind, (clock.next_due_at - T0).days if not clock.ended else None))
    assert sent == [
        (K.FIRST_EXCHANGE, 5), (K.FIRST_EXCHANGE_AGAIN, 19), (K.CHECK_IN, 33), (K.NUDGE, 47),
        (K.SECOND_NUDGE, 61), (K.STAFF_ALERT, 75), (K.CHECK_IN, 89), (K.CHECK_IN, 103),
        (K.CHECK_IN, 117), (K.CHECK_IN, 131), (K.CHECK_IN, 145), (K.CHECK_IN, 159),
        (K.CHECK_IN, 173), (K.CHECK_IN, 182), (K.PROGRAMME_END, None)]
