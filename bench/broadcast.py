"""A broadcast to thousands of people through the sandbox, which enforces Telegram's limit of
30 messages a second (any one-second window) and one message a second per chat.

The bot runs as a real process (``binome run`` with SEND_RATE=30) against a sandbox served
by this script; the script seeds the database, queues a broadcast to everyone, and watches
what reaches the sandbox. Runs:

- ``--sizes 1000 10000``: achieved rate, 429s after the first second, lost and duplicated
  messages, and the bot's peak memory (VmHWM) for each size;
- the largest size again, killed with SIGKILL at a random moment and started again;
- the same recipients sent by a plain loop with a fixed ``asyncio.sleep(1/30)`` between
  sends, as many bots do (no 429 handling: a refused message is lost).

One recipient in a hundred has blocked the bot: they count as "blocked", not lost.

    .venv/bin/python bench/broadcast.py                    # 1,000 and 10,000 recipients
    .venv/bin/python bench/broadcast.py --sizes 300 --kill-size 300 --naive-size 300
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import subprocess
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert

import sandbox.state
from mentoring.broadcast import Audience, Broadcasts
from sandbox.server import start_sandbox
from storage.database import make_engine, make_sessionmaker
from storage.migrate import upgrade_async
from storage.tables import StudentProfileRow, UserRow
from storage.uow import uow_factory

RATE = 30
FIRST_ID = 700_000_000
STAFF_ID = 42
TEXT = "📣 <b>Rentrée</b> : la réunion des binômes a lieu jeudi à 18 h."
ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Outcome:
    label: str
    recipients: int
    delivered: int
    blocked: int
    lost: int
    duplicates: int
    seconds: float
    rate: float
    late_429: int
    peak_rss_mib: float | None = None
    note: str = ""


async def seed(url: str, count: int) -> None:
    await upgrade_async(url)
    engine = make_engine(url)
    now = datetime.now(UTC)
    async with make_sessionmaker(engine)() as session, session.begin():
        for start in range(0, count, 5000):
            ids = range(FIRST_ID + start, FIRST_ID + min(count, start + 5000))
            await session.execute(insert(UserRow), [
                {"id": i, "language": "fr", "role": "student", "blocked": False,
                 "created_at": now} for i in ids])
            await session.execute(insert(StudentProfileRow), [
                {"user_id": i, "first_name": "Léa", "field": "law", "level": "licence_1",
                 "department": "75", "needs": [], "languages": ["fr"], "availability": [],
                 "goals": "", "completed_at": now, "waiting_since": None} for i in ids])
    await engine.dispose()


def blocked_ids(count: int) -> set[int]:
    return {FIRST_ID + i for i in range(0, count, 100)}


async def start_box(count: int):  # type: ignore[no-untyped-def]
    sandbox.state.MAX_LOG_ENTRIES = 10 * count + 10_000
    running = await start_sandbox(port=0, global_rate=RATE)
    box = running.sandbox
    for user_id in [STAFF_ID, *range(FIRST_ID, FIRST_ID + count)]:
        user = box.create_user(first_name="Léa", id=user_id, language_code="fr")
        user.started = True
    for user_id in blocked_ids(count):
        box.users[user_id].blocked = True
    return running


def vm_hwm_mib(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def spawn_bot(url: str, running) -> subprocess.Popen[bytes]:  # type: ignore[no-untyped-def]
    env = {**os.environ, "BOT_TOKEN": running.token, "TELEGRAM_API_URL": running.url,
           "DATABASE_URL": url, "SEND_RATE": str(RATE), "STAFF_IDS": str(STAFF_ID),
           "LOG_LEVEL": "WARNING", "REDIS_URL": ""}
    return subprocess.Popen([str(ROOT / ".venv/bin/binome"), "run"], env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def measure(label: str, box, count: int, peak: float | None,  # type: ignore[no-untyped-def]
            note: str = "") -> Outcome:
    sends = [e for e in box.log if e["method"] == "sendMessage"
             and e["chat_id"] is not None and e["chat_id"] >= FIRST_ID]
    ok = [e for e in sends if e["ok"]]
    per_chat = Counter(e["chat_id"] for e in ok)
    expected = set(range(FIRST_ID, FIRST_ID + count)) - blocked_ids(count)
    lost = len(expected - set(per_chat))
    duplicates = sum(n - 1 for n in per_chat.values())
    blocked = sum(1 for e in sends if e["error_code"] == 403)
    # Every call counts against Telegram's limit: refused ones (403, 429) and the staff
    # member's progress messages included.
    first = min((e["time"] for e in sends), default=0.0)
    last = max((e["time"] for e in sends), default=first)
    seconds = last - first
    late_429 = sum(1 for e in box.log if e["error_code"] == 429 and e["time"] > first + 1)
    calls = [e for e in box.log if e["method"] in ("sendMessage", "editMessageText")
             and first <= e["time"] <= last]
    rate = (len(calls) - 1) / seconds if seconds > 0 else 0.0
    return Outcome(label, count, len(ok), blocked, lost, duplicates, seconds, rate,
                   late_429, peak, note)


async def run_sender(count: int, *, kill: bool, seed_number: int) -> Outcome:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/bench.db"
        await seed(url, count)
        running = await start_box(count)
        engine = make_engine(url)
        broadcasts = Broadcasts(uow_factory(make_sessionmaker(engine)),
                                lambda: datetime.now(UTC))
        created = await broadcasts.create(STAFF_ID, TEXT, Audience())
        assert created.recipients == count
        bot = spawn_bot(url, running)
        peak: float | None = None
        note = ""
        killed_at: float | None = None
        sent_at_kill = sent = seen_seq = 0
        expected_seconds = count / RATE
        # Killed once a random share (20% to 70%) of the messages has gone out.
        kill_after = int(random.Random(seed_number).uniform(0.2, 0.7) * count) if kill else None
        deadline = time.monotonic() + expected_seconds * 3 + 180
        try:
            while time.monotonic() < deadline:
                await asyncio.sleep(0.5)
                if bot.poll() is not None:
                    raise RuntimeError(bot.stderr.read().decode() if bot.stderr else "died")
                hwm = vm_hwm_mib(bot.pid)
                peak = max(peak or 0.0, hwm or 0.0)
                # Only the new log entries: a scan of the whole log would stall the sandbox,
                # which shares this process, and bunch up the requests it times.
                fresh = running.sandbox.log[seen_seq:]
                seen_seq += len(fresh)
                sent += sum(1 for e in fresh if e["method"] == "sendMessage"
                            and e["chat_id"] is not None and e["chat_id"] >= FIRST_ID)
                if kill_after is not None and sent >= kill_after:
                    bot.send_signal(signal.SIGKILL)
                    bot.wait()
                    killed_at, sent_at_kill = time.monotonic(), sent
                    note = f"SIGKILL after {sent:,} sends, restarted at once"
                    kill_after = None
                    bot = spawn_bot(url, running)
                elif killed_at is not None and sent > sent_at_kill:
                    note += f"; sending resumed {time.monotonic() - killed_at:.0f} s later"
                    killed_at = None
                broadcast = await broadcasts.get(created.id)
                if broadcast is not None and broadcast.status.value == "done":
                    break
            else:
                note += " (timed out)"
        finally:
            bot.send_signal(signal.SIGTERM)
            try:
                bot.wait(10)
            except subprocess.TimeoutExpired:
                bot.kill()
            await engine.dispose()
            await running.stop()
        label = f"outbox sender, {count:,} recipients" + (", killed" if kill else "")
        return measure(label, running.sandbox, count, None if kill else peak, note)


async def run_naive(count: int) -> Outcome:
    """The loop most bots write: send, sleep 1/30 s, next; a refused message is lost."""
    from aiogram import Bot
    from aiogram.client.default import DefaultBotProperties
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.exceptions import TelegramAPIError

    running = await start_box(count)
    bot = Bot(running.token, session=AiohttpSession(api=TelegramAPIServer.from_base(
        running.url)), default=DefaultBotProperties(parse_mode="HTML"))
    try:
        for user_id in range(FIRST_ID, FIRST_ID + count):
            try:
                await bot.send_message(user_id, TEXT)
            except TelegramAPIError:
                pass
            await asyncio.sleep(1 / RATE)
    finally:
        await bot.session.close()
        await running.stop()
    return measure(f"fixed sleep(1/30) loop, {count:,} recipients", running.sandbox, count,
                   None)


def table(outcomes: list[Outcome]) -> str:
    lines = ["| run | delivered | blocked | lost | duplicates | seconds | sends/s | "
             "% of 30/s | 429 after 1st s | bot peak RSS |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for o in outcomes:
        peak = f"{o.peak_rss_mib:.0f} MiB" if o.peak_rss_mib else "–"
        lines.append(f"| {o.label} | {o.delivered:,} | {o.blocked:,} | {o.lost:,} | "
                     f"{o.duplicates:,} | {o.seconds:.1f} | {o.rate:.2f} | "
                     f"{100 * o.rate / RATE:.1f}% | {o.late_429} | {peak} |")
    notes = [f"- {o.label}: {o.note}" for o in outcomes if o.note]
    return "\n".join(lines + (["", *notes] if notes else []))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--kill-size", type=int, default=None,
                        help="recipients of the killed run (default: the largest size)")
    parser.add_argument("--naive-size", type=int, default=None,
                        help="recipients of the fixed-sleep loop (default: largest size)")
    parser.add_argument("--seed", type=int, default=1, help="when the kill happens")
    args = parser.parse_args()
    largest = max(args.sizes)
    outcomes = []
    for size in args.sizes:
        outcomes.append(await run_sender(size, kill=False, seed_number=args.seed))
        print(table(outcomes[-1:]), flush=True)
    outcomes.append(await run_sender(args.kill_size or largest, kill=True,
                                     seed_number=args.seed))
    print(table(outcomes[-1:]), flush=True)
    outcomes.append(await run_naive(args.naive_size or largest))
    print()
    print(table(outcomes))


if __name__ == "__main__":
    asyncio.run(main())
