"""The impact report's figures, read from a hand-built programme (tests/storage/
impact_programme.py) and checked against numbers worked out by hand; small-count hiding."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from handlers.impact_pages import to_csv, value_text
from mentoring import places
from mentoring.impact import MIN_GROUP, Cut, PairFacts, Period, build_report
from storage.database import make_engine, make_sessionmaker
from storage.impact import SqlImpact
from tests.storage import impact_programme

PERIOD = Period(date(2026, 1, 1), date(2026, 6, 30))
NOW = datetime(2026, 7, 15, tzinfo=UTC)
# Days each pair was active in [1 Jan, 1 Jul): P1 172, P2 59, P3 122, P4 122, P5 181, P6 120,
# P7 180, P8 91, P9 28.
PAIR_DAYS = 172 + 59 + 122 + 122 + 181 + 120 + 180 + 91 + 28


def english(message: str) -> str:
    return message


@pytest.fixture
async def facts(database_url: str) -> list[PairFacts]:
    engine = make_engine(database_url)
    sessions = make_sessionmaker(engine)
    try:
        await impact_programme.build(sessions)
        return await SqlImpact(sessions).pair_facts(PERIOD.starts_at, PERIOD.ends_at)
    finally:
        await engine.dispose()


async def test_facts_read_from_the_tables(facts: list[PairFacts]) -> None:
    by_pair = {f.pair_id: f for f in facts}
    assert sorted(by_pair) == [1, 2, 3, 4, 5, 6, 7, 8, 9]  # P0 ended before, P10 after
    assert by_pair[1].meetings == 3  # the cancelled one is not counted
    assert by_pair[1].first_meeting_at == impact_programme.day(1, 15)
    assert by_pair[1].topics == {"cv", "orientation"}
    assert by_pair[2].meetings == 1  # one check-in "yes", logged by both members
    assert by_pair[3].meetings == 0 and by_pair[3].topics == frozenset()  # did not happen
    assert by_pair[5].first_meeting_at == impact_programme.day(12, 10, 2025)
    assert by_pair[5].meetings == 1  # December's is outside the period, and its rating
    assert (by_pair[5].ratings, by_pair[5].rating_total, by_pair[5].useful_ratings) == (1, 5, 1)
    assert (by_pair[1].ratings, by_pair[1].rating_total, by_pair[1].useful_ratings) == (2, 9, 2)
    assert (by_pair[4].ratings, by_pair[4].rating_total, by_pair[4].useful_ratings) == (1, 2, 0)
    assert sorted(by_pair[2].end_ratings) == [4, 5]
    assert (by_pair[2].reason, by_pair[2].changes) == ("goal_reached",
                                                       {"internship", "confidence"})
    assert (by_pair[6].reason, by_pair[6].changes) == ("no_contact", {"nothing_yet"})
    assert by_pair[9].reason is None and not by_pair[9].reported_outcome
    assert by_pair[1].source == "lycee_a" and by_pair[4].source is None
    assert by_pair[4].needs == {"cv", "oral"} and by_pair[7].department == "69"


async def test_figures_of_the_hand_built_programme(facts: list[PairFacts]) -> None:
    report = build_report(facts, PERIOD, NOW)
    whole = report.overall

    def value(key: str, detail: str = "") -> float | None:
        return whole.figure(key, detail).value

    assert whole.figure("pairs_created").n == 8 and value("pairs_created") == 8
    assert value("first_meeting_share") == 5 / 8  # P1, P2, P4, P7, P8 met
    # 2.5, 5.5, 10.5, 20.5, 30.5 days (P7, P1, P2, P4, P8; meetings at noon): five people,
    # just enough to be shown.
    assert value("first_meeting_days") == 10.5 and whole.figure("first_meeting_days").n == 5
    # 8 meetings in the period over 9 active pairs' days.
    assert whole.figure("meetings_per_pair_month").n == 9
    assert value("meetings_per_pair_month") == pytest.approx(8 * 30.4375 / PAIR_DAYS)
    # Of the 8 students who stated a need, S1, S2, S4 and S7 had one worked on.
    assert value("needs_worked_share") == 4 / 8
    assert value("need_worked_share", "cv") == 3 / 5  # S1, S2, S7 of S1, S2, S4, S5, S7
    assert whole.figure("need_worked_share", "exams").hidden  # S3 and S8 only
    assert value("need_worked_share", "exams") is None
    assert value("usefulness") == pytest.approx(23 / 6)  # 5, 4, 3, 2, 5, 4 from 5 students
    assert value("useful_share") == 4 / 6
    assert whole.figure("end_rating").n == 4 and value("end_rating") is None  # 4 raters
    # Three pairs ended in the period: every outcome figure is hidden.
    assert whole.figure("ended_reason_share", "goal_reached").n == 2
    assert value("ended_reason_share", "goal_reached") is None
    # 1 month: 8 pairs old enough, P9 (28 days) did not last; 3 months: 7, P2 and P9 ended.
    assert (value("retention", "1"), whole.figure("retention", "1").n) == (7 / 8, 8)
    assert (value("retention", "3"), whole.figure("retention", "3").n) == (5 / 7, 7)
    assert whole.figure("retention", "6").n == 0 and value("retention", "6") is None


async def test_cut_by_region_and_source(facts: list[PairFacts]) -> None:
    report = build_report(facts, PERIOD, NOW, Cut.REGION)
    groups = {g.code: g for g in report.groups}
    paris, lyon = places.department("75").region.code, places.department("69").region.code
    assert list(groups) == [paris, lyon]  # largest first
    assert groups[paris].people == 6 and groups[paris].figure("pairs_created").value == 5
    assert groups[paris].figure("first_meeting_share").value == 3 / 5  # P1, P2, P4
    assert groups[lyon].people == 3
    assert all(figure.value is None for figure in groups[lyon].figures)
    by_source = {g.code: g for g in build_report(facts, PERIOD, NOW, Cut.SOURCE).groups}
    assert by_source["direct"].figure("pairs_created").value == 5  # P4, P6, P7, P8, P9
    assert by_source["lycee_a"].figure("pairs_created").hidden  # S1, S2, S3


def pairs(count: int) -> list[PairFacts]:
    start = datetime(2026, 2, 1, tzinfo=UTC)
    return [PairFacts(pair_id=n, student_id=n, started_at=start + timedelta(days=n),
                      ended_at=None, department="75", needs=frozenset({"cv"}),
                      topics=frozenset({"cv"}), first_meeting_at=start + timedelta(days=n + 3),
                      meetings=1, ratings=1, rating_total=4, useful_ratings=1)
            for n in range(count)]


@pytest.mark.parametrize(("people", "shown"), [(MIN_GROUP - 1, False), (MIN_GROUP, True)])
def test_figures_of_fewer_than_five_people_are_hidden(people: int, shown: bool) -> None:
    assert MIN_GROUP == 5
    report = build_report(pairs(people), PERIOD, NOW, Cut.REGION)
    for group in (report.overall, *report.groups):
        created = group.figure("pairs_created")
        assert created.hidden is not shown
        assert value_text(created, english) == (str(people) if shown else "< 5")
        assert (group.figure("first_meeting_days").value == 3) is shown
        assert (group.figure("need_worked_share", "cv").value == 1) is shown
        assert (group.figure("usefulness").value == 4) is shown
    rows = [line.split(",") for line in to_csv(report, english).splitlines()[1:]]
    created_rows = [row for row in rows if row[2] == "pairs_created"]
    assert [row[5] for row in created_rows] == ([str(people)] * 2 if shown else ["", ""])
    assert [row[9] for row in created_rows] == (["0", "0"] if shown else ["1", "1"])


async def test_demo_programme_has_a_year_to_report(database_url: str) -> None:
    from sqlalchemy import func, select

    from bot.demo import seed_demo
    from mentoring.impact import default_period
    from storage.tables import MeetingRow, OutcomeRow, SessionLogRow

    engine = make_engine(database_url)
    sessions = make_sessionmaker(engine)
    try:
        seeded = await seed_demo(sessions, NOW)
        assert "meetings" in str(seeded)
        async with sessions() as session:
            starts = list(await session.scalars(select(MeetingRow.starts_at)))
            logs = await session.scalar(select(func.count()).select_from(SessionLogRow))
            outcomes = await session.scalar(select(func.count()).select_from(OutcomeRow))
        assert len({(at.year, at.month) for at in starts if at is not None}) >= 9
        assert logs and logs > len(starts) / 2 and outcomes
        period = default_period(NOW.date())
        facts = await SqlImpact(sessions).pair_facts(period.starts_at, period.ends_at)
    finally:
        await engine.dispose()
    whole = build_report(facts, period, NOW).overall
    for key, detail in (("pairs_created", ""), ("first_meeting_share", ""),
                        ("usefulness", ""), ("ended_reason_share", "finished"),
                        ("retention", "3")):
        assert whole.figure(key, detail).value is not None, key
