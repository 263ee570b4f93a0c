"""Webhook mode refuses to start without a secret Telegram can send back."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.config import Settings

URL = "https://binome.example.org/webhook"
GOOD = "A" * 16 + "b9_-" * 4  # 32 characters Telegram accepts


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


@pytest.mark.parametrize("secret", [None, "", "s3cret-Value_1", GOOD[:-1],
                                    GOOD[:-1] + "!", GOOD[:-1] + " "])
def test_webhook_mode_refuses_a_missing_short_or_invalid_secret(secret: str | None) -> None:
    with pytest.raises(ValidationError, match="WEBHOOK_SECRET must be at least 32 characters"):
        settings(webhook_url=URL, webhook_secret=secret)


def test_a_long_enough_secret_is_accepted_and_polling_needs_none() -> None:
    webhook = settings(webhook_url=URL, webhook_secret=GOOD)
    assert webhook.webhook_secret is not None
    assert webhook.webhook_secret.get_secret_value() == GOOD
    assert settings(webhook_secret=None).webhook_url is None


def test_the_command_says_what_to_set_and_exits_with_2(monkeypatch, tmp_path, capsys) -> None:
    from bot.cli import main

    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.setenv("WEBHOOK_URL", URL)
    monkeypatch.setenv("WEBHOOK_SECRET", "")
    assert main(["run"]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("binome: WEBHOOK_URL is set, so WEBHOOK_SECRET must be at least")
