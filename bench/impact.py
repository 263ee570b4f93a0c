"""The impact report over a national programme: 100,000 students, 25,000 volunteers, about
60,000 pairs and a year of meetings (some 400,000, with their session logs, feedback and
outcomes), bulk-inserted as synthetic rows.

    .venv/bin/python bench/impact.py fill --database-url sqlite+aiosqlite:////tmp/impact.db
    /usr/bin/time -v .venv/bin/binome report impact --from 2025-12-01 --to 2026-11-30 \\
        --by region --out /tmp/impact.pdf          # with DATABASE_URL set to the same URL
    .venv/bin/python bench/impact.py report --database-url ...   # the same, timed by step

``fill`` drops every table of the database given, migrates it and writes the rows.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert, text

from mentoring import catalog
from mentoring.impact import Cut, Period, build_report
from storage.database import make_engine, make_sessionmaker
from storage.impact import SqlImpact
from storage.migrate import upgrade_async
from storage.tables import (
    Base,
    FeedbackRow,
    MeetingRow,
    OutcomeRow,
    PairRow,
    SessionLogRow,
    StudentProfileRow,
    UserRow,
)

START = datetime(2025, 12, 1, tzinfo=UTC)
END = datetime(2026, 12, 1, tzinfo=UTC)
NOW = datetime(2026, 12, 4, 12, tzinfo=UTC)
STUDENT0, VOLUNTEER0 = 10_000_000, 20_000_000
DEPARTMENTS = ("75", "93", "69", "13", "33", "31", "59", "44", "67", "35", "06", "34", "971",
               "974", "2A", "21", "63", "76")
SOURCES = (None, None, None, "lycee_a", "fac_lyon", "asso_93", "salon_2026")
CHUNK = 20_000


async def fill(url: str, students: int, volunteers: int, pairs: int, seed: int) -> None:
    engine = make_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.drop_all)
        await connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    await engine.dispose()
    await upgrade_async(url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    rng = random.Random(seed)
    fields = [f.code for f in catalog.FIELDS]
    levels = [level.code for level in catalog.LEVELS]
    needs = [need.code for need in catalog.NEEDS]
    began = time.perf_counter()
    profiles = {}
    users = []
    for n in range(students):
        profiles[STUDENT0 + n] = rng.sample(needs, rng.randint(1, 4))
        users.append({"id": STUDENT0 + n, "language": "fr", "role": "student",
                      "source": rng.choice(SOURCES), "blocked": False,
                      "created_at": START - timedelta(days=rng.uniform(0, 200))})
    users += [{"id": VOLUNTEER0 + n, "language": "fr", "role": "volunteer", "blocked": False,
               "created_at": START} for n in range(volunteers)]
    await _insert(sessions, UserRow, users)
    await _insert(sessions, StudentProfileRow, [
        {"user_id": student, "first_name": "S", "field": rng.choice(fields),
         "level": rng.choice(levels), "department": rng.choice(DEPARTMENTS),
         "needs": chosen, "languages": ["fr"], "availability": [], "goals": "",
         "completed_at": START} for student, chosen in profiles.items()])
    pair_rows, meetings, logs, feedback, outcomes = [], [], [], [], []
    meeting_id = 0
    for pair_id in range(1, pairs + 1):
        student = STUDENT0 + (pair_id - 1) % students
        volunteer = VOLUNTEER0 + rng.randrange(volunteers)
        started = START + timedelta(days=rng.uniform(-120, 360))
        ended = started + timedelta(days=rng.uniform(20, 250)) if rng.random() < 0.45 else None
        if ended is not None and ended > NOW:
            ended = None
        pair_rows.append({"id": pair_id, "student_id": student, "volunteer_id": volunteer,
                          "status": "ended" if ended else "active", "started_at": started,
                          "ended_at": ended})
        at = started + timedelta(days=rng.uniform(2, 25))
        while at < min(ended or NOW, NOW) and rng.random() > 0.05:
            meeting_id += 1
            status = "held" if rng.random() < 0.85 else "missed"
            meetings.append({"id": meeting_id, "pair_id": pair_id, "proposed_by": student,
                             "kind": "video", "status": status, "slots": [at.isoformat()],
                             "starts_at": at, "minutes": 60, "timezone": "Europe/Paris",
                             "sequence": 1, "created_at": at, "updated_at": at})
            if status == "held":
                topics = rng.sample(profiles[student], 1)
                logs.append({"pair_id": pair_id, "meeting_id": meeting_id, "user_id": student,
                             "happened": "yes", "topics": topics,
                             "usefulness": rng.choice((3, 4, 4, 5, 5)), "held_on": at,
                             "asked_at": at, "answered_at": at})
                if rng.random() < 0.7:
                    logs.append({"pair_id": pair_id, "meeting_id": meeting_id,
                                 "user_id": volunteer, "happened": "yes", "topics": topics,
                                 "usefulness": None, "held_on": at, "asked_at": at,
                                 "answered_at": at})
            at += timedelta(days=rng.uniform(12, 35))
        if ended is not None:
            feedback.append({"pair_id": pair_id, "user_id": student, "rating": rng.randint(2, 5),
                             "created_at": ended})
            if rng.random() < 0.85:
                outcomes.append({"pair_id": pair_id, "user_id": student, "source": "end",
                                 "reason": rng.choice(("finished", "goal_reached", "no_contact",
                                                       "not_needed", "other")),
                                 "changes": [rng.choice(("internship", "job", "exam",
                                                         "confidence", "nothing_yet"))],
                                 "created_at": ended})
    for table, rows in ((PairRow, pair_rows), (MeetingRow, meetings), (SessionLogRow, logs),
                        (FeedbackRow, feedback), (OutcomeRow, outcomes)):
        await _insert(sessions, table, rows)
    await engine.dispose()
    print(f"{students} students, {volunteers} volunteers, {len(pair_rows)} pairs, "
          f"{len(meetings)} meetings, {len(logs)} session logs, {len(feedback)} feedback, "
          f"{len(outcomes)} outcomes written in {time.perf_counter() - began:.0f} s")


async def _insert(sessions: Any, table: Any, rows: list[dict[str, Any]]) -> None:
    async with sessions() as session, session.begin():
        for start in range(0, len(rows), CHUNK):
            await session.execute(insert(table), rows[start:start + CHUNK])


async def report(url: str, cut: Cut | None) -> None:
    """The report's steps, timed: reading the facts, the figures, drawing the page."""
    from handlers.impact_pages import render

    period = Period(START.date(), date(2026, 11, 30))
    engine = make_engine(url)
    began = time.perf_counter()
    facts = await SqlImpact(make_sessionmaker(engine)).pair_facts(period.starts_at,
                                                                  period.ends_at)
    read = time.perf_counter()
    result = build_report(facts, period, NOW, cut)
    computed = time.perf_counter()
    pages = render(result, lambda message: message)
    drawn = time.perf_counter()
    await engine.dispose()
    print(f"{len(facts)} pairs: read {read - began:.2f} s, figures {computed - read:.2f} s, "
          f"page {drawn - computed:.2f} s; PDF {len(pages.pdf) // 1024} KB, "
          f"PNG {len(pages.png) // 1024} KB, CSV {len(pages.csv.splitlines())} lines")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("step", choices=("fill", "report"))
    parser.add_argument("--database-url", default="sqlite+aiosqlite:////tmp/impact.db")
    parser.add_argument("--students", type=int, default=100_000)
    parser.add_argument("--volunteers", type=int, default=25_000)
    parser.add_argument("--pairs", type=int, default=60_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--by", choices=[cut.value for cut in Cut], default="region")
    args = parser.parse_args()
    if args.step == "fill":
        asyncio.run(fill(args.database_url, args.students, args.volunteers, args.pairs,
                         args.seed))
    else:
        asyncio.run(report(args.database_url, Cut(args.by)))


if __name__ == "__main__":
    main()
