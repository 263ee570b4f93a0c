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
    assert tick.stdout.strip() == ("expired: 0, reminded: 0, follow_ups: 0, broadcasts: 0, "
                                   "relay_purged: 0, check_renewals: 0, check_expired_pairs: 0")
    naive = binome("tick", "--at", "2026-12-01T09:00", database_url=url)
    assert naive.returncode == 2 and "time zone" in naive.stderr


STUDENTS = ("telegram_id;first_name;language;field;level;place;needs;languages;availability;"
            "goals\n"
            "5550001;Léa;fr;Droit;Licence 2 (L2);69003;cv;fr;samedi;Réussir mes partiels\n"
            "5550002;Tom;en;Law;L5;Narnia;cv;fr;saturday;Find an internship\n"
            "5550003;Inès;fr;droit;L1;Lyon;cv;fr;saturday;Trouver un stage en cabinet\n")


def test_import_and_export_commands(tmp_path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'import.db'}"
    students = tmp_path / "students.csv"
    students.write_bytes(b"\xef\xbb\xbf" + STUDENTS.encode())

    refused = binome("import", "students", str(students), database_url=url)
    assert refused.returncode == 1, refused.stderr
    assert refused.stdout.splitlines() == [
        "students.csv: 3 students read (semicolon-separated).",
        'line 3: level "L5" is not one of: lycee, cap_bep, bac_pro, bts_but, licence_1, '
        "licence_2, licence_3, master_1, master_2, prepa, grande_ecole, doctorate, "
        "not_studying (a code, or its label in French or English)",
        'line 3: place "Narnia" is not a postal code, department number, department name or '
        "large city we know",
        "2 problems on 1 line.",
        "Nothing was imported. Fix the problems and run the command again, or use "
        "--skip-invalid to import the 2 valid rows only.",
    ]
    dry = binome("import", "students", str(students), "--dry-run", "--skip-invalid",
                 database_url=url)
    assert "Dry run: 2 students would be imported (2 new, 0 updated)" in dry.stdout

    skipped = binome("import", "students", str(students), "--skip-invalid", database_url=url)
    assert skipped.returncode == 1
    assert skipped.stdout.splitlines()[-2:] == ["Imported 2 students (2 new, 0 updated).",
                                                "Skipped lines: 3."]
    again = binome("import", "students", str(students), "--skip-invalid", database_url=url)
    assert "line 2: telegram_id 5550001 already has a student profile" in again.stdout
    assert "Imported 0 students" in again.stdout

    match = binome("match", "--dry-run", "--seconds", "2", database_url=url)
    assert "students waiting" in match.stdout and "│       2 │" in match.stdout

    exported = binome("export", "--to", str(tmp_path / "out"), database_url=url)
    assert exported.returncode == 0, exported.stderr
    assert [line.rsplit("/", 1)[-1] for line in exported.stdout.splitlines()] == [
        "binome-students.csv (2 rows)", "binome-volunteers.csv (0 rows)",
        "binome-pairs.csv (0 rows)", "binome-checkins.csv (0 rows)"]
    assert "Inès" in (tmp_path / "out" / "binome-students.csv").read_text("utf-8-sig")

    missing = binome("import", "volunteers", str(tmp_path / "nope.csv"), database_url=url)
    assert missing.returncode == 2 and "no such file" in missing.stderr
