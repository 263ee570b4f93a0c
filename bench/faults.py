"""Telegram in trouble and the database restarted: does anything get lost?

The bot runs as a real process (``binome run``) against a sandbox served by this script,
which makes 10% of the bot's Bot API calls misbehave (429 with retry_after, 500, a time-out
past the bot's 15 s patience, a slow answer). The database is a PostgreSQL cluster of the
script's own, on a free port in a temporary directory, restarted while users sign up.

N students and N/2 volunteers sign up at once, each action waiting for its answer. Then the
volunteers accept the proposals the outbox brings them, and the introductions go out through
the outbox too. Printed: updates unanswered, replies lost (the failure sentence instead of
the reply: the user has to try again), messages duplicated, outbox messages lost, and how
long it took.

    .venv/bin/python bench/faults.py --students 40
    .venv/bin/python bench/faults.py --students 40 --timeout-applied 0   # time-outs drop
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.telegram import REQUEST_TIMEOUT  # noqa: E402
from handlers.callbacks import ProposalAnswer  # noqa: E402
from sandbox import botapi  # noqa: E402
from sandbox.client import SandboxClient  # noqa: E402
from sandbox.server import RunningSandbox, start_sandbox  # noqa: E402
from storage.database import make_engine  # noqa: E402
from storage.tables import OutboxRow, PairRow  # noqa: E402
from tests.e2e.journeys import (  # noqa: E402
    AGREE,
    CONFIRM,
    ROLE_STUDENT,
    ROLE_VOLUNTEER,
    student_script,
    volunteer_script,
)

STAFF_ID = 42
CRASH = "Désolé, un problème est survenu de notre côté."
# Time-outs, retries and back-off included: 3 attempts of 15 s at worst, and a 429's wait.
ANSWER_WITHIN = 3 * REQUEST_TIMEOUT + 20
RETRY_AFTER = 2
# Longer than the bot's longest pause between two attempts (a 429's retry_after, or the
# back-off), so a reply still on its way is not taken as finished.
CALM = RETRY_AFTER + 1.0


class Cluster:
    """A throwaway PostgreSQL cluster: its own directory, port and processes."""

    def __init__(self) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
        if not found:
            raise SystemExit("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin")
        self.bin = Path(found[-1]).parent
        self.dir = Path(tempfile.mkdtemp(prefix="binome-faults-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        if os.geteuid() == 0:  # initdb and pg_ctl refuse to run as root
            shutil.chown(self.dir, "postgres", "postgres")
        self.url = f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.bin / program), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def start(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync")
        options = (f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 "
                   "-c fsync=off -c max_connections=50")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.dir / "log"), "-o", options,
                  "-w", "start")

    def restart(self) -> float:
        started = time.monotonic()
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "restart")
        return time.monotonic() - started

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)


def read(path: Path) -> str:
    with open(path, errors="replace") as file:
        return file.read()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Tally:
    actions: int = 0
    unanswered: list[str] = field(default_factory=list)
    failed_replies: int = 0


def seen_by(running: RunningSandbox, user_id: int) -> tuple[str, list[dict[str, Any]]]:
    """What the user sees of the bot, as one comparable string, and the bot's messages."""
    transcript = running.sandbox.transcript(user_id)
    bot = [m for m in transcript["messages"] if m["from"] == "bot"]
    view = json.dumps([[(m["message_id"], m["text"], m.get("caption"),
                         m.get("reply_markup")) for m in bot],
                       transcript["callback_answers"]], sort_keys=True, default=str)
    return view, bot


IN_FLIGHT: Counter[int] = Counter()  # Bot API calls under way, by chat


def count_calls_in_flight() -> None:
    """The sandbox runs in this process: wrap its Bot API entry to know, for each chat,
    whether the bot is still in the middle of a call (a slow or hung one, say)."""
    real = botapi.call_method

    async def counted(box: Any, name: str, params: Any) -> tuple[int, dict[str, Any]]:
        try:
            chat = int(params.raw("chat_id"))
        except (TypeError, ValueError):
            chat = 0
        IN_FLIGHT[chat] += 1
        try:
            return await real(box, name, params)
        finally:
            IN_FLIGHT[chat] -= 1

    botapi.call_method = counted  # type: ignore[assignment]


async def settled(running: RunningSandbox, user_id: int) -> None:
    """Wait until the bot is done with this chat: no call under way and nothing new for
    longer than the bot's longest pause between two attempts."""
    view, _ = seen_by(running, user_id)
    calm_since = time.monotonic()
    deadline = calm_since + ANSWER_WITHIN
    while time.monotonic() < deadline:
        await asyncio.sleep(0.1)
        now, _ = seen_by(running, user_id)
        if now != view or IN_FLIGHT[user_id]:
            view, calm_since = now, time.monotonic()
        elif time.monotonic() - calm_since > CALM:
            return


def bot_texts(messages: list[dict[str, Any]]) -> list[str]:
    return [m["text"] or m.get("caption") or "" for m in messages]


async def button_shown(running: RunningSandbox, user_id: int, data: str) -> bool:
    deadline = time.monotonic() + ANSWER_WITHIN
    while time.monotonic() < deadline:
        _, bot = seen_by(running, user_id)
        if data in json.dumps([m.get("reply_markup") for m in bot]):
            return True
        await asyncio.sleep(0.2)
    return False


async def answered(running: RunningSandbox, client: SandboxClient, tally: Tally, user_id: int,
                   kind: str, value: str) -> None:
    """Do one action and wait for its answer; the failure sentence is tried again, as a
    person told to try again in a moment would."""
    user = client.user(user_id)
    for _attempt in range(5):
        tally.actions += 1
        if kind == "press" and not await button_shown(running, user_id, value):
            last = bot_texts(seen_by(running, user_id)[1])[-1:] or [""]
            tally.unanswered.append(f"{user_id}: no button {value}; last {last[0][:60]!r}")
            return
        before, old = seen_by(running, user_id)
        if kind == "send":
            await user.send(value, wait=False)
        else:
            await user.press(value, wait=False)
        deadline = time.monotonic() + ANSWER_WITHIN
        while time.monotonic() < deadline:
            await asyncio.sleep(0.1)
            now, bot = seen_by(running, user_id)
            if now != before:
                await settled(running, user_id)  # the rest of the reply
                now, bot = seen_by(running, user_id)
                break
        else:
            tally.unanswered.append(f"{user_id} {kind} {value[:30]}")
            return
        answers = running.sandbox.transcript(user_id)["callback_answers"]
        fresh = [m["text"] or "" for m in bot[len(old):]] + [
            str(a.get("text")) for a in answers[-1:]]
        if not any(CRASH in text for text in fresh):
            return
        tally.failed_replies += 1
        await asyncio.sleep(1)


async def sign_up(running: RunningSandbox, client: SandboxClient, tally: Tally,
                  user_id: int, role: str) -> None:
    await answered(running, client, tally, user_id, "send", "/start")
    await answered(running, client, tally, user_id, "press",
                   ROLE_STUDENT if role == "student" else ROLE_VOLUNTEER)
    await answered(running, client, tally, user_id, "press", AGREE)
    if role == "student":
        script = student_script(goals=f"Réussir mes partiels (dossier {user_id}).")
    else:
        script = volunteer_script()
    for _step, actions in script:
        for kind, value in actions:
            await answered(running, client, tally, user_id, kind, value)
    await answered(running, client, tally, user_id, "press", CONFIRM)


def spawn_bot(url: str, running: RunningSandbox, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "BOT_TOKEN": running.token, "TELEGRAM_API_URL": running.url,
           "DATABASE_URL": url, "STAFF_IDS": str(STAFF_ID), "LOG_LEVEL": "WARNING",
           "REDIS_URL": "", "QUIET_START": "00:00", "QUIET_END": "00:00",
           "QUIET_SUNDAYS": "false"}
    return subprocess.Popen([str(ROOT / ".venv/bin/binome"), "run"], env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=log.open("wb"))


async def accept_proposals(running: RunningSandbox, client: SandboxClient, tally: Tally,
                           volunteers: list[int], pressed: set[str]) -> int:
    """Every volunteer accepts the proposals they received, all at the same time."""

    async def accept(volunteer: int) -> int:
        accepted = 0
        _, bot = seen_by(running, volunteer)
        for message in bot:
            for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
                for button in row:
                    data = button.get("callback_data", "")
                    if not data.startswith("prop:") or data in pressed:
                        continue
                    if ProposalAnswer.unpack(data).action != "accept":
                        continue
                    pressed.add(data)
                    await answered(running, client, tally, volunteer, "press", data)
                    accepted += 1
        return accepted

    return sum(await asyncio.gather(*(accept(volunteer) for volunteer in volunteers)))


def duplicates(running: RunningSandbox, people: list[int]) -> list[str]:
    """Messages shown twice where once was meant: a message identical to the one just
    before it (a reply sent again), or a proposal or introduction card already received."""
    found = []
    for person in people:
        _, bot = seen_by(running, person)
        cards: set[str] = set()
        for before, message in zip([None, *bot], bot, strict=False):
            shown = (message["text"], json.dumps(message.get("reply_markup"), sort_keys=True))
            markup = shown[1]
            card = "prop:" in markup or '"url"' in markup
            again = before is not None and shown == (
                before["text"], json.dumps(before.get("reply_markup"), sort_keys=True))
            if again or (card and markup in cards):
                found.append(f"{person}: {str(message['text'])[:50]!r}")
            if card:
                cards.add(markup)
    return found


async def run(args: argparse.Namespace) -> dict[str, Any]:
    count_calls_in_flight()
    cluster = Cluster()
    cluster.start()
    started = time.monotonic()
    running = await start_sandbox(port=0, chat_burst=None)
    client = SandboxClient(running.url, wait_timeout=ANSWER_WITHIN)
    log = Path(tempfile.mkstemp(prefix="binome-faults-", suffix=".log")[1])
    bot = spawn_bot(cluster.url, running, log)
    tally = Tally()
    try:
        staff = running.sandbox.create_user(first_name="Sam", id=STAFF_ID, language_code="fr")
        staff.started = True
        while not running.sandbox.calls.get("getUpdates"):
            if bot.poll() is not None:
                raise SystemExit(read(log))
            await asyncio.sleep(0.2)
        await client.random_faults(args.rate, kinds=["429", "500", "timeout", "slow"],
                                   seed=args.seed, retry_after=RETRY_AFTER, slow_delay=2,
                                   timeout_delay=REQUEST_TIMEOUT + 1,
                                   timeout_applied=args.timeout_applied)
        volunteers = [(await client.create_user(first_name=f"Marc{i}", language_code="fr")).id
                      for i in range(max(1, args.students // 2))]
        students = [(await client.create_user(first_name=f"Léa{i}", language_code="fr")).id
                    for i in range(args.students)]
        await asyncio.gather(*(sign_up(running, client, tally, v, "volunteer")
                               for v in volunteers))

        async def restart_in_the_middle() -> float:
            await asyncio.sleep(args.restart_after)
            return await asyncio.to_thread(cluster.restart)

        restart = asyncio.create_task(restart_in_the_middle())
        await asyncio.gather(*(sign_up(running, client, tally, s, "student") for s in students))
        restart_seconds = await restart
        pressed: set[str] = set()
        engine = make_engine(cluster.url)
        quiet_since = time.monotonic()
        while time.monotonic() - quiet_since < args.settle:
            if await accept_proposals(running, client, tally, volunteers, pressed):
                quiet_since = time.monotonic()
            async with engine.connect() as connection:
                waiting = await connection.scalar(select(func.count()).select_from(OutboxRow)
                                                  .where(OutboxRow.status.in_(
                                                      ["pending", "sending"])))
            if waiting:
                quiet_since = time.monotonic()
            await asyncio.sleep(1)
        async with engine.connect() as connection:
            statuses = dict((await connection.execute(
                select(OutboxRow.status, func.count()).group_by(OutboxRow.status))).all())
            pairs = await connection.scalar(select(func.count()).select_from(PairRow))
        await engine.dispose()
        seconds = time.monotonic() - started
        twice = duplicates(running, [STAFF_ID, *volunteers, *students])
        faults = (await client.faults())["random"]
        errors = [line for line in read(log).splitlines()
                  if " ERROR " in line or "Traceback" in line]
        return {
            "students": args.students, "volunteers": len(volunteers), "actions": tally.actions,
            "updates_unanswered": len(tally.unanswered), "unanswered": tally.unanswered[:10],
            "replies_failed_then_retried": tally.failed_replies,
            "messages_duplicated": len(twice), "duplicated": twice[:10],
            "outbox": statuses,
            "outbox_lost": sum(n for status, n in statuses.items() if status != "sent"),
            "pairs": pairs, "faults_served": faults["served"], "calls": faults["calls"],
            "postgres_restart_seconds": round(restart_seconds, 1),
            "error_lines_logged": len(errors), "first_errors": errors[:5],
            "seconds": round(seconds, 1),
        }
    finally:
        bot.send_signal(signal.SIGTERM)
        try:
            bot.wait(15)
        except subprocess.TimeoutExpired:
            bot.kill()
        await client.close()
        await running.stop()
        cluster.remove()
        if not args.keep_log:
            os.unlink(log)
        else:
            print(f"bot log: {log}", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--rate", type=float, default=0.1, help="share of calls that fail")
    parser.add_argument("--timeout-applied", type=float, default=0.5,
                        help="share of time-outs whose call Telegram applied anyway")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--restart-after", type=float, default=5.0,
                        help="seconds into the students' sign-up when PostgreSQL restarts")
    parser.add_argument("--settle", type=float, default=20.0,
                        help="seconds with nothing left to send before the count")
    parser.add_argument("--keep-log", action="store_true")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args)), indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
