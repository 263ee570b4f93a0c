"""The demo programme's past: meetings, session logs, feedback and outcomes for each pair,
spread over the months it lived, so that /impact has something to show."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from mentoring.catalog import NEEDS
from storage.tables import FeedbackRow, MeetingRow, OutcomeRow, SessionLogRow

REASONS = (("finished", 30), ("goal_reached", 25), ("not_needed", 10), ("no_contact", 20),
           ("incompatible", 5), ("other", 10))
CHANGES_BY_REASON = {
    "finished": ("confidence", "orientation", "exam", "internship"),
    "goal_reached": ("internship", "job", "exam", "orientation"),
    "not_needed": ("confidence", "job", "nothing_yet"),
    "no_contact": ("nothing_yet",),
    "incompatible": ("nothing_yet",),
    "other": ("confidence", "nothing_yet"),
}


@dataclass(frozen=True)
class Life:
    """A demo pair: who, from when to when (None: still active), and whether it went quiet."""

    pair_id: int
    student_id: int
    volunteer_id: int
    started: datetime
    ended: datetime | None
    quiet: bool


async def write_lives(session: AsyncSession, lives: list[Life], needs: dict[int, list[str]],
                      now: datetime, rng: random.Random) -> dict[str, int]:
    """Write every pair's meetings (about every two to five weeks, some missed), the session
    logs of those held, and for the pairs that ended their feedback and outcome."""
    meetings: list[dict[str, Any]] = []
    logs: list[dict[str, Any]] = []
    for life in lives:
        for at, status in _meetings(life, now, rng):
            meetings.append({"pair_id": life.pair_id, "proposed_by": rng.choice(
                (life.student_id, life.volunteer_id)), "kind": rng.choice(
                ("call", "video", "video", "in_person")), "status": status,
                "slots": [at.isoformat()], "starts_at": at, "minutes": 60,
                "timezone": "Europe/Paris", "sequence": 1, "created_at": at - timedelta(days=4),
                "updated_at": at + timedelta(hours=2)})
    if meetings:
        ids = await session.execute(
            insert(MeetingRow).returning(MeetingRow.id, sort_by_parameter_order=True), meetings)
        by_pair = {life.pair_id: life for life in lives}
        for meeting, meeting_id in zip(meetings, ids.scalars().all(), strict=True):
            if meeting["status"] == "held":
                logs.extend(_logs(meeting, meeting_id, by_pair[meeting["pair_id"]], needs, rng))
    if logs:
        await session.execute(insert(SessionLogRow), logs)
    endings = [life for life in lives if life.ended is not None]
    feedback, outcomes = _endings(endings, rng)
    if feedback:
        await session.execute(insert(FeedbackRow), feedback)
    if outcomes:
        await session.execute(insert(OutcomeRow), outcomes)
    return {"meetings": len(meetings), "logs": len(logs), "outcomes": len(outcomes)}


def _meetings(life: Life, now: datetime, rng: random.Random) -> list[tuple[datetime, str]]:
    if rng.random() < 0.12:  # some pairs never meet
        return []
    end = min(life.ended or now, now - timedelta(hours=2))
    at = life.started + timedelta(days=rng.uniform(2, 24))
    found = []
    gap = (20, 50) if life.quiet else (12, 35)
    while at < end:
        status = rng.choices(("held", "missed", "cancelled"), (85, 8, 7))[0]
        found.append((at.replace(minute=0, second=0, microsecond=0), status))
        at += timedelta(days=rng.uniform(*gap))
    return found


def _logs(meeting: dict[str, Any], meeting_id: int, life: Life,
          needs: dict[int, list[str]], rng: random.Random) -> list[dict[str, Any]]:
    stated = needs.get(life.student_id) or [NEEDS[0].code]
    topics = rng.sample(stated, min(len(stated), rng.choice((1, 1, 2))))
    if rng.random() < 0.2:
        topics = sorted({*topics, rng.choice(NEEDS).code})
    at = meeting["starts_at"]
    base = {"pair_id": life.pair_id, "meeting_id": meeting_id, "happened": "yes",
            "topics": topics, "held_on": at, "asked_at": at + timedelta(hours=1),
            "answered_at": at + timedelta(hours=rng.uniform(1, 30)), "note": None}
    rows = [{**base, "user_id": life.student_id,
             "usefulness": rng.choices((1, 2, 3, 4, 5), (2, 5, 18, 40, 35))[0]}]
    if rng.random() < 0.7:
        rows.append({**base, "user_id": life.volunteer_id, "usefulness": None})
    return rows


def _endings(endings: list[Life], rng: random.Random) -> tuple[list[dict[str, Any]],
                                                                list[dict[str, Any]]]:
    feedback, outcomes = [], []
    for life in endings:
        assert life.ended is not None
        reason = rng.choices([r for r, _w in REASONS], [w for _r, w in REASONS])[0]
        if rng.random() < 0.85:
            choices = CHANGES_BY_REASON[reason]
            changes = sorted(set(rng.sample(choices, min(len(choices), rng.choice((1, 2))))))
            outcomes.append({"pair_id": life.pair_id, "user_id": life.student_id,
                             "source": "end", "reason": reason, "changes": changes,
                             "created_at": life.ended})
        for user, chance in ((life.student_id, 0.6), (life.volunteer_id, 0.4)):
            if rng.random() < chance:
                feedback.append({"pair_id": life.pair_id, "user_id": user,
                                 "rating": rng.choices((1, 2, 3, 4, 5), (3, 5, 17, 40, 35))[0],
                                 "comment": None, "created_at": life.ended})
    return feedback, outcomes
