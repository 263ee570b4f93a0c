"""Messages relayed both ways in a period count as an exchange for the follow-up clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from mentoring.followup import (
    FIRST_QUESTIONS,
    LADDER,
    Answer,
    CheckInKind,
    FollowUpPolicy,
    Rhythm,
    advance,
    answered,
    change_rhythm,
    counted_since,
    period_began,
    relayed_total,
    silent_flagged,
    start,
    talked_through_bot,
)

T0 = datetime(2026, 11, 12, 10, 0, tzinfo=UTC)
POLICY = FollowUpPolicy()
STUDENT, VOLUNTEER = 10, 20
K = CheckInKind


def test_one_message_each_way_is_an_exchange() -> None:
    assert talked_through_bot({(STUDENT, VOLUNTEER): 1, (VOLUNTEER, STUDENT): 1},
                              STUDENT, VOLUNTEER)


def test_one_side_writing_alone_is_not_an_exchange() -> None:
    assert not talked_through_bot({(STUDENT, VOLUNTEER): 12}, STUDENT, VOLUNTEER)
    assert not talked_through_bot({(VOLUNTEER, STUDENT): 3}, STUDENT, VOLUNTEER)
    assert not talked_through_bot({}, STUDENT, VOLUNTEER)


def test_messages_with_someone_else_do_not_count() -> None:
    # A volunteer's other student is another pair: only these two members' directions count.
    counts = {(STUDENT, VOLUNTEER): 2, (VOLUNTEER, 99): 4}
    assert not talked_through_bot(counts, STUDENT, VOLUNTEER)
    assert relayed_total(counts, STUDENT, VOLUNTEER) == 2


def test_the_total_counts_both_ways() -> None:
    assert relayed_total({(STUDENT, VOLUNTEER): 5, (VOLUNTEER, STUDENT): 4},
                         STUDENT, VOLUNTEER) == 9


def test_the_period_begins_one_period_before_the_step() -> None:
    clock = answered(start(1, T0, POLICY), Answer.YES, T0, POLICY)
    assert period_began(clock) == T0
    later = T0 + timedelta(days=3)
    assert period_began(change_rhythm(clock, Rhythm.WEEKLY, later, POLICY)) == T0


def test_a_nudge_becomes_a_check_in_when_they_talked_through_the_bot() -> None:
    clock = answered(start(1, T0, POLICY), Answer.YES, T0, POLICY)
    clock, kind = advance(clock, clock.next_due_at, POLICY)
    assert kind is K.CHECK_IN and clock.next_kind is K.NUDGE
    clock, kind = advance(clock, clock.next_due_at, POLICY, talked=True)
    assert kind is K.CHECK_IN
    assert clock.silent_periods == 1 and clock.next_kind is K.NUDGE


def test_a_pair_flagged_to_staff_is_unflagged_once_they_talk() -> None:
    clock = answered(start(1, T0, POLICY), Answer.YES, T0, POLICY)
    for _ in range(4):
        clock, _kind = advance(clock, clock.next_due_at, POLICY)
    assert silent_flagged(clock, POLICY)
    clock, kind = advance(clock, clock.next_due_at, POLICY, talked=True)
    assert kind is K.CHECK_IN and not silent_flagged(clock, POLICY)


def test_without_relayed_messages_the_ladder_climbs_as_before() -> None:
    clock = answered(start(1, T0, POLICY), Answer.YES, T0, POLICY)
    kinds = []
    for _ in range(4):
        clock, kind = advance(clock, clock.next_due_at, POLICY, talked=False)
        kinds.append(kind)
    assert kinds == [K.CHECK_IN, K.NUDGE, K.SECOND_NUDGE, K.STAFF_ALERT]


def test_a_first_exchange_through_the_bot_is_not_asked_again() -> None:
    clock = start(1, T0, POLICY)
    assert counted_since(clock) == T0
    sent_at = clock.next_due_at
    clock, kind = advance(clock, sent_at, POLICY, talked=True)
    assert kind is K.FIRST_EXCHANGE and clock.first_exchange_done
    assert (clock.next_kind, clock.next_due_at) == (K.CHECK_IN, sent_at + Rhythm.BIWEEKLY.period)
    assert counted_since(clock) == sent_at


def test_the_first_exchange_asked_again_counts_from_the_introduction_too() -> None:
    clock = start(1, T0, POLICY)
    clock, kind = advance(clock, clock.next_due_at, POLICY)
    assert kind is K.FIRST_EXCHANGE and clock.next_kind is K.FIRST_EXCHANGE_AGAIN
    assert counted_since(clock) == T0
    clock, kind = advance(clock, clock.next_due_at, POLICY, talked=True)
    assert kind is K.FIRST_EXCHANGE_AGAIN and clock.first_exchange_done
    assert clock.next_kind is K.CHECK_IN


def test_without_relay_the_first_exchange_questions_are_unchanged() -> None:
    clock = start(1, T0, POLICY)
    clock, kind = advance(clock, clock.next_due_at, POLICY, talked=False)
    assert kind is K.FIRST_EXCHANGE and clock.next_kind is K.FIRST_EXCHANGE_AGAIN
    assert not clock.first_exchange_done


policies = st.builds(
    lambda nudge, gap1, gap2, length: FollowUpPolicy(
        nudge_after_periods=nudge, second_nudge_after_periods=nudge + gap1,
        alert_after_periods=nudge + gap1 + gap2, programme_length=timedelta(days=length)),
    st.integers(1, 3), st.integers(1, 3), st.integers(1, 3), st.integers(20, 400))


@settings(max_examples=200, deadline=None)
@given(policies, st.sampled_from(list(Rhythm)),
       st.lists(st.tuples(st.booleans(), st.integers(0, 72)), min_size=1, max_size=60))
def test_two_way_relay_in_a_period_never_gives_a_silence_step(
        policy: FollowUpPolicy, rhythm: Rhythm, periods: list[tuple[bool, int]]) -> None:
    clock = start(1, T0, policy, rhythm)
    for talked, late_hours in periods:
        if clock.ended:
            break
        was_ladder = clock.next_kind in LADDER
        was_first = clock.next_kind in FIRST_QUESTIONS
        clock, kind = advance(clock, clock.next_due_at + timedelta(hours=late_hours), policy,
                              talked=talked)
        if talked and was_ladder:
            assert kind in (K.CHECK_IN, K.PROGRAMME_END)
            assert not silent_flagged(clock, policy)
        assert kind not in (K.NUDGE, K.SECOND_NUDGE, K.STAFF_ALERT) or not talked
        if talked and was_first:
            assert clock.first_exchange_done and clock.next_kind not in FIRST_QUESTIONS
