"""Every migration goes up and down cleanly, and the last one matches the tables in code."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from storage.database import make_engine
from storage.migrate import alembic_config, downgrade, upgrade
from storage.tables import Base


@pytest.fixture
def empty_url(tmp_path: Path) -> str:
    url = os.environ.get("TEST_DATABASE_URL") or f"sqlite+aiosqlite:///{tmp_path / 'm.db'}"
    asyncio.run(_drop_everything(url))
    return url


async def _drop_everything(url: str) -> None:
    engine = make_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.drop_all)
        await connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    await engine.dispose()


def _revisions(url: str) -> list[str]:
    script = ScriptDirectory.from_config(alembic_config(url))
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def test_stairway_up_and_down_every_revision(empty_url: str) -> None:
    revisions = _revisions(empty_url)
    assert revisions, "no migrations found"
    for index, revision in enumerate(revisions):
        upgrade(empty_url, revision)
        downgrade(empty_url, revisions[index - 1] if index else "base")
        upgrade(empty_url, revision)
    downgrade(empty_url, "base")
    assert asyncio.run(_tables(empty_url)) <= {"alembic_version"}


def test_head_matches_the_tables_in_code(empty_url: str) -> None:
    upgrade(empty_url)
    assert asyncio.run(_differences(empty_url)) == []


async def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    async with engine.connect() as connection:
        names = await connection.run_sync(
            lambda sync: set(sync.dialect.get_table_names(sync)))
    await engine.dispose()
    return names


async def _differences(url: str) -> list[object]:
    engine = make_engine(url)
    async with engine.connect() as connection:
        diff = await connection.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata))
    await engine.dispose()
    return diff
