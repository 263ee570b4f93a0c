"""Cost of one update: Binôme's Dispatcher next to a bare aiogram bot, in the same run.

Both dispatchers are fed updates in this process (``Dispatcher.feed_update``) with a Bot whose
session answers every Bot API call at once, in memory, without network: what is timed is the
framework and the bot's own work (handlers, middlewares, database), not Telegram. The bare
bot is aiogram 3 with one handler that answers each message and each button press, which is
the floor any aiogram bot pays.

Four steps of the student sign-up are timed, each for a new user every repetition:
``/start``, the role button, the consent button and the first name typed. For Binôme the
script also counts the SQL statements and the transactions each step runs (SQLAlchemy
engine events), so a change that adds a round trip shows here.

    .venv/bin/python bench/update_cost.py
    .venv/bin/python bench/update_cost.py --repetitions 300 \\
        --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/test

The database given is emptied and migrated first (SQLite: a temporary file by default).
Prints a table (or JSON with --json): median and p90 per step, the ratio to the bare bot,
statements and transactions per step.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from aiogram import Bot, Dispatcher, F, Router  # noqa: E402
from aiogram.client.default import DefaultBotProperties  # noqa: E402
from aiogram.client.session.base import BaseSession  # noqa: E402
from aiogram.methods import TelegramMethod  # noqa: E402
from aiogram.methods.base import TelegramType  # noqa: E402
from aiogram.types import CallbackQuery, Chat, Message, Update, User  # noqa: E402
from sqlalchemy import event, text  # noqa: E402

from handlers.callbacks import ConsentAnswer, RoleChoice  # noqa: E402

STEPS = ("/start", "role button", "consent button", "first name typed")
_MESSAGE_METHODS = {"SendMessage", "EditMessageText", "EditMessageReplyMarkup", "SendPhoto",
                    "SendDocument", "CopyMessage", "EditMessageCaption"}


class InstantSession(BaseSession):
    """A Bot API that answers at once: messages get the next id in their chat."""

    def __init__(self) -> None:
        super().__init__()
        self.ids = itertools.count(1)
        self.calls = 0
        self.texts: dict[int, list[str]] = {}

    async def close(self) -> None:
        return None

    async def make_request(self, bot: Bot, method: TelegramMethod[TelegramType],
                           timeout: int | None = None,  # noqa: ASYNC109 (aiogram's signature)
                           ) -> TelegramType:
        self.calls += 1
        name = type(method).__name__
        if name in _MESSAGE_METHODS:
            chat_id = int(getattr(method, "chat_id", 0) or 0)
            self.texts.setdefault(chat_id, []).append(str(getattr(method, "text", "")))
            result: Any = Message(
                message_id=getattr(method, "message_id", None) or next(self.ids),
                date=datetime.now(UTC), chat=Chat(id=chat_id, type="private"),
                text=getattr(method, "text", None) or "",
                reply_markup=getattr(method, "reply_markup", None))
            return result.as_(bot)  # type: ignore[no-any-return]
        return True  # type: ignore[return-value]

    async def stream_content(self, url: str, headers: dict[str, Any] | None = None,
                             timeout: int = 30,  # noqa: ASYNC109 (aiogram's signature)
                             chunk_size: int = 65536, raise_for_status: bool = True,
                             ) -> AsyncGenerator[bytes, None]:
        raise NotImplementedError("the sign-up downloads nothing")
        yield b""  # pragma: no cover


@dataclass
class Counts:
    statements: int = 0
    transactions: int = 0


@dataclass
class Step:
    name: str
    times: list[float] = field(default_factory=list)
    statements: list[int] = field(default_factory=list)
    transactions: list[int] = field(default_factory=list)


class Updates:
    """Updates a new user sends, as Telegram would post them."""

    def __init__(self) -> None:
        self.ids = itertools.count(1)

    def user(self, user_id: int) -> User:
        return User(id=user_id, is_bot=False, first_name="Léa", language_code="fr")

    def message(self, user_id: int, body: str) -> Update:
        message = Message(message_id=next(self.ids), date=datetime.now(UTC),
                          chat=Chat(id=user_id, type="private"), from_user=self.user(user_id),
                          text=body)
        return Update(update_id=next(self.ids), message=message)

    def press(self, user_id: int, data: str, message_id: int) -> Update:
        message = Message(message_id=message_id, date=datetime.now(UTC),
                          chat=Chat(id=user_id, type="private"),
                          from_user=User(id=1, is_bot=True, first_name="Binôme"), text="…")
        query = CallbackQuery(id=str(next(self.ids)), from_user=self.user(user_id),
                              chat_instance="bench", message=message, data=data)
        return Update(update_id=next(self.ids), callback_query=query)


def bare_dispatcher() -> Dispatcher:
    router = Router()

    @router.message(F.text)
    async def echo(message: Message) -> None:
        await message.answer(message.text or "")

    @router.callback_query()
    async def pressed(query: CallbackQuery) -> None:
        await query.answer()
        if isinstance(query.message, Message):
            await query.message.answer("ok")

    dp = Dispatcher()
    dp.include_router(router)
    return dp


def scripted(user_id: int, updates: Updates, last_message: Callable[[], int],
             ) -> list[Callable[[], Update]]:
    """The four sign-up steps as updates built when sent (a press names the message the
    bot sent last)."""
    role = RoleChoice(role="student").pack()
    consent = ConsentAnswer(answer="yes").pack()
    return [
        lambda: updates.message(user_id, "/start"),
        lambda: updates.press(user_id, role, last_message()),
        lambda: updates.press(user_id, consent, last_message()),
        lambda: updates.message(user_id, "Léa"),
    ]


async def play(dp: Dispatcher, bot: Bot, session: InstantSession, steps: list[Step],
               first_user: int, repetitions: int, warmup: int, counts: Counts | None) -> None:
    updates = Updates()
    for repetition in range(warmup + repetitions):
        user_id = first_user + repetition

        def last_message() -> int:
            return max(next(session.ids) - 1, 1)

        for step, build in zip(steps, scripted(user_id, updates, last_message), strict=True):
            update = build()
            before = (counts.statements, counts.transactions) if counts else (0, 0)
            started = time.perf_counter()
            await dp.feed_update(bot, update)
            elapsed = time.perf_counter() - started
            if repetition < warmup:
                continue
            step.times.append(elapsed * 1000)
            if counts:
                step.statements.append(counts.statements - before[0])
                step.transactions.append(counts.transactions - before[1])


async def reset(database_url: str) -> None:
    from storage.database import make_engine
    from storage.tables import Base

    engine = make_engine(database_url)
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.drop_all)
        await connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    await engine.dispose()


async def measure(database_url: str, repetitions: int, warmup: int) -> dict[str, Any]:
    from bot.app import build_dispatcher, build_runtime
    from bot.config import Settings
    from storage.migrate import upgrade

    await reset(database_url)
    await asyncio.to_thread(upgrade, database_url)
    settings = Settings(_env_file=None, database_url=database_url,  # type: ignore[call-arg]
                        bot_token=None, redis_url=None, default_language="fr")
    runtime = build_runtime(settings)
    counts = Counts()

    def statement(*_: Any) -> None:
        counts.statements += 1

    def begun(*_: Any) -> None:
        counts.transactions += 1

    event.listen(runtime.engine.sync_engine, "before_cursor_execute", statement)
    event.listen(runtime.engine.sync_engine, "begin", begun)

    binome_session, bare_session = InstantSession(), InstantSession()
    properties = DefaultBotProperties(parse_mode=None)
    binome_bot = Bot("1:bench", session=binome_session, default=properties)
    bare_bot = Bot("1:bench", session=bare_session, default=properties)
    binome_dp, bare_dp = build_dispatcher(runtime), bare_dispatcher()
    binome = [Step(name) for name in STEPS]
    bare = [Step(name) for name in STEPS]
    try:
        # Interleaved in rounds, so that the machine's load weighs on both alike.
        rounds = 10
        per_round = max(repetitions // rounds, 1)
        for number in range(rounds):
            first = 10_000_000 + number * (per_round + warmup)
            await play(bare_dp, bare_bot, bare_session, bare, first, per_round,
                       warmup if number == 0 else 0, None)
            await play(binome_dp, binome_bot, binome_session, binome, first, per_round,
                       warmup if number == 0 else 0, counts)
    finally:
        await runtime.close()
    # Every user must have walked the same way to the next question (a step that failed or
    # fell to the fallback would end elsewhere, and would time something else).
    endings = {tuple(texts[-2:]) for texts in binome_session.texts.values()}
    if len(endings) != 1 or min(map(len, binome_session.texts.values())) < len(STEPS) + 1:
        raise SystemExit(f"the sign-up did not go the same way for every user: {endings}")
    rows = []
    for ours, floor in zip(binome, bare, strict=True):
        median, floor_median = statistics.median(ours.times), statistics.median(floor.times)
        rows.append({
            "step": ours.name,
            "bare_ms": round(floor_median, 3),
            "binome_ms": round(median, 3),
            "binome_p90_ms": round(statistics.quantiles(ours.times, n=10)[-1], 3),
            "ratio": round(median / floor_median, 1),
            "statements": statistics.median(ours.statements),
            "transactions": statistics.median(ours.transactions),
            "n": len(ours.times),
        })
    return {"database": database_url.split(":", 1)[0], "steps": rows}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="emptied and migrated (default: a temporary "
                                               "SQLite file)")
    parser.add_argument("--repetitions", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(directory) / 'bench.db'}"
        result = asyncio.run(measure(url, args.repetitions, args.warmup))
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"database: {result['database']}")
    print(f"{'step':<18} {'bare ms':>8} {'Binôme ms':>10} {'p90 ms':>8} {'ratio':>6} "
          f"{'SQL':>4} {'tx':>3}")
    for row in result["steps"]:
        print(f"{row['step']:<18} {row['bare_ms']:>8.2f} {row['binome_ms']:>10.2f} "
              f"{row['binome_p90_ms']:>8.2f} {row['ratio']:>6.1f} {row['statements']:>4g} "
              f"{row['transactions']:>3g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
