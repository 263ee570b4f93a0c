"""Broadcasts at run time: the text each queued message carries, and the staff member's
progress message, edited every few seconds while their broadcast goes out."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from aiogram import Bot
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.utils.i18n import I18n
from markupsafe import Markup

from bot.outbox import Pacer
from handlers import broadcast as texts
from mentoring.broadcast import Broadcast, Broadcasts, Progress
from mentoring.signup import Signup

log = logging.getLogger(__name__)


class BroadcastTexts:
    """What a queued broadcast message says, or None once it was cancelled. The text never
    changes, so it is read once; whether it still goes out is read again every few
    seconds, not for every recipient."""

    def __init__(self, broadcasts: Broadcasts, recheck: float = 2.0) -> None:
        self._broadcasts = broadcasts
        self._recheck = recheck
        self._texts: dict[int, Markup] = {}
        self._checked: dict[int, tuple[float, bool]] = {}

    async def text(self, broadcast_id: int) -> Markup | None:
        checked_at, live = self._checked.get(broadcast_id, (float("-inf"), False))
        if time.monotonic() - checked_at > self._recheck:
            if len(self._checked) > 1000:  # old broadcasts: read again if ever needed
                self._checked.clear()
                self._texts.clear()
            broadcast = await self._broadcasts.get(broadcast_id)
            live = broadcast is not None and broadcast.status.value == "sending"
            if broadcast is not None:
                self._texts[broadcast_id] = texts.staff_markup(broadcast.text)
            self._checked[broadcast_id] = (time.monotonic(), live)
        return self._texts.get(broadcast_id) if live else None


@dataclass
class _Seen:
    at: float
    sent: int


class BroadcastProgress:
    """Starts scheduled broadcasts when their time comes and keeps each author's progress
    message up to date: sent, left, rate, time to finish; then the final report."""

    def __init__(self, broadcasts: Broadcasts, bot: Bot, i18n: I18n, signup: Signup,
                 pacer: Pacer, every: float = 3.0,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self._broadcasts = broadcasts
        self._bot = bot
        self._i18n = i18n
        self._signup = signup
        self._pacer = pacer
        self.every = every
        self._monotonic = monotonic
        self._seen: dict[int, list[_Seen]] = {}

    async def run(self, while_true: Callable[[], bool] = lambda: True) -> None:
        """Rounds every ``every`` seconds, in the rounds ``while_true`` allows (the process
        that leads)."""
        while True:
            try:
                if while_true():
                    await self.round()
            except Exception:
                log.exception("broadcast progress round failed")
            await asyncio.sleep(self.every)

    async def round(self) -> None:
        await self._broadcasts.start_due()
        for running in await self._broadcasts.running():
            await self._show(running.broadcast, running.progress)
            if running.just_finished:
                self._seen.pop(running.broadcast.id, None)

    def _rate(self, broadcast_id: int, sent: int) -> float | None:
        """Messages per second over the last half minute of observations."""
        now = self._monotonic()
        seen = self._seen.setdefault(broadcast_id, [])
        seen.append(_Seen(now, sent))
        while len(seen) > 2 and now - seen[1].at >= 30:
            seen.pop(0)
        first = seen[0]
        if now - first.at < 1:
            return None
        return (sent - first.sent) / (now - first.at)

    async def _show(self, broadcast: Broadcast, progress: Progress) -> None:
        done = broadcast.status.value != "sending"
        rate = None if done else self._rate(broadcast.id, progress.sent)
        user = await self._signup.user(broadcast.author_id)
        with self._i18n.context(), self._i18n.use_locale(user.language if user else "fr"):
            text = (texts.report_text(broadcast, progress) if done
                    else texts.progress_text(broadcast, progress, rate))
        await self.show(broadcast, text)

    async def show(self, broadcast: Broadcast, text: Markup) -> None:
        """Edit the progress message, or send it when there is none yet."""
        await self._pacer.wait(broadcast.author_id)
        try:
            if broadcast.progress_message_id is not None:
                await self._bot.edit_message_text(
                    text=text, chat_id=broadcast.author_id,
                    message_id=broadcast.progress_message_id, parse_mode=ParseMode.HTML)
                return
        except TelegramBadRequest as error:
            if "not modified" in str(error):
                return
            log.info("progress message of broadcast %s gone (%s): sending a new one",
                     broadcast.id, error)
        try:
            message = await self._bot.send_message(broadcast.author_id, text,
                                                   parse_mode=ParseMode.HTML)
        except TelegramAPIError as error:
            log.warning("could not show progress of broadcast %s: %s", broadcast.id, error)
            return
        await self._broadcasts.set_progress_message(broadcast.id, message.message_id)
        broadcast.progress_message_id = message.message_id
