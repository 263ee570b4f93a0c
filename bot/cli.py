"""The ``binome`` command (also ``python -m bot``)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence

from bot.config import Settings

log = logging.getLogger("binome")


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
    commands.add_parser("migrate", help="apply the database migrations")
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
    if args.command == "sandbox" or settings.bot_token is None:
        port = getattr(args, "port", None) or settings.sandbox_port
        asyncio.run(runner.run_sandbox(settings, port, scheduler=not args.no_scheduler))
        return 0
    asyncio.run(runner.run_telegram(settings, scheduler=not args.no_scheduler))
    return 0


if __name__ == "__main__":
    sys.exit(main())
