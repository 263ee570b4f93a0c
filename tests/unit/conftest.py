"""In-memory fakes of the domain's ports, for use-case tests without a database."""

from __future__ import annotations

import copy
import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from mentoring.model import Consent, Role, StudentProfile, User, VolunteerProfile
from mentoring.signup import Signup


class FakeDatabase:
    def __init__(self) -> None:
        self.users: dict[int, User] = {}
        self.consents: list[Consent] = []
        self.students: dict[int, StudentProfile] = {}
        self.volunteers: dict[int, VolunteerProfile] = {}
        self.erasures: dict[tuple[str, str], int] = {}


class FakeUnitOfWork:
    """Works on a copy of the database and publishes it on commit, like a transaction."""

    def __init__(self, db: FakeDatabase) -> None:
        self._db = db
        self.committed = False

    async def __aenter__(self) -> FakeUnitOfWork:
        self._work = copy.deepcopy(self._db)
        self.users = _Users(self._work)
        self.consents = _Consents(self._work)
        self.profiles = _Profiles(self._work)
        self.stats = _Stats(self._work)
        self.personal_data = _PersonalData(self._work)
        self.matching = _Matching(self._work)
        return self

    async def __aexit__(self, *exc: Any) -> None:
        return None

    async def commit(self) -> None:
        self._db.__dict__.update(copy.deepcopy(self._work).__dict__)
        self.committed = True


class _Matching:
    """Only what the sign-up use cases touch: who is reachable for proposals."""

    def __init__(self, db: FakeDatabase) -> None:
        self.db = db

    async def touch_volunteer(self, volunteer_id: int, now: Any) -> None:
        self.db.__dict__.setdefault("touched", []).append(volunteer_id)

    async def hurry_proposals_of(self, volunteer_id: int, now: Any) -> None:
        self.db.__dict__.setdefault("hurried", []).append(volunteer_id)


class _Users:
    def __init__(self, db: FakeDatabase) -> None:
        self.db = db

    async def get(self, user_id: int) -> User | None:
        return copy.deepcopy(self.db.users.get(user_id))

    async def add(self, user: User) -> None:
        assert user.id not in self.db.users
        self.db.users[user.id] = copy.deepcopy(user)

    async def update(self, user: User) -> None:
        self.db.users[user.id] = copy.deepcopy(user)



class _PersonalData:
    """The tables the fake database has, as storage.personal_data exports and erases them."""

    def __init__(self, db: FakeDatabase) -> None:
        self.db = db

    async def export(self, user_id: int) -> dict[str, list[dict[str, Any]]]:
        found = {"users": [self.db.users.get(user_id)],
                 "consents": [c for c in self.db.consents if c.user_id == user_id],
                 "student_profiles": [self.db.students.get(user_id)],
                 "volunteer_profiles": [self.db.volunteers.get(user_id)]}
        return {table: [dataclasses.asdict(r) for r in rows if r is not None]
                for table, rows in found.items()}

    async def erase(self, user_id: int, now: datetime) -> None:
        self.db.users.pop(user_id, None)
        self.db.students.pop(user_id, None)
        self.db.volunteers.pop(user_id, None)
        self.db.consents = [c for c in self.db.consents if c.user_id != user_id]


class _Consents:
    def __init__(self, db: FakeDatabase) -> None:
        self.db = db

    async def add(self, consent: Consent) -> None:
        self.db.consents.append(consent)

    async def for_user(self, user_id: int) -> list[Consent]:
        return [c for c in self.db.consents if c.user_id == user_id]


class _Profiles:
    def __init__(self, db: FakeDatabase) -> None:
        self.db = db

    async def student(self, user_id: int) -> StudentProfile | None:
        return copy.deepcopy(self.db.students.get(user_id))

    async def volunteer(self, user_id: int) -> VolunteerProfile | None:
        return copy.deepcopy(self.db.volunteers.get(user_id))

    async def save_student(self, profile: StudentProfile) -> None:
        self.db.volunteers.pop(profile.user_id, None)
        self.db.students[profile.user_id] = copy.deepcopy(profile)

    async def save_volunteer(self, profile: VolunteerProfile) -> None:
        self.db.students.pop(profile.user_id, None)
        self.db.volunteers[profile.user_id] = copy.deepcopy(profile)


class _Stats:
    def __init__(self, db: FakeDatabase) -> None:
        self.db = db

    async def count_erasure(self, role: Role | None, day: datetime) -> None:
        key = (day.date().isoformat(), role.value if role else "none")
        self.db.erasures[key] = self.db.erasures.get(key, 0) + 1


class FakeClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@pytest.fixture
def db() -> FakeDatabase:
    return FakeDatabase()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def signup(db: FakeDatabase, clock: FakeClock) -> Signup:
    return Signup(lambda: FakeUnitOfWork(db), clock, "fr")
