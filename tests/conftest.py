"""Fixtures shared by every test: a fresh database, SQLite by default or PostgreSQL when
``TEST_DATABASE_URL`` names one."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text

from storage.database import make_engine
from storage.tables import Base

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "")


@pytest.fixture
async def database_url(tmp_path: Path) -> AsyncIterator[str]:
    """An empty database with the current schema, for one test."""
    if POSTGRES_URL:
        engine = make_engine(POSTGRES_URL)
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.drop_all)
            await connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
            await connection.run_sync(Base.metadata.create_all)
        await engine.dispose()
        yield POSTGRES_URL
        return
    url = f"sqlite+aiosqlite:///{tmp_path / 'binome.db'}"
    engine = make_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    await engine.dispose()
    yield url
