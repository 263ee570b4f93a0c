"""The week-by-week counts behind the /stats chart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mentoring.model import Role, User
from mentoring.staff import StaffDirectory
from storage.database import make_engine, make_sessionmaker
from storage.uow import SqlUnitOfWork, uow_factory

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)  # a Thursday


async def test_sign_ups_are_counted_in_their_week(database_url) -> None:
    engine = make_engine(database_url)
    sessions = make_sessionmaker(engine)
    try:
        async with SqlUnitOfWork(sessions) as uow:
            for n, (days_ago, role) in enumerate([(0, Role.STUDENT), (3, Role.STUDENT),
                                                  (4, Role.VOLUNTEER), (8, Role.STUDENT),
                                                  (200, Role.STUDENT)]):
                await uow.users.add(User(id=n + 1, language="fr", role=role,
                                         created_at=NOW - timedelta(days=days_ago)))
            await uow.commit()
        staff = StaffDirectory(uow_factory(sessions), lambda: NOW, ())
        weeks, counts = await staff.weekly_counts(weeks=3)
    finally:
        await engine.dispose()
    assert [week.isoformat() for week in weeks] == ["2026-11-09", "2026-11-16", "2026-11-23"]
    # Thursday and Monday of this week; the previous week's Wednesday and Sunday.
    assert counts["students"] == [0, 1, 2]
    assert counts["volunteers"] == [0, 1, 0]
    assert counts["pairs"] == [0, 0, 0]
