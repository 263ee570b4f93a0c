"""Telegram session behaviour shared by every request the bot makes."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiogram import BaseMiddleware, Bot, Dispatcher
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.dispatcher.middlewares.user_context import UserContextMiddleware
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramEntityTooLarge,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import AnswerCallbackQuery, GetUpdates, TelegramMethod
from aiogram.methods.base import Response, TelegramType
from aiogram.types import InlineKeyboardMarkup, TelegramObject
from sqlalchemy.exc import DBAPIError, InterfaceError

from bot.outbox import refused_button, without_refused

log = logging.getLogger(__name__)

# Telegram answers in well under a second; a reply held longer than this is not coming, and
# the user is waiting. aiogram's own default is a minute.
REQUEST_TIMEOUT = 15.0

# Methods whose second call, after a first one that did reach Telegram, makes something the
# user sees twice. Every other method sets a state (an edit, a deletion, a menu, a button's
# answer) and repeating it changes nothing.
SENDING = frozenset({
    "sendMessage", "sendPhoto", "sendDocument", "sendAudio", "sendVideo", "sendAnimation",
    "sendVoice", "sendVideoNote", "sendSticker", "sendMediaGroup", "sendLocation",
    "sendVenue", "sendContact", "sendPoll", "sendDice", "sendInvoice", "forwardMessage",
    "forwardMessages", "copyMessage", "copyMessages",
})

# What a repeated state-setting call says when its first attempt was applied after all.
ALREADY_DONE = ("message is not modified", "message to delete not found")


class WaitOnFloodControl(BaseRequestMiddleware):
    """When Telegram answers 429, wait the time it asks for and try again.

    Only short waits are taken here, since a user is waiting for the reply; a longer one is
    raised to the caller (the error router turns it into a log line).
    """

    def __init__(self, attempts: int = 5, longest_wait: float = 5.0) -> None:
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


ASYNCPG_CONNECTION_ERRORS = frozenset({
    "PostgresConnectionError", "InternalClientError", "ConnectionDoesNotExistError",
    "CannotConnectNowError", "AdminShutdownError", "CrashShutdownError",
})


@dataclass
class _Reply:
    """The update being handled; ``spoke`` once the bot called Telegram for it."""

    spoke: bool = False


# Set while an update is handled: what is sent then is a reply someone is waiting for. The
# outbox, which keeps and retries its own messages, sends outside of it.
_replying: ContextVar[_Reply | None] = ContextVar("replying", default=None)


def database_lost(error: BaseException) -> bool:
    """Whether ``error`` comes from a lost database connection (a restart, a failover)."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, OSError | InterfaceError):
            return True
        if isinstance(seen, DBAPIError) and seen.connection_invalidated:
            return True
        # asyncpg's, when a connection broke in the middle of a query or the server is
        # going down or not up yet (by name: SQLite-only installs need no asyncpg).
        if {kind.__name__ for kind in type(seen).__mro__} & ASYNCPG_CONNECTION_ERRORS:
            return True
        if isinstance(seen, DBAPIError) and isinstance(seen.orig, BaseException) and (
                seen.orig is not seen.__cause__ and database_lost(seen.orig)):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


class RepliesToUpdates(BaseMiddleware):
    """Marks the calls made while handling an update as replies, and handles the update
    again when the database connection was lost before the bot said anything: nothing was
    kept (the transaction rolled back) and the user would otherwise get no answer.

    After the bot has spoken, a second run could say it twice, so the error goes on to the
    error router (which tells the user to try again).
    """

    def __init__(self, attempts: int = 3, wait: float = 1.0) -> None:
        self._attempts = attempts
        self._wait = wait

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        for attempt in range(1, self._attempts + 1):
            reply = _Reply()
            token = _replying.set(reply)
            try:
                return await handler(event, data)
            except Exception as error:
                if attempt == self._attempts or reply.spoke or not database_lost(error):
                    raise
                log.warning("the database connection was lost (%s): handling the update again",
                            error)
            finally:
                _replying.reset(token)
            await asyncio.sleep(self._wait * attempt)
        raise AssertionError("unreachable")  # pragma: no cover


def mark_replies(dp: Dispatcher) -> Dispatcher:
    """Installs RepliesToUpdates around the reading of the user and of the conversation
    state, which are the first to meet a lost database, and inside the errors middleware,
    which must still see what fails for good."""
    outer = dp.update.outer_middleware
    found = [i for i, m in enumerate(outer) if isinstance(m, UserContextMiddleware)]
    outer._middlewares.insert(found[0] if found else len(outer), RepliesToUpdates())
    return dp


def never_reached_telegram(error: TelegramNetworkError) -> bool:
    """The connection was refused or could not be made: nothing was applied."""
    return isinstance(error.__cause__, aiohttp.ClientConnectorError)


class RetryServerTrouble(BaseRequestMiddleware):
    """Try again, a few times with growing waits, when Telegram answers 5xx or does not
    answer at all, so a reply is not lost to a passing fault.

    A 5xx, or a connection that could not be made, means nothing was applied, so every method
    is tried again. After a time-out the call may well have been applied: methods that set a
    state are repeated (a repeat Telegram refuses as already done counts as success), and
    sending methods are repeated only when ``resend_after_timeout`` is set, because that
    sends the message twice whenever Telegram had applied it (bench/faults.py measures it).
    A user waiting for the bot's answer to a message is better served by a rare duplicate
    than by silence, hence the default.

    Only replies are retried here: getUpdates is left to aiogram's polling, which has its own
    back-off, and the outbox to its sender, which retries later from the database.
    """

    def __init__(self, attempts: int = 3, first_wait: float = 0.5, longest_wait: float = 4.0,
                 resend_after_timeout: bool = True) -> None:
        self._attempts = attempts
        self._first_wait = first_wait
        self._longest_wait = longest_wait
        self._resend_after_timeout = resend_after_timeout

    def _wait(self, attempt: int) -> float:
        # Jitter keeps many waiting replies from all coming back in the same instant.
        wait = min(self._longest_wait, self._first_wait * 2.0 ** (attempt - 1))
        return float(wait * random.uniform(0.8, 1.2))

    def _repeatable(self, method: TelegramMethod[Any], error: Exception) -> bool:
        if isinstance(error, TelegramServerError):
            return True
        if isinstance(error, TelegramEntityTooLarge):
            return False
        assert isinstance(error, TelegramNetworkError)
        if never_reached_telegram(error):
            return True
        return method.__api_method__ not in SENDING or self._resend_after_timeout

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        reply = _replying.get()
        if reply is None or method.__api_method__ == GetUpdates.__api_method__:
            return await make_request(bot, method)
        reply.spoke = True
        ambiguous = False  # an earlier attempt may have been applied
        for attempt in range(1, self._attempts + 1):
            try:
                return await make_request(bot, method)
            except TelegramBadRequest as error:
                if ambiguous and any(done in str(error) for done in ALREADY_DONE):
                    log.info("%s was applied before it timed out", method.__api_method__)
                    return Response[TelegramType](ok=True, result=True)  # type: ignore[arg-type]
                raise
            except (TelegramServerError, TelegramNetworkError) as error:
                if attempt == self._attempts or not self._repeatable(method, error):
                    raise
                if isinstance(error, TelegramNetworkError) and not never_reached_telegram(error):
                    ambiguous = True
                wait = self._wait(attempt)
                log.info("%s failed (%s): trying again in %.1fs", method.__api_method__, error,
                         wait)
                await asyncio.sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover


class DropRefusedButtons(BaseRequestMiddleware):
    """A reply Telegram refuses for one of its buttons (a ``tg://user`` link to someone who
    forbids links to their account, a url it rejects) is sent again at once without that
    kind of button, so the person still gets the message: a staff view that lists a student
    who forbids links, for instance. Only replies to updates: the outbox does the same for
    what it sends, and also tells the recipient how to write."""

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        try:
            return await make_request(bot, method)
        except TelegramBadRequest as error:
            markup = getattr(method, "reply_markup", None)
            if _replying.get() is None or markup is None or not refused_button(error.message):
                raise
            log.warning("%s refused for a button (%s): sent again without it",
                        method.__api_method__, error.message)
            # Telegram does not say which link it refused: each one alone first (a staff
            # view links both members of a pair), then all of that kind.
            for keyboard in (*_each_link_dropped(markup, error.message),
                             without_refused(markup, error.message)):
                try:
                    return await make_request(bot, method.model_copy(
                        update={"reply_markup": keyboard}))
                except TelegramBadRequest as again:
                    if not refused_button(again.message):
                        raise
            raise


def _each_link_dropped(markup: Any, description: str) -> list[InlineKeyboardMarkup]:
    """The keyboard without one of its tg://user links, for each of them, when there are
    several and Telegram refused one for the person's privacy."""
    if ("BUTTON_USER_PRIVACY_RESTRICTED" not in description.upper()
            or not isinstance(markup, InlineKeyboardMarkup)):
        return []
    links = [b for row in markup.inline_keyboard for b in row
             if (b.url or "").lower().startswith("tg://user")]
    if len(links) < 2:
        return []
    keyboards = []
    for link in links:
        rows = [[b for b in row if b is not link] for row in markup.inline_keyboard]
        keyboards.append(InlineKeyboardMarkup(inline_keyboard=[row for row in rows if row]))
    return keyboards


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


def install(bot: Bot, request_timeout: float = REQUEST_TIMEOUT,
            retry: dict[str, Any] | None = None, **options: Any) -> Bot:
    bot.session.timeout = request_timeout
    bot.session.middleware(KeepResponseModels())
    bot.session.middleware(LateCallbackAnswers())
    bot.session.middleware(DropRefusedButtons())
    bot.session.middleware(WaitOnFloodControl(**options))
    bot.session.middleware(RetryServerTrouble(**(retry or {})))
    return bot
