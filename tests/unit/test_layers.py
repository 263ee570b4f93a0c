"""Dependencies point one way: the domain knows nothing of Telegram, databases or timers,
and only ``bot`` wires the layers together."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OURS = {"mentoring", "storage", "handlers", "scheduler", "bot", "sandbox"}
ALLOWED = {
    "mentoring": {"mentoring"},
    "storage": {"mentoring", "storage"},
    "handlers": {"mentoring", "handlers"},
    "scheduler": {"mentoring", "scheduler"},
    "sandbox": {"sandbox"},
    "bot": OURS,
}
FORBIDDEN_IN_DOMAIN = {"aiogram", "sqlalchemy", "apscheduler", "aiohttp", "alembic", "redis"}


def imports_of(package: str) -> list[tuple[str, str]]:
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found += [(str(path.relative_to(ROOT)), alias.name) for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.append((str(path.relative_to(ROOT)), node.module))
    return found


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_layers_import_only_what_they_may(package: str) -> None:
    wrong = [(where, name) for where, name in imports_of(package)
             if name.split(".")[0] in OURS and name.split(".")[0] not in ALLOWED[package]]
    assert wrong == []


def test_the_domain_imports_no_framework() -> None:
    wrong = [(where, name) for where, name in imports_of("mentoring")
             if name.split(".")[0] in FORBIDDEN_IN_DOMAIN]
    assert wrong == []


def test_the_check_sees_imports() -> None:
    # Guard against a walker that finds nothing and so passes vacuously.
    assert ("bot/app.py", "handlers") in imports_of("bot")

