"""The outbox sender: delivers what the bot says on its own, at Telegram's pace.

Rows are claimed with a lease, so a crashed sender's rows are taken over when the lease ends:
nothing is lost, and only messages in flight at the crash can go twice. It honours 429's
``retry_after`` for everyone, never retries a user who blocked the bot (403), and retries
server errors and time-outs with back-off. A row that cannot be rendered is recorded as
failed with its error and never holds up the others.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from aiogram import Bot
from aiogram.enums import ParseMode
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from markupsafe import Markup

from storage.outbox import Claimed, OutboxQueue

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
MAX_IN_FLIGHT = 16
HELD = 4
"""Batches a sender may hold at once while the chats of those in hand wait for their pace."""

INTRODUCTIONS = frozenset({"intro_student", "intro_volunteer"})


@dataclass(frozen=True)
class Rendered:
    """A message to send: ``text`` with ``markup``, or, when ``deliver`` is given, whatever
    it sends (a copy of what a member wrote), returning the id of the message it sent.
    ``after`` runs once the message has gone (``deliver``'s id, else the sent message's), or
    ``settled`` whatever the outcome: what must follow each send, kind by kind."""

    text: Markup | str = ""
    markup: Any = None
    deliver: Callable[[Bot], Awaitable[int]] | None = None
    after: Callable[[int], Awaitable[None]] | None = None
    settled: Callable[[], Awaitable[None]] | None = None
    without_buttons: Markup | None = None
    """A line added when Telegram refuses a button and the message goes again without it,
    so the reader still learns how to write (an introduction names the relay)."""


class Skipped(Exception):
    """Raised by a ``deliver`` when there is nothing to send any more (a message to forward
    was deleted): the row is recorded as skipped with the reason, and the others go on."""


RefusalAlert = Callable[[Claimed, str], Awaitable[None]]
"""(the row, Telegram's description): tells staff an introduction could not be delivered."""


Renderer = Callable[[str, dict[str, Any], int, str, int], Awaitable[Rendered | None]]
"""(kind, params, recipient id, language, outbox row id) -> the message, or None when it no
longer applies."""


class Pacer:
    """A global rate across all chats and about one message a second per chat.

    Sends are spaced 1% wider than ``rate`` asks: Telegram counts messages in any one-second
    window, and without that margin a request that arrives a few milliseconds early would
    make 31 in a second and draw a 429. Each 429 widens the margin by another 1% (up to
    10%), for everyone, and the margin goes back to 1% after a minute without any."""

    BASE_MARGIN, MAX_MARGIN, CALM_SECONDS = 0.01, 0.10, 60.0

    def __init__(self, rate: float, per_chat_interval: float = 1.0,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self._rate = rate
        self._margin = self.BASE_MARGIN
        self._per_chat = per_chat_interval
        self._next_slot = 0.0
        self._paused_until = 0.0
        self._last_refusal = float("-inf")
        self._chat_next: dict[int, float] = {}

    @property
    def interval(self) -> float:
        return (1.0 + self._margin) / self._rate

    def pause(self, seconds: float) -> None:
        """Telegram said 429: everyone waits, since the limit is the bot's, not the chat's,
        and messages are spaced a little wider for a while."""
        now = self._monotonic()
        self._paused_until = max(self._paused_until, now + seconds)
        self._margin = min(self.MAX_MARGIN, self._margin + 0.01)
        self._last_refusal = now

    def monotonic(self) -> float:
        return self._monotonic()

    def ready_at(self, chat_id: int) -> float:
        """When ``chat_id``'s next message may go (monotonic seconds; past if now)."""
        return self._chat_next.get(chat_id, 0.0)

    async def wait(self, chat_id: int) -> None:
        now = self._monotonic()
        if self._margin > self.BASE_MARGIN and now - self._last_refusal > self.CALM_SECONDS:
            self._margin = self.BASE_MARGIN
        slot = max(self._next_slot, now, self._paused_until, self._chat_next.get(chat_id, 0.0))
        self._next_slot = slot + self.interval
        self._chat_next[chat_id] = slot + self._per_chat
        if len(self._chat_next) > 10_000:
            self._chat_next = {c: t for c, t in self._chat_next.items() if t > now}
        if slot > now:
            await asyncio.sleep(slot - now)


class OutboxSender:
    def __init__(self, queue: OutboxQueue, bot: Bot, render: Renderer, rate: float,
                 clock: Callable[[], datetime], alert: RefusalAlert | None = None) -> None:
        self._queue = queue
        self._alert = alert
        self._bot = bot
        self._render = render
        self.pacer = Pacer(rate)
        self._clock = clock
        self._batch = max(1, int(rate * 2))
        self._stopping = asyncio.Event()
        self._woken = asyncio.Event()

    def wake(self) -> None:
        """Something was queued that someone is waiting for (a relayed message): start the
        next round now rather than at the end of the pause between rounds."""
        self._woken.set()

    def stop(self) -> None:
        """Finish the sends in flight, give back the rows claimed but not sent yet, and
        end ``run``; the process is shutting down."""
        self._stopping.set()

    async def drain(self) -> int:
        """Send everything due now; returns how many messages were delivered.

        Only the pace is waited for in line: each message is sent and recorded in a task of
        its own, so a slow answer or database write never costs the next message its slot."""
        delivered = 0
        in_flight: set[asyncio.Task[int]] = set()
        room = asyncio.Semaphore(MAX_IN_FLIGHT)

        def done(task: asyncio.Task[int]) -> None:
            nonlocal delivered
            in_flight.discard(task)
            room.release()
            if not task.cancelled() and task.exception() is None:
                delivered += task.result()
            elif not task.cancelled():
                log.error("outbox delivery failed", exc_info=task.exception())

        unsent: list[Claimed] = []
        # One chat's messages go one after the other, in the order claimed: a burst someone
        # pasted arrives as they wrote it, whatever the pace allows across chats.
        latest: dict[int, asyncio.Task[int]] = {}
        try:
            while not self._stopping.is_set():
                unsent = await self._queue.claim(self._clock(), self._batch)
                if not unsent:
                    break
                while unsent and not self._stopping.is_set():
                    index = self._next(unsent)
                    if not self._ready(unsent[index]) and len(unsent) < HELD * self._batch:
                        # Every chat in hand waits for its second: take more rows, so
                        # that a few people's bursts do not slow everyone else down.
                        unsent += await self._more(unsent)
                        index = self._next(unsent)
                    row = unsent[index]
                    message = await self._prepare(row)
                    if message is None:
                        unsent.pop(index)
                        continue
                    await room.acquire()
                    if not await self._turn(row.recipient_id):
                        room.release()
                        break
                    unsent.pop(index)
                    task = asyncio.create_task(
                        self._after(latest.get(row.recipient_id), row, message))
                    latest[row.recipient_id] = task
                    in_flight.add(task)
                    task.add_done_callback(done)
        finally:
            if in_flight:
                await asyncio.wait(set(in_flight))
            if unsent:  # stopping, or an error: due again now rather than when the lease ends
                try:
                    await self._queue.release([row.id for row in unsent])
                except Exception:
                    log.exception("outbox rows %s could not be given back",
                                  [row.id for row in unsent])
        return delivered

    def _ready(self, row: Claimed) -> bool:
        return self.pacer.ready_at(row.recipient_id) <= self.pacer.monotonic()

    async def _more(self, unsent: list[Claimed]) -> list[Claimed]:
        """The next due rows, but none already in hand (a row held past its lease is due
        again and must not be sent twice)."""
        held = {row.id for row in unsent}
        return [row for row in await self._queue.claim(self._clock(), self._batch)
                if row.id not in held]

    def _next(self, unsent: list[Claimed]) -> int:
        """The first row whose chat may have a message now, else the one whose chat may
        soonest: someone who pasted thirty messages waits a second per message, and the
        others' messages go meanwhile instead of queueing behind theirs. A chat's own rows
        keep their order, since they share their chat's moment."""
        now = self.pacer.monotonic()
        best, best_at = 0, float("inf")
        for index, row in enumerate(unsent):
            at = max(now, self.pacer.ready_at(row.recipient_id))
            if at < best_at:
                best, best_at = index, at
                if at <= now:
                    break
        return best

    async def _turn(self, chat_id: int) -> bool:
        """Wait for this chat's slot; False if the sender is told to stop meanwhile (a 429
        can make that wait long)."""
        if self._stopping.is_set():
            return False
        waiting = asyncio.ensure_future(self.pacer.wait(chat_id))
        stopping = asyncio.ensure_future(self._stopping.wait())
        await asyncio.wait({waiting, stopping}, return_when=asyncio.FIRST_COMPLETED)
        for future in (waiting, stopping):
            future.cancel()
        return waiting.done() and not waiting.cancelled()

    async def run(self, every: float = 1.0,
                  while_true: Callable[[], bool] = lambda: True) -> None:
        """Drain forever, a round every ``every`` seconds or at once when woken, in the
        rounds ``while_true`` allows (the process that leads)."""
        while not self._stopping.is_set():
            try:
                if while_true():
                    await self.drain()
            except Exception:
                log.exception("outbox round failed")
            await self._pause(every)

    async def _pause(self, every: float) -> None:
        """Until the next round: ``every`` seconds, or less when woken or stopped."""
        woken = asyncio.ensure_future(self._woken.wait())
        stopping = asyncio.ensure_future(self._stopping.wait())
        await asyncio.wait({woken, stopping}, timeout=every,
                           return_when=asyncio.FIRST_COMPLETED)
        for future in (woken, stopping):
            future.cancel()
        self._woken.clear()

    async def _prepare(self, row: Claimed) -> Rendered | None:
        """The message for ``row``; None when it no longer applies (recorded as skipped) or
        cannot be rendered (recorded as failed: rendering again would fail the same way)."""
        try:
            message = await self._render(row.kind, row.params, row.recipient_id, row.language,
                                         row.id)
        except Exception as error:
            log.exception("outbox %s (%s) could not be rendered", row.id, row.kind)
            await self._queue.finish(row.id, "failed", self._clock(), _describe(error))
            return None
        if message is None:
            await self._queue.finish(row.id, "skipped", self._clock())
        return message

    async def _after(self, previous: asyncio.Task[int] | None, row: Claimed,
                     message: Rendered) -> int:
        if previous is not None:
            await asyncio.wait({previous})
        try:
            return await self._send(row, message)
        finally:
            if message.settled is not None:
                try:
                    await message.settled()
                except Exception:
                    log.exception("outbox %s (%s): the step after sending failed", row.id,
                                  row.kind)

    async def _send(self, row: Claimed, message: Rendered) -> int:
        queue, now = self._queue, self._clock
        try:
            if message.deliver is not None:
                sent_id = await message.deliver(self._bot)
            else:
                sent = await self._bot.send_message(
                    row.recipient_id, message.text, parse_mode=ParseMode.HTML,
                    reply_markup=message.markup)
                sent_id = sent.message_id
        except Skipped as error:
            await queue.finish(row.id, "skipped", now(), str(error))
            return 0
        except TelegramRetryAfter as error:
            self.pacer.pause(error.retry_after)
            await queue.retry(row.id, now() + timedelta(seconds=error.retry_after), str(error),
                              count=False)
            return 0
        except TelegramForbiddenError as error:
            await queue.finish(row.id, "blocked", now(), str(error))
            await queue.mark_blocked(row.recipient_id, now())
            return 0
        except (TimeoutError, TelegramServerError, TelegramNetworkError) as error:
            if row.attempts >= MAX_ATTEMPTS:
                await queue.finish(row.id, "failed", now(), str(error))
            else:
                backoff = timedelta(seconds=min(300, 2 ** row.attempts))
                await queue.retry(row.id, now() + backoff, str(error))
            return 0
        except TelegramBadRequest as error:
            if message.deliver is None and message.markup is not None \
                    and refused_button(str(error)):
                return await self._send_without_buttons(row, message, str(error))
            return await self._refused(row, str(error))
        except Exception as error:
            # Not an answer from Telegram (a bug, or an error aiogram has no class for): the
            # message may not have left, so it is tried again later, a bounded number of times,
            # instead of staying claimed until its lease runs out.
            log.exception("outbox %s (%s) could not be sent", row.id, row.kind)
            if row.attempts >= MAX_ATTEMPTS:
                await queue.finish(row.id, "failed", now(), _describe(error))
            else:
                backoff = timedelta(seconds=min(300, 2 ** row.attempts))
                await queue.retry(row.id, now() + backoff, _describe(error))
            return 0
        return await self._sent(row, message, sent_id)

    async def _sent(self, row: Claimed, message: Rendered, sent_id: int) -> int:
        await self._queue.finish(row.id, "sent", self._clock())
        if message.after is not None:
            try:
                await message.after(sent_id)
            except Exception:  # the message has gone: it is not sent again
                log.exception("outbox %s (%s): recording the sent message failed", row.id,
                              row.kind)
        return 1

    async def _send_without_buttons(self, row: Claimed, message: Rendered, error: str) -> int:
        """Telegram refused a button (a tg://user link the person forbids, a url it cannot
        open...): the message goes again at once, with the fewest buttons dropped, so what
        it says still arrives. The other buttons (the rhythm on an introduction) stay when
        they can; the whole keyboard goes only if Telegram refuses the lighter one too."""
        text, note = message.text, message.without_buttons
        if note is not None and note not in text:  # an introduction already names the relay
            text = Markup("{}\n\n{}").format(text, note)
        log.warning("outbox %s (%s) refused a button (%s): sent again without it",
                    row.id, row.kind, error)
        lighter = without_refused(message.markup, error)
        lighter_first = lighter is not None and lighter != message.markup
        for markup in ([lighter] if lighter_first else []) + [None]:
            try:
                sent = await self._bot.send_message(row.recipient_id, text,
                                                    parse_mode=ParseMode.HTML,
                                                    reply_markup=markup)
            except TelegramBadRequest as again:
                if markup is not None and refused_button(str(again)):
                    continue
                return await self._refused(row, str(again))
            return await self._sent(row, message, sent.message_id)
        raise AssertionError("unreachable: the keyboard-less send returns")

    async def _refused(self, row: Claimed, error: str) -> int:
        log.error("outbox %s (%s) refused by Telegram: %s", row.id, row.kind, error)
        await self._queue.finish(row.id, "failed", self._clock(), error)
        if row.kind in INTRODUCTIONS and self._alert is not None:
            # A new pair must never be left without their introduction and nobody knowing.
            try:
                await self._alert(row, error)
            except Exception:
                log.exception("staff could not be alerted of outbox %s", row.id)
        return 0


BUTTON_ERRORS = ("BUTTON_USER_PRIVACY_RESTRICTED", "BUTTON_URL_INVALID", "BUTTON_DATA_INVALID",
                 "BUTTON_TYPE_INVALID", "BUTTON_POS_INVALID", "BUTTON_ID_INVALID",
                 "BUTTON_INVALID")
"""Telegram's descriptions of a 400 caused by a button of the keyboard, not the message."""


def refused_button(description: str) -> bool:
    return any(code in description.upper() for code in BUTTON_ERRORS)


def without_refused(markup: Any, description: str) -> InlineKeyboardMarkup | None:
    """The keyboard without the kind of button Telegram named: tg://user links when the
    person forbids links to them, every url button for a bad url, every callback button
    for bad data; None (no keyboard) when the description does not say which."""
    if not isinstance(markup, InlineKeyboardMarkup):
        return None
    description = description.upper()

    def refused(button: InlineKeyboardButton) -> bool:
        if "BUTTON_USER_PRIVACY_RESTRICTED" in description:
            return (button.url or "").lower().startswith("tg://user")
        if "BUTTON_URL_INVALID" in description:
            return button.url is not None
        if "BUTTON_DATA_INVALID" in description:
            return button.callback_data is not None
        return True

    rows = [[b for b in row if not refused(b)] for row in markup.inline_keyboard]
    rows = [row for row in rows if row]
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"
