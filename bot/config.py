"""Settings, read once from the environment and an optional ``.env`` file."""

from __future__ import annotations

import re
from datetime import time, timedelta
from typing import Annotated, Literal, Self
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from mentoring.followup import FollowUpPolicy
from mentoring.keeping_in_touch import KeepingPolicy
from mentoring.matching.scoring import Weights
from mentoring.matchmaking import MatchingPolicy
from mentoring.quiet_hours import QuietHours
from mentoring.vetting import Safeguarding

DEFAULT_API_URL = "https://api.telegram.org"
WEBHOOK_SECRET_MIN_LENGTH = 32
# What Telegram accepts as a webhook's secret_token.
_WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


class Settings(BaseSettings):
    """Everything an operator can set; see ``.env.example`` for the documented list."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: SecretStr | None = None
    telegram_api_url: str = DEFAULT_API_URL
    database_url: str = "sqlite+aiosqlite:///binome.db"
    redis_url: str | None = None
    staff_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    timezone: str = "Europe/Paris"
    default_language: str = "fr"
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_host: str = "127.0.0.1"
    webhook_port: int = 8443
    send_rate: float = Field(default=25.0, gt=0, le=30)
    sandbox_host: str = "127.0.0.1"
    sandbox_port: int = 8080
    log_level: str = "INFO"
    log_format: Literal["plain", "json"] = "plain"
    health_port: int | None = None
    proposal_answer_hours: float = Field(default=72, gt=0)
    not_now_pause_days: int = Field(default=28, ge=1)
    matching_interval_minutes: int = Field(default=60, ge=1)
    weight_field: float = Field(default=0.35, ge=0)
    weight_place: float = Field(default=0.25, ge=0)
    weight_needs: float = Field(default=0.30, ge=0)
    weight_availability: float = Field(default=0.10, ge=0)

    quiet_start: time = time(20, 0)
    quiet_end: time = time(9, 0)
    quiet_sundays: bool = True
    first_exchange_days: int = Field(default=3, ge=1)
    nudge_after_periods: int = Field(default=1, ge=1)
    second_nudge_after_periods: int = Field(default=2, ge=1)
    alert_after_periods: int = Field(default=3, ge=1)
    programme_months: int = Field(default=6, ge=1)
    volunteer_approval: Literal["required", "off"] = "required"
    min_age: int = Field(default=16, ge=13, le=25)
    check_valid_months: int = Field(default=12, ge=2, le=120)

    def safeguarding(self) -> Safeguarding:
        return Safeguarding(approval_required=self.volunteer_approval == "required",
                            min_age=self.min_age, check_valid_months=self.check_valid_months)

    def follow_up_policy(self) -> FollowUpPolicy:
        return FollowUpPolicy(
            first_exchange_after=timedelta(days=self.first_exchange_days),
            nudge_after_periods=self.nudge_after_periods,
            second_nudge_after_periods=self.second_nudge_after_periods,
            alert_after_periods=self.alert_after_periods,
            programme_length=timedelta(days=round(self.programme_months * 30.4)),
        )

    def keeping_policy(self) -> KeepingPolicy:
        return KeepingPolicy(
            follow_up=self.follow_up_policy(),
            quiet=QuietHours(start=self.quiet_start, end=self.quiet_end,
                             sundays_off=self.quiet_sundays),
            zone=self.timezone,
        )

    def matching_policy(self) -> MatchingPolicy:
        """Matching rules from the settings; weights are rescaled to add up to 1."""
        weights = (self.weight_field, self.weight_place, self.weight_needs,
                   self.weight_availability)
        total = sum(weights) or 1.0
        field, place, needs, availability = (w / total for w in weights)
        return MatchingPolicy(
            answer_within=timedelta(hours=self.proposal_answer_hours),
            pause_when_not_now=timedelta(days=self.not_now_pause_days),
            weights=Weights(field=field, place=place, needs=needs, availability=availability),
            follow_up=self.follow_up_policy(),
            safeguarding=self.safeguarding(),
        )

    @field_validator("staff_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(int(part) for part in value.replace(" ", "").split(",") if part)
        if isinstance(value, int):
            return frozenset({value})
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        ZoneInfo(value)  # raises for an unknown zone, so a typo fails at start-up
        return value

    @field_validator("default_language")
    @classmethod
    def _supported_language(cls, value: str) -> str:
        if value not in ("fr", "en"):
            raise ValueError("DEFAULT_LANGUAGE must be fr or en")
        return value

    @model_validator(mode="after")
    def _webhook_needs_a_secret(self) -> Self:
        """Without a secret, anyone who finds the webhook's address can post forged updates
        (a /delete in someone's name). The secret is the operator's rather than generated at
        start-up so that several workers behind one address share it: each registering its
        own would make Telegram's posts fail on all but the last one started."""
        if not self.webhook_url:
            return self
        secret = self.webhook_secret.get_secret_value() if self.webhook_secret else ""
        if len(secret) < WEBHOOK_SECRET_MIN_LENGTH or not _WEBHOOK_SECRET.fullmatch(secret):
            raise ValueError(
                f"WEBHOOK_URL is set, so WEBHOOK_SECRET must be at least "
                f"{WEBHOOK_SECRET_MIN_LENGTH} characters of letters, digits, _ and - "
                f"(make one with: python3 -c 'import secrets; print(secrets.token_urlsafe(32))')")
        return self

    @field_validator("redis_url", "webhook_url", "bot_token", "webhook_secret", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value == "" else value
