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


async def test_relay_counts_by_window_and_pairs_who_wrote_both_ways(database_url) -> None:
    from sqlalchemy import select

    from mentoring.relay import Delivered, RelayActivity
    from storage.relay import SqlRelay
    from storage.tables import PairRow
    from tests.storage.test_keeping import make_pairs

    await make_pairs(database_url, 3)
    engine = make_engine(database_url)
    sessions = make_sessionmaker(engine)
    try:
        async with sessions() as session:
            pairs = (await session.execute(select(PairRow.id, PairRow.student_id,
                                                  PairRow.volunteer_id)
                                           .order_by(PairRow.id))).all()
        (both, s1, v1), (old, s2, v2), (one_way, s3, v3) = pairs
        relay = SqlRelay(sessions)
        written = [(both, s1, v1, 1), (both, v1, s1, 2), (both, s1, v1, 10),
                   (old, s2, v2, 20), (old, v2, s2, 45), (one_way, s3, v3, 3)]
        for n, (pair, sender, recipient, days_ago) in enumerate(written):
            await relay.record(Delivered(pair, sender, recipient, "text",
                                         NOW - timedelta(days=days_ago), n, 100 + n))
        staff = StaffDirectory(uow_factory(sessions), lambda: NOW, ())
        activity = await staff.relay_activity([both, old, one_way, 999])
        figures = await staff.figures()
    finally:
        await engine.dispose()
    assert activity == {
        both: RelayActivity(week=2, month=3, two_way=True, last_at=NOW - timedelta(days=1)),
        # The volunteer's message 45 days ago is out of the window: one way in 30 days.
        old: RelayActivity(week=0, month=1, two_way=False, last_at=NOW - timedelta(days=20)),
        one_way: RelayActivity(week=1, month=1, two_way=False, last_at=NOW - timedelta(days=3)),
    }
    assert (figures["relayed_week"], figures["pairs_two_way_month"]) == (3, 1)
