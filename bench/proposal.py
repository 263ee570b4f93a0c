"""Instant proposal latency: a student confirms, the best free volunteer is found among
N volunteers in the database and the proposal is written (with its outbox message).

    .venv/bin/python bench/proposal.py --volunteers 25000 --students 300
    .venv/bin/python bench/proposal.py --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/test

Measures ``Matchmaker.student_ready`` end to end (queries, scoring, reservation, commit).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert

from mentoring.matchmaking import Matchmaker
from mentoring.population import generate
from mentoring.signup import now_utc
from storage.database import make_engine, make_sessionmaker
from storage.tables import Base, StudentProfileRow, UserRow, VolunteerProfileRow
from storage.uow import uow_factory


async def seed(url: str, volunteers: int, students: int, seed_value: int) -> list[int]:
    population = generate(students, volunteers, seed_value)
    engine = make_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.drop_all)
        await connection.run_sync(Base.metadata.create_all)
        now = now_utc()
        people = [*population.volunteers, *(s.profile for s in population.students)]
        await connection.execute(insert(UserRow), [
            {"id": p.user_id, "language": "fr", "created_at": now, "blocked": False,
             "role": "volunteer" if hasattr(p, "capacity") else "student"} for p in people])
        await connection.execute(insert(VolunteerProfileRow), [
            {**{k: v for k, v in asdict(p).items() if k != "paused_until"}, "load": 0,
             "resume_pending": False} for p in population.volunteers])
        await connection.execute(insert(StudentProfileRow), [
            asdict(s.profile) for s in population.students])
    await engine.dispose()
    return [s.profile.user_id for s in population.students]


async def measure(url: str, student_ids: list[int]) -> dict[str, float]:
    engine = make_engine(url)
    matchmaker = Matchmaker(uow_factory(make_sessionmaker(engine)), now_utc)
    timings = []
    outcomes: dict[str, int] = {}
    for student_id in student_ids:
        began = time.perf_counter()
        outcome = await matchmaker.student_ready(student_id)
        timings.append((time.perf_counter() - began) * 1000)
        outcomes[outcome.value] = outcomes.get(outcome.value, 0) + 1
    await engine.dispose()
    cold, timings = timings[0], sorted(timings[1:])
    return {
        "cold_first_ms": round(cold, 1),  # loads the volunteers into memory once
        "median_ms": round(statistics.median(timings), 1),
        "p95_ms": round(timings[int(len(timings) * 0.95) - 1], 1),
        "max_ms": round(timings[-1], 1),
        **{f"outcome_{k}": v for k, v in outcomes.items()},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--volunteers", type=int, default=25_000)
    parser.add_argument("--students", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database-url", help="default: a fresh SQLite file (tables are "
                                               "dropped and recreated)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite+aiosqlite:///{folder}/bench.db"
        students = asyncio.run(seed(url, args.volunteers, args.students, args.seed))
        result = asyncio.run(measure(url, students))
    result["volunteers"] = args.volunteers
    result["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
