"""/mydata and /delete for one person in a programme with a large outbox and audit log:
200,000 outbox rows (three broadcasts to 50,000 people, 50,000 check-ins of which ten name
the person) and 20,000 audit entries (twenty about the person).

    .venv/bin/python bench/erasure.py                       # SQLite file
    .venv/bin/python bench/erasure.py --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/test

Tables are dropped and recreated in the database given.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert

from mentoring.signup import Signup
from storage.database import make_engine, make_sessionmaker
from storage.tables import AuditRow, Base, OutboxRow, UserRow
from storage.uow import uow_factory

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
PERSON = 7_770_001


async def fill(sessions, people: int, broadcasts: int, checkins: int, audits: int) -> None:
    async with sessions() as session, session.begin():
        await session.execute(insert(UserRow), [
            {"id": PERSON + i, "language": "fr", "blocked": False, "created_at": NOW}
            for i in range(people)])
        rows = [{"key": f"broadcast:{b}:{PERSON + i}", "recipient_id": PERSON + i,
                 "kind": "broadcast", "params": {"broadcast": b}, "status": "sent",
                 "due_at": NOW, "attempts": 1, "created_at": NOW, "lane": 1,
                 "broadcast_id": b}
                for b in range(broadcasts) for i in range(people)]
        # Check-ins of pairs: recipient and partner among the people, the person in 1 in 5000.
        rows += [{"key": f"checkin:{n}:1:check_in:{PERSON + 1 + n % (people - 1)}",
                  "recipient_id": PERSON + 1 + n % (people - 1), "kind": "checkin_check_in",
                  "params": {"pair_id": n, "student_id": PERSON + 1 + n % (people - 1),
                             "volunteer_id": PERSON if n % 5000 == 0 else PERSON + 2,
                             "since": NOW.isoformat(), "silent_periods": 0},
                  "status": "pending" if n % 2 else "sent", "due_at": NOW, "attempts": 0,
                  "created_at": NOW, "lane": 0}
                 for n in range(checkins)]
        for start in range(0, len(rows), 5000):
            await session.execute(insert(OutboxRow), rows[start:start + 5000])
        await session.execute(insert(AuditRow), [
            {"actor_id": PERSON + 3, "action": "exclude",
             "details": {"student": PERSON if n % 1000 == 0 else PERSON + 4,
                         "volunteer": PERSON + 5}, "at": NOW}
            for n in range(audits)])


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{tmp}/erasure.db"
        engine = make_engine(url)
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.drop_all)
            await connection.run_sync(Base.metadata.create_all)
        sessions = make_sessionmaker(engine)
        await fill(sessions, people=50_000, broadcasts=3, checkins=50_000, audits=20_000)
        signup = Signup(uow_factory(sessions), lambda: NOW, "fr")
        started = time.perf_counter()
        data = await signup.personal_data(PERSON, None)
        exported = time.perf_counter() - started
        started = time.perf_counter()
        await signup.erase(PERSON)
        erased = time.perf_counter() - started
        await engine.dispose()
    rows = sum(len(found) for found in data["tables"].values())
    print(f"{engine.dialect.name}: /mydata {exported * 1000:.0f} ms ({rows} rows), "
          f"/delete {erased * 1000:.0f} ms, over 200,000 outbox rows and 20,000 audit entries")


if __name__ == "__main__":
    asyncio.run(main())
