"""Matching use cases on the real storage (SQLite, or PostgreSQL with TEST_DATABASE_URL):
proposals, answers, expiry, the waiting list, and the invariants under concurrency."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from mentoring.errors import Stale, StaleReason
from mentoring.matchmaking import Answer, Matchmaker, Outcome
from mentoring.model import Role, StudentProfile, User, VolunteerProfile
from storage.database import make_engine, make_sessionmaker
from storage.tables import OutboxRow, PairRow, ProposalRow, VolunteerProfileRow
from storage.uow import SqlUnitOfWork, uow_factory

START = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def world(database_url: str) -> AsyncIterator[tuple]:
    engine = make_engine(database_url)
    sessions = make_sessionmaker(engine)
    clock = Clock()
    yield sessions, clock, Matchmaker(uow_factory(sessions), clock)
    await engine.dispose()


STUDENT = StudentProfile(
    user_id=0, first_name="Léa", field="law", level="licence_2", department="69",
    postal_code="69003", needs=["cv", "exams"], languages=["fr"],
    availability=["weekday_evening"], goals="Réussir mes partiels", completed_at=START)
VOLUNTEER = VolunteerProfile(
    user_id=0, first_name="Marc", profession="Avocat", sector="law", field="law",
    help_families=["law_politics"], department="69", postal_code=None, remote=False,
    skills=["cv", "exams"], languages=["fr"], capacity=1, availability=["weekday_evening"],
    bio="Avocat depuis dix ans.", completed_at=START)


async def add_people(sessions, *people) -> None:
    async with SqlUnitOfWork(sessions) as uow:
        for profile in people:
            role = Role.STUDENT if isinstance(profile, StudentProfile) else Role.VOLUNTEER
            await uow.users.add(User(id=profile.user_id, language="fr", created_at=START,
                                     role=role))
            if role is Role.STUDENT:
                await uow.profiles.save_student(profile)
            else:
                await uow.profiles.save_volunteer(profile)
        await uow.commit()


async def count(sessions, table, *where) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(table).where(*where)))


async def open_proposal(sessions, student_id: int) -> ProposalRow:
    async with sessions() as session:
        return (await session.scalars(select(ProposalRow).where(
            ProposalRow.student_id == student_id, ProposalRow.status == "open"))).one()


async def test_best_volunteer_is_proposed_then_next_after_decline(world) -> None:
    sessions, _clock, matchmaker = world
    near = replace(VOLUNTEER, user_id=2)
    far = replace(VOLUNTEER, user_id=3, department="75", remote=True, field="economics")
    await add_people(sessions, replace(STUDENT, user_id=1), near, far)
    assert await matchmaker.student_ready(1) is Outcome.PROPOSED
    first = await open_proposal(sessions, 1)
    assert first.volunteer_id == 2
    assert {r["code"] for r in first.reasons} >= {"same_field", "same_department"}
    assert await matchmaker.answer(first.id, 2, Answer.DECLINE, "time") is Outcome.DECLINED
    second = await open_proposal(sessions, 1)
    assert second.volunteer_id == 3
    assert await matchmaker.answer(second.id, 3, Answer.DECLINE) is Outcome.DECLINED
    # Nobody left who has not been asked: the student waits, and is told so.
    assert (await matchmaker.status(1)).waiting_since == START
    assert await count(sessions, OutboxRow, OutboxRow.kind == "student_waiting") == 1
    assert await count(sessions, OutboxRow, OutboxRow.kind == "proposal") == 2


async def test_accepting_pairs_them_and_introduces_both_once(world) -> None:
    sessions, _clock, matchmaker = world
    await add_people(sessions, replace(STUDENT, user_id=1), replace(VOLUNTEER, user_id=2))
    await matchmaker.student_ready(1)
    proposal = await open_proposal(sessions, 1)
    assert await matchmaker.answer(proposal.id, 2, Answer.ACCEPT) is Outcome.ACCEPTED
    with pytest.raises(Stale) as again:
        await matchmaker.answer(proposal.id, 2, Answer.ACCEPT)
    assert again.value.reason is StaleReason.ALREADY_ANSWERED
    with pytest.raises(Stale) as not_theirs:
        await matchmaker.answer(proposal.id, 99, Answer.ACCEPT)
    assert not_theirs.value.reason is StaleReason.GONE
    status = await matchmaker.status(1)
    assert status.pair is not None and status.pair.volunteer_id == 2
    assert status.waiting_since is None
    kinds = await _kinds(sessions)
    assert kinds.count("intro_student") == kinds.count("intro_volunteer") == 1


async def _kinds(sessions) -> list[str]:
    async with sessions() as session:
        return list(await session.scalars(select(OutboxRow.kind).order_by(OutboxRow.id)))


async def test_no_answer_before_the_deadline_moves_to_the_next_volunteer(world) -> None:
    sessions, clock, matchmaker = world
    await add_people(sessions, replace(STUDENT, user_id=1), replace(VOLUNTEER, user_id=2),
                     replace(VOLUNTEER, user_id=3, department="01"))
    await matchmaker.student_ready(1)
    first = await open_proposal(sessions, 1)
    clock.now = START + timedelta(hours=36, minutes=1)
    assert await matchmaker.expire_and_remind(clock.now) == (0, 1)
    assert await matchmaker.expire_and_remind(clock.now) == (0, 0)  # reminded once only
    clock.now = START + timedelta(hours=72, minutes=1)
    with pytest.raises(Stale) as late:
        await matchmaker.answer(first.id, 2, Answer.ACCEPT)
    assert late.value.reason is StaleReason.EXPIRED
    assert await matchmaker.expire_and_remind(clock.now) == (1, 0)
    second = await open_proposal(sessions, 1)
    assert second.volunteer_id == 3
    assert await count(sessions, PairRow) == 0
    async with sessions() as session:
        loads = dict((await session.execute(
            select(VolunteerProfileRow.user_id, VolunteerProfileRow.load))).all())
    assert loads == {2: 0, 3: 1}


async def test_not_now_pauses_the_volunteer(world) -> None:
    sessions, clock, matchmaker = world
    await add_people(sessions, replace(STUDENT, user_id=1), replace(VOLUNTEER, user_id=2),
                     replace(STUDENT, user_id=4))
    await matchmaker.student_ready(1)
    proposal = await open_proposal(sessions, 1)
    assert await matchmaker.answer(proposal.id, 2, Answer.NOT_NOW) is Outcome.PAUSED
    assert await matchmaker.student_ready(4) is Outcome.WAITING
    clock.now = START + timedelta(days=29)
    assert await matchmaker.volunteer_ready(2) == 1  # back, and offered to whoever waits
    assert (await open_proposal(sessions, 4)).volunteer_id == 2


async def test_a_new_volunteer_is_offered_the_longest_waiting_student(world) -> None:
    sessions, clock, matchmaker = world
    await add_people(sessions, replace(STUDENT, user_id=1), replace(STUDENT, user_id=4))
    assert await matchmaker.student_ready(4) is Outcome.WAITING
    clock.now = START + timedelta(hours=1)
    assert await matchmaker.student_ready(1) is Outcome.WAITING
    await add_people(sessions, replace(VOLUNTEER, user_id=2))
    assert await matchmaker.volunteer_ready(2) == 1
    assert (await open_proposal(sessions, 4)).volunteer_id == 2
    assert await count(sessions, ProposalRow, ProposalRow.student_id == 1) == 0


async def test_capacity_is_never_exceeded_by_concurrent_proposals(world) -> None:
    sessions, _clock, matchmaker = world
    students = [replace(STUDENT, user_id=10 + n) for n in range(6)]
    await add_people(sessions, replace(VOLUNTEER, user_id=2, capacity=2), *students)
    outcomes = await asyncio.gather(*(matchmaker.student_ready(s.user_id) for s in students),
                                    return_exceptions=True)
    proposed = [o for o in outcomes if o is Outcome.PROPOSED]
    assert len(proposed) == 2, outcomes
    assert await count(sessions, ProposalRow, ProposalRow.status == "open") == 2


async def test_two_taps_on_accept_at_once_make_one_pair(world) -> None:
    sessions, _clock, matchmaker = world
    await add_people(sessions, replace(STUDENT, user_id=1), replace(VOLUNTEER, user_id=2))
    await matchmaker.student_ready(1)
    proposal = await open_proposal(sessions, 1)
    outcomes = await asyncio.gather(*(matchmaker.answer(proposal.id, 2, Answer.ACCEPT)
                                      for _ in range(4)), return_exceptions=True)
    assert sorted(map(str, outcomes)) == ["accepted", "already_answered", "already_answered",
                                          "already_answered"]
    assert await count(sessions, PairRow) == 1


async def test_leaving_frees_the_volunteer_and_rematches_the_student(world) -> None:
    sessions, _clock, matchmaker = world
    await add_people(sessions, replace(STUDENT, user_id=1), replace(VOLUNTEER, user_id=2),
                     replace(VOLUNTEER, user_id=3))
    await matchmaker.student_ready(1)
    proposal = await open_proposal(sessions, 1)
    await matchmaker.answer(proposal.id, proposal.volunteer_id, Answer.ACCEPT)
    await matchmaker.withdraw(proposal.volunteer_id)
    assert await count(sessions, PairRow, PairRow.status == "active") == 0
    other = 3 if proposal.volunteer_id == 2 else 2
    assert (await open_proposal(sessions, 1)).volunteer_id == other
    assert "pair_left" in await _kinds(sessions)


async def test_batch_pairs_the_waiting_list_and_a_dry_run_changes_nothing(world) -> None:
    sessions, _clock, matchmaker = world
    students = [replace(STUDENT, user_id=10 + n) for n in range(5)]
    await add_people(sessions, *students)
    for student in students:
        assert await matchmaker.student_ready(student.user_id) is Outcome.WAITING
    # Volunteers arrive in bulk (an import, say) without being offered one by one.
    await add_people(sessions, replace(VOLUNTEER, user_id=2, capacity=2),
                     replace(VOLUNTEER, user_id=3, capacity=1, department="75", remote=True))
    plan, waiting, volunteers = await matchmaker.plan_batch(time_budget=5)
    assert (waiting, volunteers, plan.matched) == (5, 2, 3)
    assert plan.ratio > 0.99
    assert await count(sessions, ProposalRow) == 0
    plan, made = await matchmaker.run_batch(time_budget=5)
    assert made == 3
    assert await count(sessions, ProposalRow, ProposalRow.status == "open") == 3
    assert len((await matchmaker.plan_batch(time_budget=5))[0].pairs) == 0


async def test_a_declining_volunteer_is_offered_someone_else_who_waits(world) -> None:
    sessions, clock, matchmaker = world
    await add_people(sessions, replace(STUDENT, user_id=1), replace(STUDENT, user_id=4))
    assert await matchmaker.student_ready(4) is Outcome.WAITING
    clock.now = START + timedelta(hours=1)
    await add_people(sessions, replace(VOLUNTEER, user_id=2))
    assert await matchmaker.volunteer_ready(2) == 1  # Marc is offered student 4
    first = await open_proposal(sessions, 4)
    assert await matchmaker.student_ready(1) is Outcome.WAITING  # Marc has no room left
    assert await matchmaker.answer(first.id, 2, Answer.DECLINE, "profile") is Outcome.DECLINED
    assert (await open_proposal(sessions, 1)).volunteer_id == 2
