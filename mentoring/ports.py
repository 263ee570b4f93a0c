"""What the domain needs from the outside world, as Protocols the adapters implement."""

from __future__ import annotations

from datetime import datetime
from types import TracebackType
from typing import Protocol

from mentoring.model import Consent, Role, StudentProfile, User, VolunteerProfile


class Clock(Protocol):
    def __call__(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...


class UserRepository(Protocol):
    async def get(self, user_id: int) -> User | None: ...
    async def add(self, user: User) -> None: ...
    async def update(self, user: User) -> None: ...
    async def delete(self, user_id: int) -> None: ...


class ConsentRepository(Protocol):
    async def add(self, consent: Consent) -> None: ...
    async def for_user(self, user_id: int) -> list[Consent]: ...


class ProfileRepository(Protocol):
    async def student(self, user_id: int) -> StudentProfile | None: ...
    async def volunteer(self, user_id: int) -> VolunteerProfile | None: ...
    async def save_student(self, profile: StudentProfile) -> None: ...
    async def save_volunteer(self, profile: VolunteerProfile) -> None: ...


class StatsRepository(Protocol):
    async def count_erasure(self, role: Role | None, day: datetime) -> None:
        """Remember, anonymously, that one account was erased on ``day``."""
        ...


class UnitOfWork(Protocol):
    users: UserRepository
    consents: ConsentRepository
    profiles: ProfileRepository
    stats: StatsRepository

    async def __aenter__(self) -> UnitOfWork: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None: ...
