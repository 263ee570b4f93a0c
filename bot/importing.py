"""``binome import`` and ``binome export``: participants in from a spreadsheet, the
programme's data out to a directory."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from bot.app import build_runtime
from bot.config import Settings
from mentoring.importing import Decision, ParsedFile, Problem, parse_csv
from mentoring.model import Role
from mentoring.signup import now_utc
from mentoring.staff import EXPORT_ENCODING, export_filename
from storage.importing import ImportConflict, SqlImport
from storage.migrate import upgrade_async

CLI_ACTOR = 0
"""The actor written to the audit log for what an operator does on the command line."""

SHOWN_PROBLEMS = 500


async def run_import(settings: Settings, role: Role, path: Path, data: bytes, *,
                     dry_run: bool, skip_invalid: bool, update: bool) -> int:
    """Check a CSV file of students or volunteers and import it. Prints what happened;
    returns the exit status: 0 when every row is imported (or, with ``dry_run``, would
    be), 1 when a problem was found (with ``skip_invalid`` the valid rows are written
    anyway). ``data`` is the content of the file at ``path``."""
    await upgrade_async(settings.database_url)
    runtime = build_runtime(settings)
    try:
        translations = [t.gettext for t in runtime.i18n.locales.values()]
        parsed = parse_csv(data, role, translations, today=now_utc().date(),
                           min_age=settings.min_age)
        store = SqlImport(runtime.sessions, default_language=settings.default_language,
                          availability_every=settings.follow_up_policy().availability_every,
                          approval_required=settings.volunteer_approval == "required")
        try:
            decision, written = await store.run(parsed, now_utc(), update=update,
                                                dry_run=dry_run, skip_invalid=skip_invalid)
        except ImportConflict:
            print("Nothing was imported: someone signed up in the bot during the import. "
                  "Run the command again.")
            return 1
    finally:
        await runtime.close()
    print_report(path, parsed, decision, written, dry_run=dry_run, skip_invalid=skip_invalid)
    return 1 if parsed.problems or decision.problems else 0


def print_report(path: Path, parsed: ParsedFile, decision: Decision, written: bool, *,
                 dry_run: bool, skip_invalid: bool) -> None:
    people = f"{parsed.role.value}s"
    delimiter = {",": "comma", ";": "semicolon", "\t": "tab"}[parsed.delimiter]
    print(f"{path.name}: {parsed.read} {people} read ({delimiter}-separated).")
    problems = sorted([*parsed.problems, *decision.problems], key=lambda p: p.line)
    for note in parsed.notes:
        print(f"note: {note}")
    for problem in problems[:SHOWN_PROBLEMS]:
        print(problem)
    if len(problems) > SHOWN_PROBLEMS:
        print(f"... and {len(problems) - SHOWN_PROBLEMS} more problems.")
    lines = sorted({p.line for p in problems})
    valid = len(decision.create) + len(decision.update)
    if problems:
        print(_count(len(problems), "problem") + " on " + _count(len(lines), "line") + ".")
    if parsed.fatal:
        print("Nothing was imported: the file cannot be read as a whole.")
        return
    counts = f"{len(decision.create)} new, {len(decision.update)} updated"
    if dry_run:
        print(f"Dry run: {valid} {people} would be imported ({counts}); nothing was written.")
        if problems and not skip_invalid:
            print("Without --skip-invalid nothing would be imported until every problem "
                  "is fixed.")
    elif written:
        print(f"Imported {valid} {people} ({counts}).")
        if problems:
            print("Skipped lines: " + _ranges(_skipped(problems)) + ".")
    elif valid:
        print(f"Nothing was imported. Fix the problems and run the command again, or use "
              f"--skip-invalid to import the {_count(valid, 'valid row')} only.")
    else:
        print("Nothing was imported: no row is valid. Fix the problems and run the command "
              "again.")


def _skipped(problems: list[Problem]) -> list[int]:
    return sorted({p.line for p in problems if p.line > 1})


def _ranges(lines: list[int], shown: int = 50) -> str:
    """Sorted line numbers as ranges: "2-5, 9, 12-40"; only the first ``shown`` ranges."""
    ranges: list[list[int]] = []
    for line in lines:
        if ranges and line == ranges[-1][1] + 1:
            ranges[-1][1] = line
        else:
            ranges.append([line, line])
    text = ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in ranges[:shown])
    return text + (f" and {len(ranges) - shown} more ranges" if len(ranges) > shown else "")


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


async def export_files(settings: Settings) -> dict[str, str]:
    """The CSV texts that the staff's /export sends, by kind (the export is audited)."""
    await upgrade_async(settings.database_url)
    runtime = build_runtime(settings)
    try:
        return await runtime.staff.export(CLI_ACTOR)
    finally:
        await runtime.close()


def write_export(directory: Path, files: dict[str, str]) -> list[tuple[Path, int]]:
    """Write the export files into ``directory`` under the names /export gives them: the
    files written and their number of rows."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for kind, content in files.items():
        target = directory / export_filename(kind)
        target.write_bytes(content.encode(EXPORT_ENCODING))
        rows = max(0, len(list(csv.reader(io.StringIO(content)))) - 1)
        written.append((target, rows))
    return written
