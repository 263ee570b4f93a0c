"""A small programme built by hand, row by row, whose impact figures are worked out by hand
in tests/storage/test_impact.py (period: 1 January to 30 June 2026, UTC).

pair  student: dept, source, needs    introduced  ended     meetings held [topics] (usefulness)
P1    S1: 75, lycee_a, cv internship  10 Jan                15 Jan [cv] (5), 10 Feb [cv orientation]
                                                            (4), 10 Mar; 1 Feb cancelled
P2    S2: 75, lycee_a, cv             1 Feb       1 Apr     check-in yes 11 Feb, both log [cv] (3)
P3    S3: 75, lycee_a, exams          1 Mar                 none (a log "did not happen" [exams])
P4    S4: 75, -, cv oral              1 Mar                 21 Mar [oral] (2)
P5    S5: 75, -, cv                   1 Dec 2025            10 Dec 2025 (1), 20 Jan [exams] (5)
P6    S6: 75, -, moral_support        5 Jan       5 May     none
P7    S7: 69, -, cv                   2 Jan                 4 Jan [cv] (4)
P8    S8: 69, -, exams                1 Apr                 1 May, no topic
P9    S9: 69, -, no need              1 Feb       1 Mar     none
P0    S10: 69                         1 Jun 2025  1 Nov 2025  (before the period)
P10   S10: 69                         5 Jul                 (after the period)

Feedback at the end: P2 student 4 and volunteer 5, P6 student 2, P9 student 3, P0 student 1.
Outcomes: P2 /news on 1 Mar (more confident), then at its end goal reached + internship;
P6 at its end no contact + nothing yet; P9 none.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert

from storage.tables import (
    FeedbackRow,
    MeetingRow,
    OutcomeRow,
    PairRow,
    SessionLogRow,
    StudentProfileRow,
    UserRow,
)

VOLUNTEER = 900


def day(month: int, number: int, year: int = 2026, hour: int = 12) -> datetime:
    return datetime(year, month, number, hour, tzinfo=UTC)


STUDENTS = {  # id: (department, source, needs, level)
    1: ("75", "lycee_a", ["cv", "internship"], "licence_1"),
    2: ("75", "lycee_a", ["cv"], "licence_1"),
    3: ("75", "lycee_a", ["exams"], "licence_1"),
    4: ("75", None, ["cv", "oral"], "licence_1"),
    5: ("75", None, ["cv"], "licence_1"),
    6: ("75", None, ["moral_support"], "licence_1"),
    7: ("69", None, ["cv"], "master_1"),
    8: ("69", None, ["exams"], "master_1"),
    9: ("69", None, [], "master_1"),
    10: ("69", None, ["cv"], "master_1"),
}

PAIRS = {  # id: (student, started, ended)
    1: (1, datetime(2026, 1, 10, tzinfo=UTC), None),
    2: (2, datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC)),
    3: (3, datetime(2026, 3, 1, tzinfo=UTC), None),
    4: (4, datetime(2026, 3, 1, tzinfo=UTC), None),
    5: (5, datetime(2025, 12, 1, tzinfo=UTC), None),
    6: (6, datetime(2026, 1, 5, tzinfo=UTC), datetime(2026, 5, 5, tzinfo=UTC)),
    7: (7, datetime(2026, 1, 2, tzinfo=UTC), None),
    8: (8, datetime(2026, 4, 1, tzinfo=UTC), None),
    9: (9, datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC)),
    100: (10, datetime(2025, 6, 1, tzinfo=UTC), datetime(2025, 11, 1, tzinfo=UTC)),
    10: (10, datetime(2026, 7, 5, tzinfo=UTC), None),
}

# meeting id: (pair, starts_at (noon UTC), status, student's log: topics and usefulness)
MEETINGS: dict[int, tuple[int, datetime, str, tuple[list[str], int | None] | None]] = {
    1: (1, day(1, 15), "held", (["cv"], 5)),
    2: (1, day(2, 10), "held", (["cv", "orientation"], 4)),
    3: (1, day(3, 10), "held", None),
    4: (1, day(2, 1), "cancelled", None),
    5: (4, day(3, 21), "held", (["oral"], 2)),
    6: (5, day(12, 10, 2025), "held", ([], 1)),
    7: (5, day(1, 20), "held", (["exams"], 5)),
    8: (7, day(1, 4), "held", (["cv"], 4)),
    9: (8, day(5, 1), "held", ([], None)),
}


async def build(sessions: Any) -> None:
    """Write the programme into an empty database."""
    start = day(1, 1, 2025)
    async with sessions() as session, session.begin():
        await session.execute(insert(UserRow), [
            {"id": VOLUNTEER, "language": "fr", "role": "volunteer", "blocked": False,
             "created_at": start}] + [
            {"id": student, "language": "fr", "role": "student", "source": source,
             "blocked": False, "created_at": start}
            for student, (_d, source, _n, _l) in STUDENTS.items()])
        await session.execute(insert(StudentProfileRow), [
            {"user_id": student, "first_name": f"S{student}", "field": "law", "level": level,
             "department": department, "needs": needs, "languages": ["fr"],
             "availability": [], "goals": "", "completed_at": start}
            for student, (department, _s, needs, level) in STUDENTS.items()])
        await session.execute(insert(PairRow), [
            {"id": pair, "student_id": student, "volunteer_id": VOLUNTEER,
             "status": "ended" if ended else "active", "started_at": started,
             "ended_at": ended}
            for pair, (student, started, ended) in PAIRS.items()])
        await session.execute(insert(MeetingRow), [
            {"id": meeting, "pair_id": pair, "proposed_by": VOLUNTEER, "kind": "video",
             "status": status, "slots": [at.isoformat()], "starts_at": at, "minutes": 60,
             "timezone": "Europe/Paris", "sequence": 0, "created_at": at, "updated_at": at}
            for meeting, (pair, at, status, _log) in MEETINGS.items()])
        logs = [
            {"pair_id": pair, "meeting_id": meeting, "user_id": PAIRS[pair][0],
             "happened": "yes", "topics": topics, "usefulness": usefulness, "held_on": at,
             "asked_at": at, "answered_at": at}
            for meeting, (pair, at, _s, log) in MEETINGS.items() if log is not None
            for topics, usefulness in [log]]
        # P2 answered a check-in "yes", both members; P3's meeting did not happen.
        logs += [{"pair_id": 2, "meeting_id": None, "user_id": user, "happened": "yes",
                  "topics": ["cv"], "usefulness": usefulness, "held_on": day(2, 11),
                  "asked_at": day(2, 11), "answered_at": day(2, 11)}
                 for user, usefulness in ((2, 3), (VOLUNTEER, None))]
        logs.append({"pair_id": 3, "meeting_id": None, "user_id": 3, "happened": "no",
                     "topics": ["exams"], "usefulness": None, "held_on": day(3, 15),
                     "asked_at": day(3, 15), "answered_at": day(3, 15)})
        await session.execute(insert(SessionLogRow), logs)
        await session.execute(insert(FeedbackRow), [
            {"pair_id": pair, "user_id": user, "rating": rating, "created_at": at}
            for pair, user, rating, at in ((2, 2, 4, day(4, 1)), (2, VOLUNTEER, 5, day(4, 1)),
                                           (6, 6, 2, day(5, 5)), (9, 9, 3, day(3, 1)),
                                           (100, 10, 1, day(11, 1, 2025)))])
        await session.execute(insert(OutcomeRow), [
            {"pair_id": 2, "user_id": 2, "source": "news", "reason": None,
             "changes": ["confidence"], "created_at": day(3, 1)},
            {"pair_id": 2, "user_id": 2, "source": "end", "reason": "goal_reached",
             "changes": ["internship"], "created_at": day(4, 1)},
            {"pair_id": 6, "user_id": 6, "source": "end", "reason": "no_contact",
             "changes": ["nothing_yet"], "created_at": day(5, 5)}])
