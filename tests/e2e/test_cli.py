"""The operator's commands: migrate, match --dry-run, tick --at."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow


def binome(*args: str, database_url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url, "BOT_TOKEN": "", "LOG_LEVEL": "WARNING"}
    return subprocess.run([sys.executable, "-m", "bot", *args], env=env, capture_output=True,
                          text=True, timeout=120, check=False)


def test_operator_commands(tmp_path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'ops.db'}"
    assert binome("migrate", database_url=url).stdout.strip() == "Database is up to date."
    dry = binome("match", "--dry-run", "--seconds", "5", database_url=url)
    assert dry.returncode == 0 and "students waiting" in dry.stdout and "dry run" in dry.stdout
    tick = binome("tick", "--at", "2026-12-01T09:00+01:00", database_url=url)
    assert tick.stdout.strip() == "expired: 0, reminded: 0, follow_ups: 0, broadcasts: 0"
    naive = binome("tick", "--at", "2026-12-01T09:00", database_url=url)
    assert naive.returncode == 2 and "time zone" in naive.stderr
