"""Telegram session behaviour shared by every request the bot makes."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import TelegramBadRequest, TelegramRetryAfter
from aiogram.methods import AnswerCallbackQuery, TelegramMethod
from aiogram.methods.base import Response, TelegramType

log = logging.getLogger(__name__)


class WaitOnFloodControl(BaseRequestMiddleware):
    """When Telegram answers 429, wait the time it asks for and try again.

    Only short waits are taken here, since a user is waiting for the reply; a longer one is
    raised to the caller (the error router turns it into a log line).
    """

    def __init__(self, attempts: int = 3, longest_wait: float = 5.0) -> None:
        self._attempts = attempts
        self._longest_wait = longest_wait

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        for attempt in range(1, self._attempts + 1):
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as error:
                if attempt == self._attempts or error.retry_after > self._longest_wait:
                    raise
                log.info("flood control on %s: waiting %ss", method.__api_method__,
                         error.retry_after)
                await asyncio.sleep(error.retry_after)
        raise AssertionError("unreachable")  # pragma: no cover


class LateCallbackAnswers(BaseRequestMiddleware):
    """Answering a button press is only a courtesy (it stops the spinner): when Telegram says
    the press is too old to answer, because the bot was busy, the update is still handled."""

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        try:
            return await make_request(bot, method)
        except TelegramBadRequest as error:
            if not isinstance(method, AnswerCallbackQuery) or "query is too old" not in str(
                    error):
                raise
            log.info("a button press was answered too late: %s", error)
            return Response[TelegramType](ok=True, result=True)  # type: ignore[arg-type]


class KeepResponseModels(BaseRequestMiddleware):
    """Hold the parametrised ``Response[...]`` models aiogram builds for each reply.

    pydantic caches generic models weakly; nothing else holds aiogram's, so each request
    rebuilt its response model: about 11 ms of CPU per call, most of the bot's time per
    update (seen with cProfile on the sign-up tests). Keeping one per method type is enough.
    """

    def __init__(self) -> None:
        self._models: dict[Any, Any] = {}

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        returning = method.__returning__
        if returning not in self._models:
            self._models[returning] = Response[returning]  # type: ignore[valid-type]
        return await make_request(bot, method)


def install(bot: Bot, **options: Any) -> Bot:
    bot.session.middleware(KeepResponseModels())
    bot.session.middleware(LateCallbackAnswers())
    bot.session.middleware(WaitOnFloodControl(**options))
    return bot
