"""The people of the programme and what they told us."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

PRIVACY_NOTICE_VERSION = "2026-11"
"""Bump when the privacy notice changes: consents name the version the user accepted."""


class Role(StrEnum):
    STUDENT = "student"
    VOLUNTEER = "volunteer"


@dataclass
class User:
    """Someone who started the bot. ``id`` is their Telegram user id."""

    id: int
    language: str
    created_at: datetime
    telegram_name: str | None = None
    username: str | None = None
    role: Role | None = None
    source: str | None = None
    blocked: bool = False


@dataclass(frozen=True)
class Consent:
    """A user's acceptance of one version of the privacy notice."""

    user_id: int
    notice_version: str
    accepted_at: datetime


@dataclass
class StudentProfile:
    user_id: int
    first_name: str
    field: str
    level: str
    department: str
    postal_code: str | None
    needs: list[str]
    languages: list[str]
    availability: list[str]
    goals: str
    completed_at: datetime
    birth_year: int | None = None
    """None for profiles made before the question was asked."""


@dataclass
class VolunteerProfile:
    user_id: int
    first_name: str
    profession: str
    sector: str
    field: str
    help_families: list[str]
    department: str
    postal_code: str | None
    remote: bool
    skills: list[str]
    languages: list[str]
    capacity: int
    availability: list[str]
    bio: str
    completed_at: datetime
    paused_until: datetime | None = None


Profile = StudentProfile | VolunteerProfile
