"""Sign-up benchmark: N simulated students sign up at once through one real Binôme process.

The sandbox (a local Bot API) runs in this process with its flood limits off, so what is
measured is the bot, not Telegram's limits. The bot runs as ``python -m bot run
--no-scheduler``, exactly as in production, against a fresh database. Every simulated user
walks the whole student sign-up (``/start``, role, consent, each question, the summary,
"Confirm"), waiting for the bot's reply to each action before the next one.

A reply is noticed in the sandbox state, not by polling: the sandbox's call recorder is
wrapped so that each Bot API call the bot makes for a chat wakes that chat's user at once.
An action is answered when the bot's message(s) for it are in the chat, or, for a tick on a
multi-select question (which only edits the keyboard), when the bot edited the message.

    .venv/bin/python bench/signup.py --users 200
    .venv/bin/python bench/signup.py --users 200 \\
        --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/test --json

Exit status: 0 if every user confirmed and the database holds one student profile per
user, 1 otherwise, 2 if the bot could not be started.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import datetime as dt
import json
import os
import platform
import random
import resource
import shutil
import signal
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import MetaData, func, select  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from handlers.callbacks import Answer  # noqa: E402
from sandbox import actions  # noqa: E402
from sandbox.client import SandboxClient  # noqa: E402
from sandbox.markup import inline_buttons  # noqa: E402
from sandbox.model import Chat  # noqa: E402
from sandbox.server import RunningSandbox, start_sandbox  # noqa: E402
from storage.database import make_engine  # noqa: E402
from storage.tables import StudentProfileRow  # noqa: E402
from tests.e2e.journeys import AGREE, CONFIRM, ROLE_STUDENT, student_script  # noqa: E402

FIRST_NAMES = ["Léa", "Hugo", "Chloé", "Yanis", "Inès", "Lucas", "Manon", "Adam", "Zoé",
               "Nathan", "Camille", "Rayan", "Sarah", "Théo", "Jade", "Mohamed", "Louise",
               "Enzo", "Anaïs", "Gabriel"]
GOALS = ["Réussir mes partiels et trouver un stage en cabinet.",
         "Préparer le concours d'avocat et mieux m'organiser.",
         "Comprendre les débouchés du droit et trouver une alternance.",
         "Pass my exams and find an internship in a law firm.",
         "Get advice on my CV and on choosing a master's degree."]
SOURCES = ["tract-fac", "lycee-jaures", "insta", "bde-droit"]
ERROR_REPLY = "Sorry, something went wrong on our side. Please try again in a moment."
EDITS = ("editMessageText", "editMessageReplyMarkup", "editMessageCaption")


@dataclass(frozen=True)
class Action:
    kind: str  # "send" or "press"
    value: str
    replies: int  # new bot messages it is answered with; 0 means "the message is edited"


@dataclass
class UserRun:
    user_id: int
    name: str
    chat: Chat
    journey: list[Action]
    done: int = 0
    latencies: list[float] = field(default_factory=list)
    reached_summary: bool = False
    confirmed: bool = False
    error: str | None = None


def journey(rng: random.Random) -> tuple[str, str, list[Action]]:
    """One student's sign-up, with seeded answers: (first name, language, actions)."""
    name = rng.choice(FIRST_NAMES)
    language = rng.choices(["fr", "en"], weights=[4, 1])[0]
    steps = [Action("send", f"/start {rng.choice(SOURCES)}", 2),  # greeting + "Who are you?"
             Action("press", ROLE_STUDENT, 1), Action("press", AGREE, 1)]
    for _step, answers in student_script(name, rng.choice(GOALS)):
        for kind, value in answers:
            steps.append(Action(kind, value, 0 if kind == "press" and ticks(value) else 1))
    steps.append(Action("press", CONFIRM, 1))
    return name, language, steps


def ticks(data: str) -> bool:
    """Whether a press ticks a multi-select option: the bot only edits the keyboard then."""
    try:
        return Answer.unpack(data).action == "toggle"
    except (TypeError, ValueError):
        return False


class Replies:
    """Wakes a user when the bot's reply to their pending action is in the sandbox state."""

    def __init__(self, running: RunningSandbox):
        self.sandbox = running.sandbox
        self.edits: Counter[int] = Counter()
        self.failed_calls: Counter[str] = Counter()
        self._waiting: dict[int, tuple[Callable[[], bool], asyncio.Future[float]]] = {}
        self.dead: str | None = None
        record = self.sandbox.record_call

        def record_call(method: str, chat_id: Any, body: dict[str, Any]) -> None:
            record(method, chat_id, body)
            self._seen(method, chat_id, body)

        self.sandbox.record_call = record_call  # type: ignore[method-assign]

    def _seen(self, method: str, chat_id: Any, body: dict[str, Any]) -> None:
        if not body.get("ok"):
            self.failed_calls[f"{method}: {body.get('description')}"] += 1
        try:
            chat = int(chat_id)
        except (TypeError, ValueError):
            return
        if method in EDITS:
            self.edits[chat] += 1
        waiting = self._waiting.get(chat)
        if waiting is not None and not waiting[1].done() and waiting[0]():
            waiting[1].set_result(time.perf_counter())

    def expect(self, chat: Chat, action: Action) -> asyncio.Future[float]:
        """A future set (to the perf_counter time) once the bot has answered ``action``."""
        if action.replies:
            wanted = bot_messages(chat) + action.replies

            def answered() -> bool:
                return bot_messages(chat) >= wanted
        else:  # a tick: the keyboard is edited; a new message (an error, say) also ends it
            edits, messages = self.edits[chat.id] + 1, bot_messages(chat) + 1

            def answered() -> bool:
                return self.edits[chat.id] >= edits or bot_messages(chat) >= messages
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        if self.dead is not None:
            future.set_exception(RuntimeError(self.dead))
        self._waiting[chat.id] = (answered, future)
        return future

    def abort(self, reason: str) -> None:
        """No reply will come any more: fail every pending wait with ``reason``."""
        self.dead = reason
        for _answered, future in self._waiting.values():
            if not future.done():
                future.set_exception(RuntimeError(reason))

    def forget(self, chat: Chat) -> None:
        self._waiting.pop(chat.id, None)


def bot_messages(chat: Chat) -> int:
    return sum(1 for message in chat.messages.values() if message.sender == "bot")


def last_bot_text(chat: Chat, length: int = 80) -> str:
    texts = [m.text or "" for m in chat.messages.values() if m.sender == "bot"]
    return texts[-1][:length] if texts else ""


def error_replies(runs: list[UserRun]) -> int:
    """Bot messages that are the error handler's apology (in any of the users' languages)."""
    from bot.i18n import make_i18n

    i18n = make_i18n()
    apologies = {i18n.gettext(ERROR_REPLY, locale=locale) for locale in ("en", "fr")}
    return sum(1 for run in runs for message in run.chat.messages.values()
               if message.sender == "bot" and (message.text or "").strip() in apologies)


def button_message(chat: Chat, data: str) -> int | None:
    """The most recent bot message with a button carrying ``data`` (as a user would tap)."""
    for message in reversed(chat.messages.values()):
        if message.sender == "bot" and any(
                button.get("callback_data") == data
                for button in inline_buttons(message.reply_markup)):
            return message.message_id
    return None


async def walk(run: UserRun, running: RunningSandbox, replies: Replies,
               client: SandboxClient | None, deadline: float, action_timeout: float,
               think: tuple[random.Random, float] | None) -> None:
    """One user's sign-up; every failure is recorded on ``run`` rather than raised."""
    loop = asyncio.get_running_loop()
    try:
        for action in run.journey:
            if action.kind == "press" and action.value == CONFIRM:
                run.reached_summary = button_message(run.chat, CONFIRM) is not None
            future = replies.expect(run.chat, action)
            started = time.perf_counter()
            if client is not None:  # through the control API, like the e2e tests
                user = client.user(run.user_id)
                if action.kind == "send":
                    await user.send(action.value, wait=False)
                else:
                    await user.press(action.value, wait=False)
            elif action.kind == "send":
                actions.send_text(running.sandbox, run.user_id, action.value)
            else:
                message_id = button_message(run.chat, action.value)
                if message_id is None:
                    raise LookupError(f"no button {action.value!r} to press; the bot's last "
                                      f"message: {last_bot_text(run.chat)!r}")
                actions.press(running.sandbox, run.user_id, message_id,
                              data=action.value, text=None)
            left = deadline - loop.time()
            try:
                answered = await asyncio.wait_for(future, max(0, min(action_timeout, left)))
            except TimeoutError:
                why = (f"more than {action_timeout:g} s" if action_timeout < left
                       else "the --timeout ran out")
                raise TimeoutError(f"no reply to {action.kind} {action.value!r}: {why}") from None
            run.latencies.append(answered - started)
            run.done += 1
            if action.value == CONFIRM and run.name not in last_bot_text(run.chat, 400):
                raise RuntimeError("Confirm was not answered with the thank-you message but "
                                   f"with {last_bot_text(run.chat)!r}")
            if think is not None:
                rng, mean = think
                await asyncio.sleep(min(rng.expovariate(1 / mean), deadline - loop.time()))
        run.confirmed = True
    except Exception as error:  # CancelledError is not an Exception: it still propagates
        run.error = f"{type(error).__name__}: {error}"
    finally:
        replies.forget(run.chat)


# -- the database and the bot process --------------------------------------------------------


async def reset_database(url: str) -> None:
    """Drop every table of the database (Alembic's marker included, and tables some other
    version of the schema left behind), so that the bot migrates an empty database."""
    engine = make_engine(url)
    try:
        async with engine.begin() as connection:
            def drop_everything(sync_connection: Any) -> None:
                found = MetaData()
                found.reflect(sync_connection)
                found.drop_all(sync_connection)

            await connection.run_sync(drop_everything)
    finally:
        await engine.dispose()


async def count_profiles(url: str) -> int:
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            return int((await connection.execute(
                select(func.count()).select_from(StudentProfileRow))).scalar_one())
    finally:
        await engine.dispose()


def _die_with_parent() -> None:
    """In the child: get SIGTERM if the benchmark dies without cleaning up (Linux)."""
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGTERM))  # PR_SET_PDEATHSIG


async def start_bot(running: RunningSandbox, url: str, workdir: Path,
                    ) -> asyncio.subprocess.Process:
    env = {**os.environ, "BOT_TOKEN": running.token, "TELEGRAM_API_URL": running.url,
           "DATABASE_URL": url, "REDIS_URL": "", "LOG_LEVEL": "WARNING",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT),
                                                       os.environ.get("PYTHONPATH")]))}
    log = (workdir / "bot.log").open("ab")
    try:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", "--no-scheduler", env=env, cwd=workdir,
            stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=log,
            preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None)
    finally:
        log.close()


async def wait_polling(running: RunningSandbox, process: asyncio.subprocess.Process,
                       deadline: float) -> None:
    loop = asyncio.get_running_loop()
    while running.sandbox.updates.last_poll is None:
        if process.returncode is not None:
            raise RuntimeError(f"the bot exited with status {process.returncode}")
        if loop.time() > deadline:
            raise TimeoutError("the bot never called getUpdates")
        await asyncio.sleep(0.05)


async def stop_bot(process: asyncio.subprocess.Process) -> None:
    """SIGTERM (aiogram stops polling cleanly), SIGKILL if it lingers."""
    if process.returncode is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        process.terminate()
    try:
        await asyncio.wait_for(process.wait(), 10)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a running process has used so far."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def memory_kib(pid: int) -> dict[str, int]:
    """VmHWM (peak resident set) and VmRSS of a running process, in KiB."""
    values = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            key, _, rest = line.partition(":")
            if key in ("VmHWM", "VmRSS"):
                values[key] = int(rest.split()[0])
    return values


# -- reporting -------------------------------------------------------------------------------


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    if not sorted_values:
        return float("nan")
    rank = max(1, -(-len(sorted_values) * fraction // 1))
    return sorted_values[int(rank) - 1]


def describe_database(url: str) -> str:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return "sqlite (fresh file)"
    return parsed.render_as_string(hide_password=True)


def table(report: dict[str, Any]) -> str:
    latency = report["latency_ms"]
    rows = [
        ("database", report["database"]),
        ("users", f"{report['users']} ({report['users_confirmed']} confirmed, "
                  f"{report['users_reached_summary']} reached the summary)"),
        ("user actions", f"{report['actions_done']} of {report['actions_planned']}"),
        ("wall time", f"{report['wall_s']:.2f} s"),
        ("actions per second", f"{report['actions_per_s']:.1f}"),
        ("reply latency p50", f"{latency['p50']:.0f} ms"),
        ("reply latency p95", f"{latency['p95']:.0f} ms"),
        ("reply latency p99", f"{latency['p99']:.0f} ms"),
        ("reply latency max", f"{latency['max']:.0f} ms"),
        ("bot peak RSS (VmHWM)", f"{report['bot_peak_rss_mib']} MiB"
                                 if report["bot_peak_rss_mib"] else "n/a (the bot had exited)"),
        ("bot CPU during sign-ups", f"{report['cpu_s']['bot']:.1f} s "
                                    f"({report['bot_cpu_ms_per_action']} ms per action)"
                                    if "bot" in report["cpu_s"] else "n/a"),
        ("benchmark CPU (sandbox+users)", f"{report['cpu_s']['benchmark']:.1f} s"),
        ("benchmark peak RSS", f"{report['benchmark_peak_rss_mib']} MiB"),
        ("bot start to first poll", f"{report['bot_startup_s']:.2f} s"),
        ("student_profiles rows", f"{report['profiles_in_database']}"),
        ("failed Bot API calls", f"{sum(report['failed_bot_api_calls'].values())}"),
        ("error replies users saw", f"{report['error_replies_seen_by_users']}"),
        ("result", "OK" if report["ok"] else "FAILED"),
    ]
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)


# -- main --------------------------------------------------------------------------------------


async def benchmark(args: argparse.Namespace) -> tuple[dict[str, Any], str | None]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + args.timeout
    workdir = Path(tempfile.mkdtemp(prefix="binome-bench-"))
    url = args.database_url or f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
    process: asyncio.subprocess.Process | None = None
    running = await start_sandbox(port=0, global_rate=None, chat_burst=None)
    client = SandboxClient(running.url) if args.via_http else None
    keep = True
    try:
        try:
            await reset_database(url)
        except Exception as error:
            raise SystemExit(f"error: could not empty the database: {error}") from None
        replies = Replies(running)
        launched = time.perf_counter()
        process = await start_bot(running, url, workdir)
        try:
            await wait_polling(running, process, deadline)
        except (RuntimeError, TimeoutError) as error:
            log = (workdir / "bot.log").read_text(errors="replace")[-4000:]
            raise SystemExit(f"error: {error}\n--- bot log (end) ---\n{log}") from None
        startup = time.perf_counter() - launched

        rng = random.Random(args.seed)
        runs = []
        for _ in range(args.users):
            name, language, steps = journey(rng)
            user = running.sandbox.create_user(first_name=name, language_code=language)
            runs.append(UserRun(user.id, name, running.sandbox.chats[user.id], steps))
        think = args.think_ms / 1000
        watchdog = asyncio.create_task(_watch(process, replies))
        bot_cpu, own_cpu = cpu_seconds(process.pid), own_cpu_seconds()
        began = time.perf_counter()
        tasks = []
        for index, run in enumerate(runs):
            delay = args.ramp * index / len(runs)
            user_think = (random.Random(f"{args.seed}-{index}"), think) if think > 0 else None
            tasks.append(asyncio.create_task(_after(delay, walk(
                run, running, replies, client, deadline, args.action_timeout, user_think))))
        await asyncio.gather(*tasks)
        wall = time.perf_counter() - began
        watchdog.cancel()

        exited = process.returncode
        cpu = {"benchmark": own_cpu_seconds() - own_cpu}
        if exited is None:
            memory = memory_kib(process.pid)
            cpu["bot"] = cpu_seconds(process.pid) - bot_cpu
        else:
            memory = {}
        await stop_bot(process)
        profiles = await count_profiles(url)
        report = build_report(args, url, runs, replies, wall=wall, startup=startup,
                              memory=memory, cpu=cpu, profiles=profiles)
        failure = None
        if exited is not None:
            failure = f"the bot exited with status {exited} during the run"
            report["ok"] = False
        elif not report["ok"]:
            errors = Counter(run.error for run in runs if run.error)
            failure = "; ".join(f"{n} x {error}" for error, n in errors.most_common(3)) or (
                f"{profiles} student profiles in the database for {args.users} users")
        keep = args.keep or failure is not None
        return report, failure
    finally:
        if process is not None:
            await stop_bot(process)
        if client is not None:
            await client.close()
        await running.stop()
        if keep:
            print(f"bot log and database kept in {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


async def _watch(process: asyncio.subprocess.Process, replies: Replies) -> None:
    """If the bot dies mid-run, every waiting user learns it at once."""
    status = await process.wait()
    replies.abort(f"the bot exited with status {status}")


def build_report(args: argparse.Namespace, url: str, runs: list[UserRun], replies: Replies, *,
                 wall: float, startup: float, memory: dict[str, int],
                 cpu: dict[str, float], profiles: int) -> dict[str, Any]:
    latencies = sorted(value * 1000 for run in runs for value in run.latencies)
    confirmed = sum(run.confirmed for run in runs)
    done = sum(run.done for run in runs)
    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "system": platform.platform()},
        "database": describe_database(url),
        "driver": "control API over HTTP" if args.via_http else "in-process sandbox actions",
        "seed": args.seed,
        "users": args.users,
        "users_reached_summary": sum(run.reached_summary for run in runs),
        "users_confirmed": confirmed,
        "profiles_in_database": profiles,
        "actions_planned": sum(len(run.journey) for run in runs),
        "actions_done": done,
        "wall_s": round(wall, 3),
        "actions_per_s": round(done / wall, 1) if wall else 0.0,
        "signups_per_s": round(confirmed / wall, 2) if wall else 0.0,
        "latency_ms": {name: round(percentile(latencies, fraction), 1) for name, fraction in
                       (("p50", 0.50), ("p95", 0.95), ("p99", 0.99), ("max", 1.0))},
        "bot_peak_rss_mib": round(memory["VmHWM"] / 1024, 1) if memory else None,
        "bot_rss_at_end_mib": round(memory["VmRSS"] / 1024, 1) if memory else None,
        "benchmark_peak_rss_mib": round(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "bot_startup_s": round(startup, 2),
        # CPU used during the sign-ups: the bot's, and this process's (sandbox + users).
        "cpu_s": {name: round(value, 2) for name, value in cpu.items()},
        "bot_cpu_ms_per_action": (round(1000 * cpu["bot"] / done, 2)
                                  if done and "bot" in cpu else None),
        "failed_bot_api_calls": dict(replies.failed_calls),
        "error_replies_seen_by_users": error_replies(runs),
        "user_errors": dict(Counter(run.error for run in runs if run.error)),
        "ok": confirmed == args.users and profiles == args.users,
    }


async def _after(delay: float, coroutine: Any) -> None:
    if delay > 0:
        await asyncio.sleep(delay)
    await coroutine


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=200, help="simulated students (200)")
    parser.add_argument("--database-url", default=None,
                        help="SQLAlchemy async URL of a database whose tables are ALL "
                             "DROPPED first (default: a fresh SQLite file in a temporary "
                             "directory)")
    parser.add_argument("--seed", type=int, default=1, help="seed of names, languages, answers")
    parser.add_argument("--timeout", type=float, default=300,
                        help="seconds for the bot's start and every sign-up (300)")
    parser.add_argument("--action-timeout", type=float, default=60,
                        help="a user gives up when one reply takes longer (60 s)")
    parser.add_argument("--ramp", type=float, default=0,
                        help="start the users evenly over this many seconds (0: all at once)")
    parser.add_argument("--think-ms", type=float, default=0,
                        help="mean pause between a reply and the next action (0)")
    parser.add_argument("--via-http", action="store_true",
                        help="act through the sandbox control API (SandboxClient) instead of "
                             "calling the sandbox's user actions in-process")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temporary directory (bot log, SQLite file)")
    args = parser.parse_args(argv)
    if args.users < 1:
        parser.error("--users must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)

    async def run() -> tuple[dict[str, Any], str | None]:
        task = asyncio.current_task()
        assert task is not None
        # SIGTERM cancels the run like Ctrl+C does, so the bot process is always stopped.
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
        return await benchmark(args)

    try:
        report, failure = asyncio.run(run())
    except (KeyboardInterrupt, asyncio.CancelledError):
        print("interrupted", file=sys.stderr)
        return 130
    except SystemExit as stop:
        print(stop.code, file=sys.stderr)
        return 2
    print(json.dumps(report, ensure_ascii=False, indent=2) if args.json else table(report))
    if failure:
        print(f"sign-up did not complete for every user: {failure}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
