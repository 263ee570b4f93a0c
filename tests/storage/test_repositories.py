"""The repositories and the conversation storage, on SQLite or PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from aiogram.fsm.storage.base import StorageKey
from sqlalchemy import func, select

from mentoring.model import Consent, Role, StudentProfile, User, VolunteerProfile
from storage.conversations import DatabaseStorage
from storage.database import make_engine, make_sessionmaker
from storage.tables import ConversationStateRow, ErasureCountRow
from storage.uow import SqlUnitOfWork

NOW = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[object]:
    engine = make_engine(database_url)
    yield make_sessionmaker(engine)
    await engine.dispose()


def student(user_id: int) -> StudentProfile:
    return StudentProfile(
        user_id=user_id, first_name="Léa", field="law", level="l2", department="69",
        postal_code="69003", needs=["cv", "exams"], languages=["fr"],
        availability=["weekday_evening"], goals="Réussir mes partiels", completed_at=NOW,
    )


def volunteer(user_id: int) -> VolunteerProfile:
    return VolunteerProfile(
        user_id=user_id, first_name="Marc", profession="Avocat", sector="law", field="law",
        help_families=["law"], department="75", postal_code=None, remote=True,
        skills=["cv", "oral"], languages=["fr", "en"], capacity=2,
        availability=["saturday"], bio="Avocat depuis dix ans.", completed_at=NOW,
    )


async def test_user_round_trip_keeps_every_attribute_and_utc_times(sessions) -> None:
    user = User(id=8_000_000_001, language="fr", created_at=NOW, telegram_name="Léa B",
                username="lea", role=Role.STUDENT, source="lycee-jaures")
    async with SqlUnitOfWork(sessions) as uow:
        await uow.users.add(user)
        await uow.commit()
    async with SqlUnitOfWork(sessions) as uow:
        loaded = await uow.users.get(user.id)
    assert loaded == user
    assert loaded is not None and loaded.created_at.tzinfo is not None


async def test_uncommitted_work_is_rolled_back(sessions) -> None:
    async with SqlUnitOfWork(sessions) as uow:
        await uow.users.add(User(id=5, language="en", created_at=NOW))
    async with SqlUnitOfWork(sessions) as uow:
        assert await uow.users.get(5) is None


async def test_profiles_replace_each_other_when_the_role_changes(sessions) -> None:
    async with SqlUnitOfWork(sessions) as uow:
        await uow.users.add(User(id=7, language="fr", created_at=NOW))
        await uow.profiles.save_student(student(7))
        await uow.commit()
    async with SqlUnitOfWork(sessions) as uow:
        assert await uow.profiles.student(7) == student(7)
        await uow.profiles.save_volunteer(volunteer(7))
        await uow.commit()
    async with SqlUnitOfWork(sessions) as uow:
        assert await uow.profiles.student(7) is None
        assert await uow.profiles.volunteer(7) == volunteer(7)


async def test_deleting_a_user_erases_profile_and_consents(sessions) -> None:
    async with SqlUnitOfWork(sessions) as uow:
        await uow.users.add(User(id=9, language="fr", created_at=NOW, role=Role.STUDENT))
        await uow.profiles.save_student(student(9))
        await uow.consents.add(Consent(9, "2026-11", NOW))
        await uow.commit()
    async with SqlUnitOfWork(sessions) as uow:
        assert [c.notice_version for c in await uow.consents.for_user(9)] == ["2026-11"]
        await uow.personal_data.erase(9, NOW)
        await uow.stats.count_erasure(Role.STUDENT, NOW)
        await uow.stats.count_erasure(Role.STUDENT, NOW + timedelta(minutes=5))
        await uow.commit()
    async with SqlUnitOfWork(sessions) as uow:
        assert await uow.users.get(9) is None
        assert await uow.profiles.student(9) is None
        assert await uow.consents.for_user(9) == []
    async with sessions() as session:
        counts = (await session.scalars(select(ErasureCountRow))).all()
    assert [(c.role, c.count) for c in counts] == [("student", 2)]


async def test_conversation_state_survives_a_new_storage_and_is_dropped_when_empty(
        sessions) -> None:
    key = StorageKey(bot_id=1, chat_id=42, user_id=42)
    first = DatabaseStorage(sessions)
    await first.set_state(key, "Form:answering")
    await first.set_data(key, {"draft": {"role": "student", "answers": {"first_name": "Léa"}}})
    second = DatabaseStorage(sessions)  # as after a restart
    assert await second.get_state(key) == "Form:answering"
    assert (await second.get_data(key))["draft"]["answers"] == {"first_name": "Léa"}
    assert await second.update_data(key, {"step": "field"}) == {
        "draft": {"role": "student", "answers": {"first_name": "Léa"}}, "step": "field"}
    await second.set_state(key, None)
    await second.set_data(key, {})
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ConversationStateRow)) == 0
    assert await second.get_state(key) is None
    assert await second.get_data(key) == {}
