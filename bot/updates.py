"""A webhook worker handles each update once, even when Telegram posts it again (it does when
the answer to its POST did not arrive in time) or when it reaches another worker."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, Protocol

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update

log = logging.getLogger(__name__)


class SeenUpdates(Protocol):
    async def first_time(self, update_id: int, now: datetime) -> bool: ...
    async def forget(self, update_id: int) -> None: ...


class OnceOnly(BaseMiddleware):
    """On ``dp.update``: an update already taken is dropped; one whose handling fails is
    forgotten, so that Telegram's next delivery of it is handled."""

    def __init__(self, seen: SeenUpdates, clock: Callable[[], datetime]) -> None:
        self._seen = seen
        self._clock = clock

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        if not isinstance(event, Update):
            return await handler(event, data)
        if not await self._seen.first_time(event.update_id, self._clock()):
            log.info("update %s was delivered again: already handled", event.update_id)
            return None
        try:
            return await handler(event, data)
        except Exception:
            await self._seen.forget(event.update_id)
            raise
