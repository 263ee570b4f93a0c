"""Settings as an operator writes them."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_settings_copied_from_the_example_run_against_the_sandbox() -> None:
    from bot.config import Settings

    settings = Settings(_env_file=ROOT / ".env.example")  # type: ignore[call-arg]
    assert settings.bot_token is None and settings.redis_url is None
    assert settings.webhook_url is None and settings.webhook_secret is None
    assert settings.matching_policy().weights.field == pytest.approx(0.35)

