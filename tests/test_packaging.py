"""The built wheel stands on its own: installed with the locked dependencies in a fresh
environment, away from the checkout, it answers --help, migrates a database and speaks French."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from bot.i18n import make_i18n
from storage.migrate import alembic_config

CHECKOUT = Path(__file__).resolve().parents[1]
SENTENCE = "Thank you! We will propose you a student as soon as one fits."

# Run by the installed interpreter: where the package was imported from, the sentence in
# French, and whether the sandbox's web page came along.
PROBE = f"""
from pathlib import Path
import bot.i18n, sandbox
print(bot.i18n.__file__)
print((Path(sandbox.__file__).parent / "web" / "index.html").is_file())
print(bot.i18n.make_i18n().gettext({SENTENCE!r}, locale="fr"))
"""


def run(args: list[str | Path], cwd: Path, env: dict[str, str] | None = None,
        ) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([str(arg) for arg in args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 0, f"{args} failed:\n{done.stdout}\n{done.stderr}"
    return done


def pins(lock: Path) -> dict[str, Version]:
    found = re.findall(r"^([A-Za-z0-9._-]+)==([^\s;\\]+)", lock.read_text(), re.MULTILINE)
    return {canonicalize_name(name): Version(version) for name, version in found}


def test_the_locks_hold_what_pyproject_asks_for() -> None:
    project = tomllib.loads((CHECKOUT / "pyproject.toml").read_text())
    runtime = pins(CHECKOUT / "requirements.txt")
    development = pins(CHECKOUT / "requirements-dev.txt")
    wanted = [(runtime, spec) for spec in project["project"]["dependencies"]] + [
        (development, spec) for spec in [*project["project"]["optional-dependencies"]["dev"],
                                         *project["build-system"]["requires"]]]
    unlocked = []
    for lock, spec in wanted:
        requirement = Requirement(spec)
        version = lock.get(canonicalize_name(requirement.name))
        if version is None or not requirement.specifier.contains(version, prereleases=True):
            unlocked.append(spec)
    assert not unlocked, f"pyproject.toml asks for {unlocked}: run `make lock`"
    differing = {name for name, version in runtime.items() if development.get(name) != version}
    assert not differing, f"the two locks disagree on {sorted(differing)}: run `make lock`"


def test_a_missing_catalogue_is_an_error(tmp_path: Path) -> None:
    # Rather than a bot that silently speaks English only.
    with pytest.raises(RuntimeError, match="no binome catalogue"):
        make_i18n(path=tmp_path)


@pytest.mark.slow
def test_installed_wheel_works_outside_the_checkout(tmp_path: Path) -> None:
    # Build from a copy: setuptools reuses build/ in the source tree, and a file left there by
    # an older build would end up in the wheel and hide a missing one.
    source = tmp_path / "source"
    shutil.copytree(CHECKOUT, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", "tests",
        "bench", "docs", "*.db"))
    wheels = tmp_path / "wheels"
    pip = [sys.executable, "-m", "pip"]
    # The build requirements are in the development lock, so no download is needed here.
    run([*pip, "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", wheels, source],
        cwd=tmp_path)
    (wheel,) = wheels.glob("binome-*.whl")

    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", venv], cwd=tmp_path)
    python = venv / "bin" / "python"
    target = [*pip, "--python", python]
    run([*target, "install", "-q", "--no-compile", "--require-hashes", "-r",
         CHECKOUT / "requirements.txt"], cwd=tmp_path)
    run([*target, "install", "-q", "--no-compile", "--no-deps", wheel], cwd=tmp_path)
    # Fails when pyproject.toml needs something that requirements.txt does not lock.
    run([*target, "check"], cwd=tmp_path)

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    database = elsewhere / "binome.db"
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path),
           "DATABASE_URL": f"sqlite+aiosqlite:///{database}", "BOT_TOKEN": "",
           "LOG_LEVEL": "WARNING"}
    binome = venv / "bin" / "binome"

    assert "migrate" in run([binome, "--help"], cwd=elsewhere, env=env).stdout
    assert run([binome, "migrate"], cwd=elsewhere, env=env).stdout.strip() == (
        "Database is up to date.")
    with sqlite3.connect(database) as connection:
        (revision,) = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    assert revision == ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()

    imported_from, web_page, french = run(
        [python, "-c", PROBE], cwd=elsewhere, env=env).stdout.splitlines()
    assert Path(imported_from).is_relative_to(venv), imported_from
    assert web_page == "True"
    expected = make_i18n().gettext(SENTENCE, locale="fr")
    assert expected != SENTENCE
    assert french == expected
