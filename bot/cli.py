"""The ``binome`` command (also ``python -m bot``)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from bot.config import Settings
from bot.logs import configure as configure_logs
from mentoring.impact import Cut
from mentoring.model import Role

log = logging.getLogger("binome")


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError("give a time zone, e.g. 2026-12-01T09:00+01:00")
    return moment.astimezone(UTC)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError("give a date as YYYY-MM-DD, e.g. 2026-01-31") \
            from error


def _setting_problem(problem: Any) -> str:
    """One line an operator can act on, naming the variable."""
    cause = problem.get("ctx", {}).get("error")
    message = str(cause) if isinstance(cause, ValueError) else problem["msg"]
    names = [str(part).upper() for part in problem["loc"]]
    return f"{', '.join(names)}: {message}" if names else message


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="binome", description="Binôme mentoring bot")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="migrate the database, then run the bot "
                                          "(against the local sandbox when BOT_TOKEN is unset)")
    run.add_argument("--no-scheduler", action="store_true",
                     help="leave the scheduler out of this process")
    sandbox = commands.add_parser("sandbox", help="run the local sandbox and the bot against it")
    sandbox.add_argument("--port", type=int, help="sandbox port (default: SANDBOX_PORT)")
    sandbox.add_argument("--no-scheduler", action="store_true")
    sandbox.add_argument("--demo", action="store_true",
                         help="first fill the database with a demo programme (once)")
    commands.add_parser("migrate", help="apply the database migrations")
    match = commands.add_parser("match", help="pair everyone waiting as well as possible")
    match.add_argument("--dry-run", action="store_true",
                       help="print what would be proposed, change nothing")
    match.add_argument("--seconds", type=float, default=50.0,
                       help="time budget of the optimisation (default 50)")
    tick = commands.add_parser("tick", help="run what the scheduler would run, once")
    tick.add_argument("--at", type=_moment, help="as of this ISO-8601 time (default: now)")
    imports = commands.add_parser(
        "import", help="load students or volunteers from a CSV file (see the README)")
    imports.add_argument("kind", choices=("students", "volunteers"))
    imports.add_argument("file", type=Path, help="CSV file, UTF-8, comma or semicolon")
    imports.add_argument("--dry-run", action="store_true", help="check the file, write nothing")
    imports.add_argument("--skip-invalid", action="store_true",
                         help="import the valid rows and list the lines skipped")
    imports.add_argument("--update", action="store_true",
                         help="replace the profile of people already signed up "
                              "(same role only)")
    export = commands.add_parser("export", help="write the CSV files of /export to a directory")
    export.add_argument("--to", type=Path, default=Path("."), metavar="DIR",
                        help="directory to write to (default: the current one)")
    report = commands.add_parser("report", help="write a report to files")
    reports = report.add_subparsers(dest="report", required=True)
    impact = reports.add_parser(
        "impact", help="the one-page impact report (PDF, with a PNG preview and a CSV beside it)")
    impact.add_argument("--from", dest="start", type=_day, required=True, metavar="DATE",
                        help="first day, YYYY-MM-DD (in TIMEZONE)")
    impact.add_argument("--to", dest="end", type=_day, required=True, metavar="DATE",
                        help="last day, included")
    impact.add_argument("--out", type=Path, metavar="FILE",
                        help="the PDF to write (default: binome-impact-FROM-TO.pdf here)")
    impact.add_argument("--by", choices=[cut.value for cut in Cut],
                        help="also cut the figures by region, family of fields, level or "
                             "source (deep link)")
    impact.add_argument("--language", choices=("fr", "en"),
                        help="language of the report (default: DEFAULT_LANGUAGE)")
    args = parser.parse_args(argv)
    if args.command == "report" and args.end < args.start:
        parser.error("--to is before --from")
    if args.command == "import" and not args.file.is_file():
        parser.error(f"{args.file}: no such file")

    try:
        settings = Settings()
    except ValidationError as error:
        for problem in error.errors():
            print(f"binome: {_setting_problem(problem)}", file=sys.stderr)
        return 2
    configure_logs(settings.log_level, settings.log_format)
    from bot import runner

    if args.command in ("import", "export"):
        from bot import importing

        if args.command == "export":
            files = asyncio.run(importing.export_files(settings))
            for path, rows in importing.write_export(args.to, files):
                print(f"{path} ({rows} rows)")
            return 0
        role = Role.STUDENT if args.kind == "students" else Role.VOLUNTEER
        return asyncio.run(importing.run_import(
            settings, role, args.file, args.file.read_bytes(), dry_run=args.dry_run,
            skip_invalid=args.skip_invalid, update=args.update))
    if args.command == "report":
        from bot.impact import write_report

        for path in asyncio.run(write_report(
                settings, args.start, args.end,
                Cut(args.by) if args.by else None, args.out, args.language)):
            print(path)
        return 0
    if args.command == "migrate":
        runner.migrate(settings)
        print("Database is up to date.")
        return 0
    if args.command == "match":
        asyncio.run(runner.run_match(settings, dry_run=args.dry_run, time_budget=args.seconds))
        return 0
    if args.command == "tick":
        done = asyncio.run(runner.run_tick(settings, args.at))
        print(", ".join(f"{what}: {count}" for what, count in done.items()))
        return 0
    if args.command == "sandbox" or settings.bot_token is None:
        port = getattr(args, "port", None) or settings.sandbox_port
        asyncio.run(runner.run_sandbox(settings, port, scheduler=not args.no_scheduler,
                                       demo=getattr(args, "demo", False)))
        return 0
    asyncio.run(runner.run_telegram(settings, scheduler=not args.no_scheduler))
    return 0


if __name__ == "__main__":
    sys.exit(main())
