"""Where a database still names a person, read from the schema alone (storage.tables'
metadata), never from storage.personal_data: a table or column that the list forgets is
scanned all the same."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from storage.tables import Base


def _walk(value: Any, path: str) -> Iterable[tuple[str, Any]]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _walk(key, f"{path}.<key>")
            yield from _walk(inner, f"{path}.{key}")
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _walk(inner, f"{path}[{index}]")
    else:
        yield path, value


async def traces(sessions: async_sessionmaker[Any], user_id: int,
                 texts: Iterable[str] = ()) -> list[str]:
    """Every value in any column of any table that names the person: an integer equal to
    their id (in a column or anywhere in JSON), or a string holding their id as a number or
    any of ``texts`` (what they wrote)."""
    number = re.compile(rf"(?<!\d){user_id}(?!\d)")
    texts = [t for t in texts if t]
    found: list[str] = []
    async with sessions() as session:
        for table in Base.metadata.sorted_tables:
            for row in (await session.execute(select(table))).mappings():
                for column in table.columns:
                    for path, value in _walk(row[column.name], f"{table.name}.{column.name}"):
                        if isinstance(value, bool) or value is None:
                            continue
                        if isinstance(value, int) and value == user_id:
                            found.append(f"{path} = {value}")
                        elif isinstance(value, str) and (
                                number.search(value) or any(t in value for t in texts)):
                            found.append(f"{path} = {value!r}")
    return found
