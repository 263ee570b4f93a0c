"""``python -m sandbox [--host 127.0.0.1] [--port 8080] [--token ...]``: run it standalone."""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from sandbox.limits import FAULT_KINDS, PASSING_TROUBLE
from sandbox.server import start_sandbox
from sandbox.state import DEFAULT_TOKEN


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to listen on")
    parser.add_argument("--port", type=int, default=8080, help="0 picks a free port")
    parser.add_argument("--token", default=DEFAULT_TOKEN, help="the bot token to accept")
    parser.add_argument("--global-rate", type=int, default=30, help="sends per second, 0 = off")
    parser.add_argument("--chat-burst", type=int, default=5, help="per-chat burst, 0 = off")
    parser.add_argument("--chat-refill", type=float, default=1.0, help="per-chat sends per second")
    parser.add_argument("--fault-rate", type=float, default=0.0,
                        help="share of Bot API calls that misbehave, 0 = none")
    parser.add_argument("--fault-kinds", default=",".join(PASSING_TROUBLE),
                        help="comma-separated kinds among " + ", ".join(FAULT_KINDS))
    parser.add_argument("--fault-seed", type=int, default=None, help="seed of the draws")
    parser.add_argument("--timeout-applied", type=float, default=0.5,
                        help="share of time-outs whose call still takes effect")
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    """Run until interrupted."""
    running = await start_sandbox(
        args.host,
        args.port,
        args.token,
        global_rate=args.global_rate,
        chat_burst=args.chat_burst,
        chat_refill=args.chat_refill,
    )
    if args.fault_rate:
        running.sandbox.faults.randomly(args.fault_rate, args.fault_kinds.split(","),
                                        args.fault_seed, timeout_applied=args.timeout_applied)
    print(f"Sandbox Bot API at {running.url}", flush=True)
    print(f"TELEGRAM_API_URL={running.url}", flush=True)
    print(f"BOT_TOKEN={running.token}", flush=True)
    print(f"Control API at {running.url}/control (see sandbox/control.py)", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await running.stop()


def main(argv: list[str] | None = None) -> None:
    """Entry point."""
    args = parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args))


if __name__ == "__main__":
    main()
