"""The session log's and outcomes' pure rules: multi-select taps, what the answers say of a
meeting, when staff hear of missed meetings, and the outcome questions' keys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mentoring.catalog import NEEDS
from mentoring.errors import Stale
from mentoring.outcomes import ASK_AFTER, CHANGES, Source, questions, toggled_changes
from mentoring.sessionlog import (
    TOPICS,
    clean_note,
    meeting_status,
    missed_twice,
    toggled,
)


def test_topics_are_the_needs_list() -> None:
    assert TOPICS == tuple(option.code for option in NEEDS)


def test_a_tap_flips_one_choice_keeps_the_list_order_and_refuses_what_no_button_gives() -> None:
    picked = toggled((), 4, TOPICS)
    assert picked == (TOPICS[4],)
    assert toggled(toggled(picked, 1, TOPICS), 4, TOPICS) == (TOPICS[1],)
    assert toggled((TOPICS[4],), 0, TOPICS) == (TOPICS[0], TOPICS[4])
    assert toggled(picked, 4, TOPICS) == ()
    for index in (len(TOPICS), -1):
        with pytest.raises(Stale):
            toggled((), index, TOPICS)


@pytest.mark.parametrize(("answers", "status"), [
    ([None, None], None), (["moved", None], None), (["no", None], "missed"),
    (["no", "yes"], "held"), (["yes", "no"], "held"), (["moved", "no"], "missed")])
def test_one_answer_records_the_meeting_and_a_yes_wins(answers, status) -> None:
    assert meeting_status(answers) == status


def test_staff_hear_of_two_missed_in_a_row_only() -> None:
    assert missed_twice(["missed", "missed"])
    assert missed_twice(["held", "missed", "missed"])
    assert not missed_twice(["missed"])
    assert not missed_twice(["missed", "held"])
    assert not missed_twice(["held", "missed"])


def test_a_note_is_one_visible_line_and_short() -> None:
    assert clean_note("  Le CV\n\n est  fait\u200b ") == "Le CV est fait"
    assert len(clean_note("x" * 1000)) == 300


def test_nothing_yet_and_the_other_changes_exclude_each_other() -> None:
    nothing = CHANGES.index("nothing_yet")
    job = CHANGES.index("job")
    assert toggled_changes((), nothing) == ("nothing_yet",)
    assert toggled_changes(("nothing_yet",), job) == ("job",)
    assert toggled_changes(("job", "exam"), nothing) == ("nothing_yet",)
    assert toggled_changes(("job",), job) == ()
    with pytest.raises(Stale):
        toggled_changes((), len(CHANGES))


def test_outcome_questions_have_one_key_per_pair_occasion_and_member_and_come_after() -> None:
    now = datetime(2027, 1, 11, 10, tzinfo=UTC)
    asked = questions(7, 1, 2, Source.END, now) + questions(7, 1, 2, Source.FEEDBACK, now)
    assert len({n.key for n in asked}) == 4
    assert {n.recipient_id for n in asked} == {1, 2}
    assert all(n.due_at == now + ASK_AFTER and ASK_AFTER > timedelta(0) for n in asked)
    assert [n.params["role"] for n in asked[:2]] == ["student", "volunteer"]
