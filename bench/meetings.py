"""The meetings' part of the tick over a year of meetings: 25,000 active pairs with a meeting
about every month each (past ones held or cancelled, the coming ones confirmed), the tick
queueing the reminders due now, then the same tick again (a replay that must queue nothing).

    .venv/bin/python bench/meetings.py                       # SQLite file
    .venv/bin/python bench/meetings.py --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/test

Tables are dropped and recreated in the database given.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sqlalchemy import func, insert, select
from tick import NOW, peak_mib, rows  # type: ignore[import-not-found]

from mentoring.meeting_service import MeetingService
from mentoring.quiet_hours import QuietHours
from storage.database import make_engine, make_sessionmaker
from storage.meetings import SqlMeetings
from storage.tables import (
    Base,
    MeetingRow,
    OutboxRow,
    PairRow,
    StudentProfileRow,
    UserRow,
    VolunteerProfileRow,
)


def meetings(pairs: int, seed: int) -> list[dict[str, object]]:
    rng = random.Random(seed)
    found: list[dict[str, object]] = []
    for pair in range(1, pairs + 1):
        at = NOW - timedelta(days=365) + timedelta(days=rng.uniform(0, 30))
        while at < NOW + timedelta(days=40):
            starts = at.replace(minute=rng.choice((0, 30)), second=0, microsecond=0)
            past = starts < NOW
            status = rng.choice(("held", "held", "held", "cancelled")) if past else "confirmed"
            found.append({"pair_id": pair, "proposed_by": None, "kind": "video",
                          "status": status, "slots": [starts.isoformat()],
                          "starts_at": starts, "minutes": 60, "timezone": "Europe/Paris",
                          "sequence": 0, "created_at": starts - timedelta(days=5),
                          "updated_at": starts - timedelta(days=5), "changed_by": None})
            at += timedelta(days=rng.uniform(20, 40))
    return found


async def seed(url: str, pairs: int, seed_value: int) -> int:
    data = rows(pairs, seed_value)
    data["meetings"] = meetings(pairs, seed_value)
    engine = make_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.drop_all)
        await connection.run_sync(Base.metadata.create_all)
        for table, key in ((UserRow, "users"), (StudentProfileRow, "students"),
                           (VolunteerProfileRow, "volunteers"), (PairRow, "pairs"),
                           (MeetingRow, "meetings")):
            chunk = data[key]
            for start in range(0, len(chunk), 20_000):
                await connection.execute(insert(table), chunk[start:start + 20_000])
    await engine.dispose()
    return len(data["meetings"])


async def two_ticks(url: str) -> dict[str, float]:
    engine = make_engine(url)
    service = MeetingService(SqlMeetings(make_sessionmaker(engine)), lambda: NOW,
                             QuietHours(), "Europe/Paris")
    began = time.perf_counter()
    queued = await service.run_due(NOW)
    first = time.perf_counter() - began
    began = time.perf_counter()
    again = await service.run_due(NOW + timedelta(minutes=1))
    second = time.perf_counter() - began
    async with make_sessionmaker(engine)() as session:
        rows_queued = await session.scalar(select(func.count()).select_from(OutboxRow))
    await engine.dispose()
    return {"reminders_queued": queued, "queued_again": again,
            "outbox_rows": int(rows_queued or 0), "first_tick_seconds": round(first, 2),
            "replay_tick_seconds": round(second, 2), "peak_rss_mib": peak_mib()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=int, default=25_000)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--database-url")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(asyncio.run(two_ticks(args.measure))))
        return 0
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite+aiosqlite:///{folder}/meetings.db"
        count = asyncio.run(seed(url, args.pairs, args.seed))
        # The tick is measured in a process of its own, as the scheduler runs it.
        out = subprocess.run([sys.executable, __file__, "--measure", url],
                             capture_output=True, text=True, check=True).stdout
    result = json.loads(out)
    result.update(pairs=args.pairs, meetings=count)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
