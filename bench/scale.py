"""Staff views and the hourly batch match over a programme of 100,000 students.

The database given is emptied, migrated, and filled in bulk with a generated programme
(``mentoring.population``, seed 1): N students and N/4 volunteers, a third of the students
paired (their follow-up clocks spread over the weeks, one pair in eight gone quiet), the
others waiting. Then each staff view is asked for through its use case, exactly as the
handlers do (``StaffDirectory.figures``, ``gaps``, ``pairs_at_risk``, ``weekly_counts``),
and so are the database reads of the batch match (the waiting list, the volunteers with
room, the exclusions) and the writing of its proposals. The solver itself runs in memory and
is measured by bench/matching.py.

    .venv/bin/python bench/scale.py --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/scale.py --students 20000          # SQLite, temporary file

Each measurement is the median of three runs (the proposals are written once), in seconds
of wall time spent in the call: the queries and turning their rows into objects. Exit
status 1 if any takes more than --limit seconds (2 by default).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, text  # noqa: E402

from mentoring.population import REFERENCE, generate  # noqa: E402
from storage.database import make_engine, make_sessionmaker  # noqa: E402
from storage.tables import (  # noqa: E402
    Base,
    FollowUpRow,
    PairRow,
    StudentProfileRow,
    UserRow,
    VolunteerProfileRow,
)

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
CHUNK = 5000


async def fill(sessions: Any, students: int, volunteers: int) -> dict[str, int]:
    rng = random.Random(1)
    population = generate(students, volunteers, 1)
    shift = NOW - REFERENCE
    people: list[Any] = [s.profile for s in population.students] + population.volunteers
    pairs: list[tuple[int, int]] = []
    room = {v.user_id: v.capacity for v in population.volunteers}
    by_department: dict[str, list[int]] = {}
    for volunteer in population.volunteers:
        by_department.setdefault(volunteer.department, []).append(volunteer.user_id)
    for student in rng.sample([s.profile for s in population.students], students // 3):
        nearby = by_department.get(student.department, [])
        while nearby and room[nearby[-1]] == 0:
            nearby.pop()  # full: never looked at again
        if nearby:
            room[nearby[-1]] -= 1
            pairs.append((student.user_id, nearby[-1]))
    paired = {student for student, _ in pairs}

    async def bulk(table: Any, rows: list[dict[str, Any]]) -> None:
        async with sessions() as session, session.begin():
            for start in range(0, len(rows), CHUNK):
                await session.execute(insert(table), rows[start:start + CHUNK])

    await bulk(UserRow, [
        {"id": p.user_id, "language": "fr", "telegram_name": p.first_name,
         "role": "student" if isinstance(p, type(people[0])) else "volunteer",
         "source": None, "blocked": False, "created_at": p.completed_at + shift}
        for p in people])
    await bulk(VolunteerProfileRow, [
        {**asdict(v), "completed_at": min(NOW, v.completed_at + shift),
         "load": v.capacity - room[v.user_id], "resume_pending": False,
         "paused_until": NOW + timedelta(days=10) if rng.random() < 0.2 else None,
         "availability_next_at": NOW + timedelta(days=rng.uniform(1, 30))}
        for v in population.volunteers])
    await bulk(StudentProfileRow, [
        {**asdict(s.profile), "completed_at": s.profile.completed_at + shift,
         "waiting_since": None if s.profile.user_id in paired else s.profile.completed_at + shift}
        for s in population.students])
    await bulk(PairRow, [
        {"id": n + 1, "student_id": student, "volunteer_id": volunteer, "proposal_id": None,
         "status": "active", "started_at": NOW - timedelta(days=rng.uniform(7, 150))}
        for n, (student, volunteer) in enumerate(pairs)])
    clocks = []
    for n in range(len(pairs)):
        silent = rng.choice((2, 3)) if rng.random() < 0.125 else rng.choice((0, 0, 0, 1))
        started = NOW - timedelta(days=150)
        clocks.append({
            "pair_id": n + 1, "started_at": started, "rhythm": "biweekly",
            "last_exchange_at": NOW - timedelta(days=rng.uniform(1, 13) + 14 * silent),
            "first_exchange_done": True, "silent_periods": silent,
            "next_due_at": NOW + timedelta(days=rng.uniform(0.5, 13)),
            "scheduled_at": NOW + timedelta(days=rng.uniform(0.5, 13)),
            "next_kind": "check_in", "frozen": False, "ended": False, "sequence": 2})
    await bulk(FollowUpRow, clocks)
    async with sessions() as session, session.begin():
        if session.bind.dialect.name == "postgresql":
            await session.execute(text("SELECT setval('pairs_id_seq', :n)"),
                                  {"n": len(pairs) + 1})
            await session.execute(text("ANALYZE"))
    return {"students": students, "volunteers": volunteers, "pairs": len(pairs),
            "waiting": students - len(pairs)}


def show(result: tuple[str, float, str]) -> None:
    name, seconds, what = result
    print(f"{name:<24} {seconds:7.3f} s   {what}", flush=True)


async def timed(call: Callable[[], Awaitable[Any]], runs: int = 3) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = await call()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


async def measure(url: str, students: int, volunteers: int, proposals: int,
                  ) -> list[tuple[str, float, str]]:
    from bot.config import Settings
    from mentoring.matching.batch import WaitingStudent, assign
    from mentoring.matchmaking import Matchmaker
    from mentoring.staff import StaffDirectory
    from storage.migrate import upgrade
    from storage.uow import uow_factory

    engine = make_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.drop_all)
        await connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    await asyncio.to_thread(upgrade, url)
    sessions = make_sessionmaker(engine)
    started = time.perf_counter()
    counts = await fill(sessions, students, volunteers)
    print(f"filled in {time.perf_counter() - started:.0f} s: {counts}", flush=True)

    settings = Settings(_env_file=None, database_url=url, bot_token=None)  # type: ignore[call-arg]
    uow = uow_factory(sessions)
    staff = StaffDirectory(uow, lambda: NOW, frozenset())
    matchmaker = Matchmaker(uow, lambda: NOW, settings.matching_policy())
    results: list[tuple[str, float, str]] = []

    seconds, figures = await timed(staff.figures)
    results.append(("/stats figures", seconds, f"{figures['waiting']} waiting"))
    show(results[-1])
    seconds, weekly = await timed(staff.weekly_counts)
    results.append(("/stats chart (12 weeks)", seconds, f"{len(weekly[0])} weeks"))
    show(results[-1])
    seconds, gaps = await timed(staff.gaps)
    results.append(("/gaps", seconds, f"{len(gaps)} gaps"))
    show(results[-1])
    seconds, risky = await timed(staff.pairs_at_risk)
    results.append(("/risk", seconds, f"{len(risky)} pairs listed"))
    show(results[-1])

    async def reads() -> Any:
        async with uow() as work:
            return (await work.matching.waiting_students(),
                    await work.matching.available_volunteers(NOW),
                    await work.matching.excluded_pairs())

    seconds, (waiting, available, excluded) = await timed(reads)
    results.append(("batch: reads", seconds,
                    f"{len(waiting)} students, {len(available)} volunteers"))
    show(results[-1])
    plan = await asyncio.to_thread(
        assign, [WaitingStudent(profile, since) for profile, since in waiting], available,
        excluded, settings.matching_policy().weights, time_budget=50.0)
    # The proposals are written as the batch writes them (transactions of 500), for the
    # first --proposals pairs of the plan: enough for a rate, without waiting for all.
    planned = len(plan.pairs)
    plan = replace(plan, pairs=plan.pairs[:proposals])
    started = time.perf_counter()
    made = await matchmaker.apply_plan(plan)
    seconds = time.perf_counter() - started
    results.append(("batch: write proposals", seconds,
                    f"{made} proposals and their messages, "
                    f"{1000 * seconds / max(made, 1):.1f} ms each, of a plan of {planned}"))
    show(results[-1])
    await engine.dispose()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url")
    parser.add_argument("--students", type=int, default=100_000)
    parser.add_argument("--volunteers", type=int)
    parser.add_argument("--limit", type=float, default=2.0)
    parser.add_argument("--proposals", type=int, default=2000,
                        help="how many of the plan's proposals to write (default 2000)")
    args = parser.parse_args()
    volunteers = args.volunteers or args.students // 4
    with tempfile.TemporaryDirectory() as directory:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(directory) / 'scale.db'}"
        print(f"{url.split(':', 1)[0]}, {args.students:,} students, {volunteers:,} volunteers")
        results = asyncio.run(measure(url, args.students, volunteers, args.proposals))
    # The proposals' writing is reported per proposal; the limit applies to the reads.
    return 1 if any(seconds > args.limit for name, seconds, _ in results
                    if not name.startswith("batch: write")) else 0


if __name__ == "__main__":
    sys.exit(main())
