"""One follow-up tick over 100,000 active pairs: find the ~7% due now, advance their clocks
and write their outbox rows (student and volunteer), in batches.

    .venv/bin/python bench/tick.py                       # SQLite file
    .venv/bin/python bench/tick.py --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/test

Tables are dropped and recreated in the database given.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, insert, select

from mentoring.keeping_in_touch import KeepingInTouch, KeepingPolicy
from storage.database import make_engine, make_sessionmaker
from storage.tables import (
    Base,
    FollowUpRow,
    OutboxRow,
    PairRow,
    StudentProfileRow,
    UserRow,
    VolunteerProfileRow,
)
from storage.uow import uow_factory

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # a Tuesday, 11:00 in Paris
DEPARTMENTS = ["75", "69", "13", "59", "31", "33", "44", "67", "34", "974", "971"]
KINDS = ["check_in"] * 8 + ["nudge", "second_nudge", "staff_alert", "first_exchange"]


def rows(pairs: int, seed: int) -> dict[str, list[dict[str, object]]]:
    rng = random.Random(seed)
    users, students, volunteers, pair_rows, clocks = [], [], [], [], []
    for n in range(pairs):
        student, volunteer = 1_000_000 + n, 5_000_000 + n
        department = rng.choice(DEPARTMENTS)
        users += [{"id": student, "language": "fr", "created_at": NOW, "blocked": False,
                   "role": "student"},
                  {"id": volunteer, "language": "en" if n % 10 == 0 else "fr",
                   "created_at": NOW, "blocked": False, "role": "volunteer"}]
        students.append({"user_id": student, "first_name": "Léa", "field": "law",
                         "level": "licence_2", "department": department, "postal_code": None,
                         "needs": ["cv"], "languages": ["fr"], "availability": ["saturday"],
                         "goals": "Réussir", "completed_at": NOW})
        volunteers.append({"user_id": volunteer, "first_name": "Marc", "profession": "Avocat",
                           "sector": "law", "field": "law", "help_families": ["law_politics"],
                           "department": department, "postal_code": None, "remote": True,
                           "skills": ["cv"], "languages": ["fr"], "capacity": 1, "load": 1,
                           "availability": ["saturday"], "bio": "Avocat.",
                           "completed_at": NOW, "resume_pending": False})
        started = NOW - timedelta(days=rng.uniform(3, 170))
        # Two-week rhythm: due dates spread over the next period, ~7% already due.
        due = NOW + timedelta(days=rng.uniform(-1, 13))
        pair_rows.append({"id": n + 1, "student_id": student, "volunteer_id": volunteer,
                          "status": "active", "started_at": started})
        clocks.append({"pair_id": n + 1, "started_at": started, "rhythm": "biweekly",
                       "last_exchange_at": None, "first_exchange_done": True,
                       "silent_periods": rng.choice([0, 0, 0, 1, 2]), "next_due_at": due,
                       "scheduled_at": due, "next_kind": rng.choice(KINDS), "frozen": False,
                       "ended": False, "sequence": rng.randint(1, 12)})
    return {"users": users, "students": students, "volunteers": volunteers,
            "pairs": pair_rows, "clocks": clocks}


async def seed(url: str, pairs: int, seed_value: int) -> None:
    data = rows(pairs, seed_value)
    engine = make_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.drop_all)
        await connection.run_sync(Base.metadata.create_all)
        for table, key in ((UserRow, "users"), (StudentProfileRow, "students"),
                           (VolunteerProfileRow, "volunteers"), (PairRow, "pairs"),
                           (FollowUpRow, "clocks")):
            chunk = data[key]
            for start in range(0, len(chunk), 20_000):
                await connection.execute(insert(table), chunk[start:start + 20_000])
    await engine.dispose()


async def one_tick(url: str) -> dict[str, float]:
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    keeping = KeepingInTouch(uow_factory(sessions), lambda: NOW, KeepingPolicy(),
                             staff_ids=[42])
    before = peak_mib()
    began = time.perf_counter()
    steps = await keeping.run_due(NOW)
    seconds = time.perf_counter() - began
    async with sessions() as session:
        queued = await session.scalar(select(func.count()).select_from(OutboxRow))
    await engine.dispose()
    return {"due_steps": steps, "outbox_rows": int(queued or 0),
            "tick_seconds": round(seconds, 2),
            "peak_rss_mib_before_tick": before}


def peak_mib() -> float:
    """This process's peak resident memory. VmHWM, not ru_maxrss: Linux carries ru_maxrss
    over from the parent that started us, which here held the whole seed data."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite+aiosqlite:///{folder}/tick.db"
        asyncio.run(seed(url, args.pairs, args.seed))
        # The tick is measured in a process of its own, as the scheduler runs it.
        import subprocess

        out = subprocess.run([sys.executable, __file__, "--measure", url],
                             capture_output=True, text=True, check=True).stdout
    result = json.loads(out)
    result["pairs"] = args.pairs
    print(json.dumps(result, indent=2))
    return 0


def measure(url: str) -> None:
    result = asyncio.run(one_tick(url))
    result["peak_rss_mib"] = peak_mib()
    print(json.dumps(result))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--measure":
        measure(sys.argv[2])
        sys.exit(0)
    sys.exit(main())
