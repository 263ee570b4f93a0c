"""The ``binome`` command (also ``python -m bot``)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from datetime import UTC, datetime

from bot.config import Settings

log = logging.getLogger("binome")


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError("give a time zone, e.g. 2026-12-01T09:00+01:00")
    return moment.astimezone(UTC)


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
    args = parser.parse_args(argv)

    settings = Settings()
    logging.basicConfig(level=settings.log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for chatty in ("aiohttp.access", "alembic.runtime.plugins", "alembic.runtime.migration"):
        logging.getLogger(chatty).setLevel(max(logging.WARNING, logging.getLogger().level))
    from bot import runner

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
