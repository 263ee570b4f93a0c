"""Relay benchmark: members of pairs write to each other through one real Binôme process.

The sandbox (a local Bot API) runs in this process; the bot runs as ``python -m bot run``
(scheduler and outbox sender included, as in production) against a database seeded with
``--pairs`` active pairs. Two measures:

- **Added latency.** One message at a time, round-robin over the pairs: a member sends a
  text and the script waits until the copy reaches the partner's chat; alternately a member
  sends ``/help`` and the script waits for the bot's direct answer, a plain ``sendMessage``.
  The bot's own time of a message runs from the moment ``getUpdates`` hands it the update to
  the moment the sandbox has the bot's send for it. "Added" is the relay's median (and p99)
  minus the plain answer's. Flood limits are off for this part.
- **Burst.** Every member pastes ``--burst`` messages at once (1,000 from 100 pairs by
  default), with Telegram's limits on (30 a second for the bot, a burst of 5 then one a
  second per chat). The script waits until every copy is in, then counts what was lost,
  duplicated or out of order, and the rate from the first paste to the last copy.

    .venv/bin/python bench/relay.py
    .venv/bin/python bench/relay.py --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/test

Exit status: 0 when nothing was lost, duplicated or out of order and the median added
latency is under ``--target-ms`` (20); 1 otherwise; 2 if the bot could not be started.
``--database-url``: every table of that database is dropped first.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import shutil
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from signup import (  # noqa: E402
    _die_with_parent,
    cpu_seconds,
    describe_database,
    memory_kib,
    percentile,
    reset_database,
    stop_bot,
    wait_polling,
)
from sqlalchemy import func, insert, select  # noqa: E402

from mentoring.population import generate  # noqa: E402
from sandbox import actions  # noqa: E402
from sandbox.server import RunningSandbox, start_sandbox  # noqa: E402
from storage.database import make_engine, make_sessionmaker  # noqa: E402
from storage.migrate import upgrade_async  # noqa: E402
from storage.tables import (  # noqa: E402
    OutboxRow,
    PairRow,
    RelayMessageRow,
    StudentProfileRow,
    UserRow,
    VolunteerProfileRow,
)

SENDS = ("sendMessage", "copyMessage")


@dataclass(frozen=True)
class Member:
    user_id: int
    name: str
    partner_id: int
    pair: int
    side: str  # "s" (student) or "v" (volunteer)


# -- the database ------------------------------------------------------------------------------


async def seed(url: str, pairs: int) -> list[Member]:
    """``pairs`` active pairs of one student and one volunteer each, from the demo
    population's generator (valid profiles); returns both members of every pair."""
    await upgrade_async(url)
    population = generate(pairs, pairs, 1)
    now = datetime.now(UTC)
    students = [s.profile for s in population.students]
    volunteers = population.volunteers
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as session, session.begin():
            await session.execute(insert(UserRow), [
                {"id": p.user_id, "language": "fr", "telegram_name": p.first_name,
                 "role": role, "source": "bench", "blocked": False, "created_at": now}
                for role, people in (("student", students), ("volunteer", volunteers))
                for p in people])
            await session.execute(insert(VolunteerProfileRow), [
                {**asdict(v), "load": 1, "resume_pending": False, "paused_until": None}
                for v in volunteers])
            await session.execute(insert(StudentProfileRow), [
                {**asdict(s), "waiting_since": None} for s in students])
            await session.execute(insert(PairRow), [
                {"student_id": s.user_id, "volunteer_id": v.user_id, "status": "active",
                 "started_at": now} for s, v in zip(students, volunteers, strict=True)])
            ids = dict((await session.execute(select(PairRow.student_id, PairRow.id))).all())
    finally:
        await engine.dispose()
    members = []
    for s, v in zip(students, volunteers, strict=True):
        members.append(Member(s.user_id, s.first_name, v.user_id, ids[s.user_id], "s"))
        members.append(Member(v.user_id, v.first_name, s.user_id, ids[s.user_id], "v"))
    return members


async def count_rows(url: str) -> dict[str, int]:
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            relayed = (await connection.execute(
                select(func.count()).select_from(RelayMessageRow))).scalar_one()
            statuses = dict((await connection.execute(
                select(OutboxRow.status, func.count()).where(OutboxRow.kind == "relay")
                .group_by(OutboxRow.status))).all())
        return {"relay_messages": int(relayed), **{f"outbox_{k}": int(n)
                                                    for k, n in statuses.items()}}
    finally:
        await engine.dispose()


# -- watching the sandbox ----------------------------------------------------------------------


class Watch:
    """When ``getUpdates`` handed each update to the bot, and a wake-up for each chat the bot
    sends a message to."""

    def __init__(self, running: RunningSandbox) -> None:
        self.sandbox = running.sandbox
        self.handed: dict[int, float] = {}
        self.failed: Counter[str] = Counter()
        self._waiting: dict[int, asyncio.Future[float]] = {}
        self.on_send: Callable[[int], None] | None = None
        queue = self.sandbox.updates
        poll = queue.long_poll

        async def long_poll(*args: Any, **kwargs: Any) -> list[dict[str, Any]]:
            handed = await poll(*args, **kwargs)
            now = time.perf_counter()
            for update in handed:
                self.handed.setdefault(update["update_id"], now)
            return handed

        queue.long_poll = long_poll  # type: ignore[method-assign]
        record = self.sandbox.record_call

        def record_call(method: str, chat_id: Any, body: dict[str, Any]) -> None:
            record(method, chat_id, body)
            if not body.get("ok"):
                self.failed[f"{method}: {body.get('description')}"] += 1
                return
            if method not in SENDS or chat_id is None:
                return
            chat = int(chat_id)
            if self.on_send is not None:
                self.on_send(chat)
            waiting = self._waiting.pop(chat, None)
            if waiting is not None and not waiting.done():
                waiting.set_result(time.perf_counter())

        self.sandbox.record_call = record_call  # type: ignore[method-assign]

    def expect(self, chat_id: int) -> asyncio.Future[float]:
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._waiting[chat_id] = future
        return future


# -- the two measures --------------------------------------------------------------------------


@dataclass
class Latency:
    relay_ms: list[float] = field(default_factory=list)
    plain_ms: list[float] = field(default_factory=list)
    relay_seen_ms: list[float] = field(default_factory=list)
    plain_seen_ms: list[float] = field(default_factory=list)


async def one(watch: Watch, running: RunningSandbox, sender: int, recipient: int, text: str,
              seconds: float) -> tuple[float, float]:
    """``sender`` writes ``text``; (the bot's own time, the time the user waited), in ms."""
    future = watch.expect(recipient)
    pushed = time.perf_counter()
    update, _message = actions.send_text(running.sandbox, sender, text)
    done = await asyncio.wait_for(future, seconds)
    handed = watch.handed.get(update.update_id, pushed)
    return (done - handed) * 1000, (done - pushed) * 1000


async def latency(watch: Watch, running: RunningSandbox, members: list[Member], count: int,
                  seconds: float) -> Latency:
    """``count`` relayed texts and ``count`` plain answers, one at a time, interleaved."""
    found = Latency()
    for n in range(count):
        writer = members[n % len(members)]
        other = members[(n + len(members) // 2 + 1) % len(members)]
        bot, seen = await one(watch, running, writer.user_id, writer.partner_id,
                              f"Bonjour, message {n}", seconds)
        found.relay_ms.append(bot)
        found.relay_seen_ms.append(seen)
        bot, seen = await one(watch, running, other.user_id, other.user_id, "/help", seconds)
        found.plain_ms.append(bot)
        found.plain_seen_ms.append(seen)
    return found


@dataclass
class Burst:
    messages: int
    delivered: int
    lost: int
    duplicated: int
    out_of_order: int
    seconds: float
    rate: float
    first_copy_ms: float
    last_copy_ms: float
    timed_out: bool


async def burst(watch: Watch, running: RunningSandbox, members: list[Member], each: int,
                seconds: float) -> Burst:
    """Every member pastes ``each`` messages at once; wait for every copy, then check."""
    box = running.sandbox
    expected = len(members) * each
    copies = 0
    everything = asyncio.get_running_loop().create_future()
    recipients = {m.partner_id for m in members}
    before = {chat: len(box.chats[chat].messages) for chat in recipients}
    first: list[float] = []

    def on_send(chat: int) -> None:
        nonlocal copies
        if chat in recipients:
            copies += 1
            if not first:
                first.append(time.perf_counter())
            if copies >= expected and not everything.done():
                everything.set_result(time.perf_counter())

    watch.on_send = on_send
    started = time.perf_counter()
    for member in members:  # each member's messages one after the other, as pasted
        for k in range(each):
            actions.send_text(box, member.user_id, f"burst {member.pair}{member.side} {k}")
    timed_out = False
    try:
        ended = await asyncio.wait_for(everything, seconds)
    except TimeoutError:
        ended, timed_out = time.perf_counter(), True
    await asyncio.sleep(3)  # anything sent twice would come now
    watch.on_send = None
    lost = duplicated = out_of_order = delivered = 0
    for member in members:
        chat = box.chats[member.partner_id]
        texts = [m.text or "" for m in list(chat.messages.values())[before[member.partner_id]:]
                 if m.sender == "bot"]
        mine = [int(t.rsplit(" ", 1)[1]) for t in texts
                if t.startswith(f"{member.name}:\nburst {member.pair}{member.side} ")]
        seen = Counter(mine)
        delivered += len(seen)
        lost += sum(1 for k in range(each) if k not in seen)
        duplicated += sum(n - 1 for n in seen.values())
        out_of_order += sum(1 for a, b in itertools.pairwise(mine) if b < a)
    took = ended - started
    return Burst(expected, delivered, lost, duplicated, out_of_order, round(took, 2),
                 round(delivered / took, 1) if took else 0.0,
                 round(((first[0] if first else ended) - started) * 1000, 1),
                 round(took * 1000, 1), timed_out)


# -- running it --------------------------------------------------------------------------------


async def start_bot(running: RunningSandbox, url: str, workdir: Path, send_rate: float,
                    profile: str | None = None) -> asyncio.subprocess.Process:
    env = {**os.environ, "BOT_TOKEN": running.token, "TELEGRAM_API_URL": running.url,
           "DATABASE_URL": url, "REDIS_URL": "", "LOG_LEVEL": "WARNING",
           "SEND_RATE": str(send_rate),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT),
                                                       os.environ.get("PYTHONPATH")]))}
    log = (workdir / "bot.log").open("ab")
    try:
        return await asyncio.create_subprocess_exec(
            sys.executable, *(["-m", "cProfile", "-o", profile] if profile else []),
            "-m", "bot", "run", env=env, cwd=workdir,
            stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=log,
            preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None)
    finally:
        log.close()


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {"p50": round(statistics.median(ordered), 2),
            "p99": round(percentile(ordered, 0.99), 2), "max": round(ordered[-1], 2)}


async def benchmark(args: argparse.Namespace) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="binome-relay-"))
    url = args.database_url or f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
    running = await start_sandbox(port=0, global_rate=None, chat_burst=None)
    process: asyncio.subprocess.Process | None = None
    keep = True
    try:
        try:
            await reset_database(url)
        except Exception as error:
            raise SystemExit(f"error: could not empty the database: {error}") from None
        members = await seed(url, args.pairs)
        for member in members:
            running.sandbox.create_user(first_name=member.name, id=member.user_id,
                                        language_code="fr", started=True)
        watch = Watch(running)
        process = await start_bot(running, url, workdir, args.send_rate, args.profile)
        loop = asyncio.get_running_loop()
        try:
            await wait_polling(running, process, loop.time() + 60)
        except (RuntimeError, TimeoutError) as error:
            tail = (workdir / "bot.log").read_text(errors="replace")[-4000:]
            raise SystemExit(f"error: {error}\n--- bot log (end) ---\n{tail}") from None
        # The outbox is sent by the process that holds the scheduler's lease: the first
        # relayed message waits for it, and a few more warm the bot up.
        for n in range(10):
            await one(watch, running, members[n].user_id, members[n].partner_id,
                      f"Échauffement {n}", 60)
        bot_cpu = cpu_seconds(process.pid)
        measured = await latency(watch, running, members, args.messages, args.timeout)
        latency_cpu = cpu_seconds(process.pid) - bot_cpu
        running.sandbox.limiter.configure(global_rate=30, chat_burst=5)
        bot_cpu = cpu_seconds(process.pid)
        burst_members = members[: 2 * args.burst_pairs]
        burst_each = args.burst // len(burst_members)
        outcome = await burst(watch, running, burst_members, burst_each, args.timeout * 10)
        burst_cpu = cpu_seconds(process.pid) - bot_cpu
        memory = memory_kib(process.pid)
        await stop_bot(process)
        rows = await count_rows(url)
        relay, plain = summary(measured.relay_ms), summary(measured.plain_ms)
        added = {"p50": round(relay["p50"] - plain["p50"], 2),
                 "p99": round(relay["p99"] - plain["p99"], 2)}
        ok = (outcome.lost == outcome.duplicated == outcome.out_of_order == 0
              and not outcome.timed_out and added["p50"] < args.target_ms)
        keep = args.keep or not ok
        return {
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "database": describe_database(url),
            "pairs": args.pairs, "send_rate": args.send_rate,
            "latency": {"messages": args.messages, "relay_bot_ms": relay,
                        "plain_bot_ms": plain, "added_ms": added,
                        "relay_seen_ms": summary(measured.relay_seen_ms),
                        "plain_seen_ms": summary(measured.plain_seen_ms),
                        "bot_cpu_ms_per_message": round(
                            1000 * latency_cpu / (2 * args.messages), 2)},
            "burst": {**asdict(outcome), "pairs": args.burst_pairs,
                      "bot_cpu_ms_per_message": round(
                          1000 * burst_cpu / max(1, outcome.delivered), 2)},
            "database_rows": rows,
            "failed_bot_api_calls": dict(watch.failed),
            "bot_peak_rss_mib": round(memory.get("VmHWM", 0) / 1024, 1),
            "ok": ok,
        }
    finally:
        if process is not None:
            await stop_bot(process)
        await running.stop()
        if keep:
            print(f"bot log and database kept in {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def table(report: dict[str, Any]) -> str:
    lat, b = report["latency"], report["burst"]
    rows = [
        ("database", report["database"]),
        ("relayed, bot's own time p50 / p99",
         f"{lat['relay_bot_ms']['p50']:.1f} / {lat['relay_bot_ms']['p99']:.1f} ms"),
        ("plain answer, bot's own time p50 / p99",
         f"{lat['plain_bot_ms']['p50']:.1f} / {lat['plain_bot_ms']['p99']:.1f} ms"),
        ("added by the relay p50 / p99",
         f"{lat['added_ms']['p50']:.1f} / {lat['added_ms']['p99']:.1f} ms"),
        ("relayed, as the sender waits p50 / p99",
         f"{lat['relay_seen_ms']['p50']:.1f} / {lat['relay_seen_ms']['p99']:.1f} ms"),
        ("burst", f"{b['messages']} messages from {b['pairs']} pairs"),
        ("burst delivered / lost / duplicated / out of order",
         f"{b['delivered']} / {b['lost']} / {b['duplicated']} / {b['out_of_order']}"),
        ("burst time, rate", f"{b['seconds']:.1f} s, {b['rate']:.1f} messages/s"),
        ("bot CPU per relayed message (burst)", f"{b['bot_cpu_ms_per_message']} ms"),
        ("bot peak RSS", f"{report['bot_peak_rss_mib']} MiB"),
        ("failed Bot API calls", f"{sum(report['failed_bot_api_calls'].values())}"),
        ("result", "OK" if report["ok"] else "FAILED"),
    ]
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=100, help="active pairs seeded (100)")
    parser.add_argument("--messages", type=int, default=200,
                        help="relayed texts and plain answers timed one at a time (200 each)")
    parser.add_argument("--burst", type=int, default=1000, help="messages in the burst (1000)")
    parser.add_argument("--burst-pairs", type=int, default=100,
                        help="pairs writing in the burst, both members (100)")
    parser.add_argument("--send-rate", type=float, default=30,
                        help="the bot's SEND_RATE (30, Telegram's limit)")
    parser.add_argument("--target-ms", type=float, default=20,
                        help="the median added latency must stay under this (20 ms)")
    parser.add_argument("--database-url", default=None,
                        help="SQLAlchemy async URL of a database whose tables are ALL DROPPED "
                             "first (default: a fresh SQLite file in a temporary directory)")
    parser.add_argument("--timeout", type=float, default=30,
                        help="seconds one timed message may take (30; the burst gets 10 times)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--profile", metavar="FILE", default=None,
                        help="run the bot under cProfile and write its statistics to FILE")
    parser.add_argument("--keep", action="store_true", help="keep the bot log and database")
    args = parser.parse_args(argv)
    if args.burst_pairs > args.pairs or args.pairs < 2:
        parser.error("--burst-pairs must not exceed --pairs, and --pairs must be at least 2")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)

    async def run() -> dict[str, Any]:
        task = asyncio.current_task()
        assert task is not None
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
        return await benchmark(args)

    try:
        report = asyncio.run(run())
    except (KeyboardInterrupt, asyncio.CancelledError):
        print("interrupted", file=sys.stderr)
        return 130
    except SystemExit as stop:
        print(stop.code, file=sys.stderr)
        return 2
    print(json.dumps(report, ensure_ascii=False, indent=2) if args.json else table(report))
    with contextlib.suppress(Exception):
        sys.stdout.flush()
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
