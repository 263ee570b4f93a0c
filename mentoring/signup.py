"""Sign-up, profile and privacy use cases: what happens when someone talks to the bot."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from mentoring.errors import UnknownUser
from mentoring.form import Draft
from mentoring.model import (
    PRIVACY_NOTICE_VERSION,
    Consent,
    Profile,
    Role,
    StudentProfile,
    User,
)
from mentoring.ports import Clock, UnitOfWork
from mentoring.vetting import Status

SUPPORTED_LANGUAGES = ("fr", "en")


def language_from_telegram(language_code: str | None, default: str) -> str:
    """The catalogue language to start with, from the language Telegram reports."""
    if language_code:
        base = language_code.split("-")[0].lower()
        if base in SUPPORTED_LANGUAGES:
            return base
    return default


class Signup:
    """Use cases of sign-up and of the user's own data. One unit of work per call."""

    def __init__(self, uow: Callable[[], UnitOfWork], clock: Clock, default_language: str,
                 *, approval_required: bool = False) -> None:
        self._uow = uow
        self._clock = clock
        self._default_language = default_language
        self._approval_required = approval_required

    async def greet(
        self,
        user_id: int,
        *,
        telegram_name: str | None,
        username: str | None,
        language_code: str | None,
        source: str | None,
    ) -> tuple[User, bool]:
        """Record a /start. Returns the user and whether they are new.

        The sign-up source is kept from the first /start only, so a later link shared by a
        friend does not rewrite where the person really came from.
        """
        async with self._uow() as uow:
            user = await uow.users.get(user_id)
            if user is None:
                user = User(
                    id=user_id,
                    language=language_from_telegram(language_code, self._default_language),
                    created_at=self._clock(),
                    telegram_name=telegram_name,
                    username=username,
                    source=source,
                )
                await uow.users.add(user)
                await uow.commit()
                return user, True
            changed = (user.telegram_name, user.username) != (telegram_name, username)
            user.telegram_name, user.username = telegram_name, username
            if user.source is None and source:
                user.source, changed = source, True
            if user.blocked:
                user.blocked, changed = False, True
                await uow.matching.touch_volunteer(user_id, self._clock())
            if changed:
                await uow.users.update(user)
                await uow.commit()
            return user, False

    async def user(self, user_id: int) -> User | None:
        async with self._uow() as uow:
            return await uow.users.get(user_id)

    async def set_language(self, user_id: int, language: str) -> None:
        if language not in SUPPORTED_LANGUAGES:
            raise ValueError(language)
        async with self._uow() as uow:
            user = await self._existing(uow, user_id)
            user.language = language
            await uow.users.update(user)
            await uow.commit()

    async def set_blocked(self, user_id: int, blocked: bool) -> None:
        """Remember that the user blocked (or unblocked) the bot, so nothing is sent in vain."""
        async with self._uow() as uow:
            user = await uow.users.get(user_id)
            if user is None or user.blocked == blocked:
                return
            user.blocked = blocked
            await uow.users.update(user)
            if blocked:  # a proposal waiting for their answer moves on at the next tick
                await uow.matching.hurry_proposals_of(user_id, self._clock())
            await uow.matching.touch_volunteer(user_id, self._clock())
            await uow.commit()

    async def choose_role(self, user_id: int, role: Role) -> None:
        async with self._uow() as uow:
            user = await self._existing(uow, user_id)
            user.role = role
            await uow.users.update(user)
            await uow.commit()

    async def consent(self, user_id: int) -> Consent:
        """Record acceptance of the current privacy notice."""
        async with self._uow() as uow:
            await self._existing(uow, user_id)
            consent = Consent(user_id, PRIVACY_NOTICE_VERSION, self._clock())
            await uow.consents.add(consent)
            await uow.commit()
            return consent

    async def has_current_consent(self, user_id: int) -> bool:
        async with self._uow() as uow:
            consents = await uow.consents.for_user(user_id)
        return any(c.notice_version == PRIVACY_NOTICE_VERSION for c in consents)

    async def profile(self, user_id: int) -> Profile | None:
        async with self._uow() as uow:
            return await _profile(uow, user_id)

    async def save(self, user_id: int, draft: Draft) -> Profile:
        """Save a complete draft as the user's profile (new or edited).

        Raises SignupIncomplete when an answer is missing, so nothing half-filled is saved.
        """
        now = self._clock()
        async with self._uow() as uow:
            user = await self._existing(uow, user_id)
            previous = await _profile(uow, user_id)
            profile: Profile
            if draft.role is Role.STUDENT:
                profile = draft.to_student(user_id, now)
                if previous is not None:
                    profile.completed_at = previous.completed_at
                await uow.profiles.save_student(profile)
            else:
                profile = draft.to_volunteer(user_id, now)
                if previous is not None:
                    profile.completed_at = previous.completed_at
                await uow.profiles.save_volunteer(profile)
                # In the same transaction: a volunteer is never without a vetting record,
                # so never proposed before staff approve them.
                await uow.vetting.add_if_missing(
                    user_id, Status.PENDING if self._approval_required else Status.APPROVED,
                    now)
            user.role = draft.role
            await uow.users.update(user)
            await uow.commit()
            return profile

    async def personal_data(self, user_id: int, draft: Draft | None) -> dict[str, Any]:
        """Everything held about the user, table by table, ready to be written out as JSON.

        Raises UnknownUser when nothing is held."""
        async with self._uow() as uow:
            await self._existing(uow, user_id)
            tables = await uow.personal_data.export(user_id)
        return {
            "user_id": user_id,
            "exported_at": self._clock().isoformat(),
            "tables": tables,
            "sign_up_in_progress": draft.to_dict() if draft else None,
        }

    async def refuse_underage(self, user_id: int) -> None:
        """Someone too young to sign up: nothing of them is kept, not even the /start."""
        async with self._uow() as uow:
            if await uow.users.get(user_id) is None:
                return
            await uow.personal_data.erase(user_id, self._clock())
            await uow.commit()

    async def erase(self, user_id: int) -> bool:
        """Erase everything held about the user, in one transaction; keep one anonymous
        count. False if unknown."""
        now = self._clock()
        async with self._uow() as uow:
            user = await uow.users.get(user_id)
            if user is None:
                return False
            await uow.personal_data.erase(user_id, now)
            await uow.stats.count_erasure(user.role, now)
            await uow.commit()
            return True

    @staticmethod
    async def _existing(uow: UnitOfWork, user_id: int) -> User:
        user = await uow.users.get(user_id)
        if user is None:
            raise UnknownUser(str(user_id))
        return user


async def _profile(uow: UnitOfWork, user_id: int) -> Profile | None:
    student: StudentProfile | None = await uow.profiles.student(user_id)
    if student is not None:
        return student
    return await uow.profiles.volunteer(user_id)


def now_utc() -> datetime:
    """The real clock, for production wiring."""
    from datetime import UTC

    return datetime.now(UTC)
