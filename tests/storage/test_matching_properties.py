"""Random sequences of sign-ups, proposals, answers, expiries and departures never break the
matching invariants, checked in the database after every step."""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from mentoring.matching.scoring import score
from mentoring.matchmaking import Answer, Matchmaker
from mentoring.model import Role, StudentProfile, User, VolunteerProfile
from storage.database import make_engine, make_sessionmaker
from storage.tables import Base, PairRow, ProposalRow, VolunteerProfileRow
from storage.uow import SqlUnitOfWork, uow_factory

START = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
PLACES = ("69", "38", "75", "13")

STUDENT = StudentProfile(
    user_id=0, first_name="Léa", field="law", level="licence_2", department="69",
    postal_code=None, needs=["cv"], languages=["fr"], availability=["saturday"],
    goals="Réussir", completed_at=START)
VOLUNTEER = VolunteerProfile(
    user_id=0, first_name="Marc", profession="Avocat", sector="law", field="law",
    help_families=["law_politics"], department="69", postal_code=None, remote=False,
    skills=["cv"], languages=["fr"], capacity=1, availability=["saturday"], bio="Avocat.",
    completed_at=START)

operation = st.one_of(
    st.tuples(st.just("student"), st.integers(0, 3), st.booleans()),
    st.tuples(st.just("volunteer"), st.integers(0, 3), st.integers(1, 2), st.booleans()),
    st.tuples(st.sampled_from(["accept", "decline", "not_now"]), st.integers(0, 5)),
    st.tuples(st.just("expire")),
    st.tuples(st.just("leave"), st.integers(0, 20)),
)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


async def fresh_database(url: str) -> None:
    engine = make_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
        for table in reversed(Base.metadata.sorted_tables):
            await connection.execute(delete(table))
    await engine.dispose()


async def run(url: str, operations: list[tuple]) -> None:
    await fresh_database(url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    clock = Clock()
    matchmaker = Matchmaker(uow_factory(sessions), clock)
    people: list[int] = []
    try:
        for op in operations:
            await apply(op, sessions, clock, matchmaker, people)
            await check_invariants(sessions)
    finally:
        await engine.dispose()


async def apply(op: tuple, sessions, clock: Clock, matchmaker: Matchmaker,
                people: list[int]) -> None:
    kind = op[0]
    new_id = len(people) + 1
    if kind == "student":
        profile = replace(STUDENT, user_id=new_id, department=PLACES[op[1]],
                          languages=["en"] if op[2] else ["fr"])
        await add(sessions, profile, Role.STUDENT)
        people.append(new_id)
        await matchmaker.student_ready(new_id)
    elif kind == "volunteer":
        profile = replace(VOLUNTEER, user_id=new_id, department=PLACES[op[1]], capacity=op[2],
                          remote=op[3])
        await add(sessions, profile, Role.VOLUNTEER)
        people.append(new_id)
        await matchmaker.volunteer_ready(new_id)
    elif kind in ("accept", "decline", "not_now"):
        async with sessions() as session:
            open_ones = list(await session.scalars(
                select(ProposalRow).where(ProposalRow.status == "open").order_by(ProposalRow.id)))
        if open_ones:
            chosen = open_ones[op[1] % len(open_ones)]
            await matchmaker.answer(chosen.id, chosen.volunteer_id, Answer(kind))
    elif kind == "expire":
        clock.now += timedelta(hours=80)
        await matchmaker.expire_and_remind(clock.now)
    elif kind == "leave" and people:
        await matchmaker.withdraw(people[op[1] % len(people)])


async def add(sessions, profile, role: Role) -> None:
    async with SqlUnitOfWork(sessions) as uow:
        await uow.users.add(User(id=profile.user_id, language="fr", created_at=START, role=role))
        if role is Role.STUDENT:
            await uow.profiles.save_student(profile)
        else:
            await uow.profiles.save_volunteer(profile)
        await uow.commit()


async def check_invariants(sessions) -> None:
    # One transaction at a time: on SQLite each one takes the write lock when it begins.
    async with sessions() as session:
        proposals = list(await session.scalars(select(ProposalRow)))
        pairs = list(await session.scalars(select(PairRow).where(PairRow.status == "active")))
        volunteers = list(await session.scalars(select(VolunteerProfileRow)))
    open_ones = [p for p in proposals if p.status == "open"]
    async with SqlUnitOfWork(sessions) as uow:
        held = Counter(p.volunteer_id for p in open_ones) + Counter(p.volunteer_id for p in pairs)
        for volunteer in volunteers:
            assert volunteer.load == held[volunteer.user_id], "load drifted from reality"
            assert volunteer.load <= volunteer.capacity, "capacity exceeded"
        students_busy = Counter(p.student_id for p in open_ones) + Counter(
            p.student_id for p in pairs)
        assert all(n <= 1 for n in students_busy.values()), "a student holds two places"
        asked = Counter((p.student_id, p.volunteer_id) for p in proposals)
        assert all(n == 1 for n in asked.values()), "the same pair was proposed twice"
        for proposal in open_ones:
            student = await uow.profiles.student(proposal.student_id)
            volunteer = await uow.profiles.volunteer(proposal.volunteer_id)
            assert student and volunteer and score(student, volunteer) is not None


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(operation, min_size=1, max_size=25))
def test_invariants_hold_over_random_histories(operations) -> None:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        asyncio.run(run(url, operations))
        return
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(run(f"sqlite+aiosqlite:///{folder}/p.db", operations))
