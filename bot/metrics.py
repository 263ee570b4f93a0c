"""Prometheus metrics of one bot process, served at ``/metrics`` (bot/health.py).

Counters and histograms are this process's (each worker is scraped on its own); the gauges
that describe the programme (outbox depth, pairs, scheduler lag) are read from the database at
each scrape, so every worker gives the same answer and none has to be the leader.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType
from aiogram.types import TelegramObject, Update
from prometheus_client import Counter, Gauge, Histogram

from storage.operations import Figures

UPDATES = Counter("binome_updates", "Updates handled, by type and outcome "
                  "(handled, unhandled, error)", ["type", "outcome"])
UPDATE_SECONDS = Histogram(
    "binome_update_seconds", "Time to handle one update, by type", ["type"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))
REQUESTS = Counter("binome_telegram_requests", "Bot API calls made, by method and outcome "
                   "(ok, retry_after for a 429, server_error, bad_request, forbidden, network)",
                   ["method", "outcome"])
RETRIES = Counter("binome_telegram_retries", "Bot API calls made again after a 429, a 5xx or "
                  "a time-out, by method", ["method"])
OUTBOX = Gauge("binome_outbox_rows", "Outbox rows by status", ["status"])
OUTBOX_OLDEST = Gauge("binome_outbox_oldest_due_seconds",
                      "How long the oldest pending outbox row has been due")
PAIRS = Gauge("binome_pairs", "Pairs by status", ["status"])
SCHEDULER_LAG = Gauge("binome_scheduler_lag_seconds",
                      "How long the most overdue follow-up has waited for the scheduler")

DATABASE_UP = Gauge("binome_database_up",
                    "1 when the last scrape could read the database, else 0")

update_id: contextvars.ContextVar[int | None] = contextvars.ContextVar("update_id", default=None)
"""The update being handled, for the logs (bot/logs.py)."""

_attempt: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar("attempt",
                                                                           default=None)


class UpdateMetrics(BaseMiddleware):
    """Outermost on ``dp.update``: counts and times every update, and names it in the logs."""

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        kind = event.event_type if isinstance(event, Update) else type(event).__name__
        token = update_id.set(event.update_id if isinstance(event, Update) else None)
        started = time.perf_counter()
        outcome = "error"
        try:
            result = await handler(event, data)
            outcome = "unhandled" if result is UNHANDLED else "handled"
            return result
        finally:
            UPDATE_SECONDS.labels(kind).observe(time.perf_counter() - started)
            UPDATES.labels(kind, outcome).inc()
            update_id.reset(token)


class CallMetrics(BaseRequestMiddleware):
    """Outermost on the session: one call, however many attempts it takes."""

    async def __call__(self, make_request: NextRequestMiddlewareType[TelegramType], bot: Bot,
                       method: TelegramMethod[TelegramType]) -> Response[TelegramType]:
        token = _attempt.set([0])
        try:
            return await make_request(bot, method)
        finally:
            _attempt.reset(token)


class AttemptMetrics(BaseRequestMiddleware):
    """Innermost on the session: every attempt that reaches the network, and its outcome."""

    async def __call__(self, make_request: NextRequestMiddlewareType[TelegramType], bot: Bot,
                       method: TelegramMethod[TelegramType]) -> Response[TelegramType]:
        name = method.__api_method__
        attempts = _attempt.get()
        if attempts is not None:
            if attempts[0]:
                RETRIES.labels(name).inc()
            attempts[0] += 1
        outcome = "ok"
        try:
            return await make_request(bot, method)
        except TelegramRetryAfter:
            outcome = "retry_after"
            raise
        except TelegramServerError:
            outcome = "server_error"
            raise
        except TelegramForbiddenError:
            outcome = "forbidden"
            raise
        except TelegramBadRequest:
            outcome = "bad_request"
            raise
        except TelegramNetworkError:
            outcome = "network"
            raise
        finally:
            REQUESTS.labels(name, outcome).inc()


def show(figures: Figures) -> None:
    """Set the database gauges from one reading."""
    for gauge, counts in ((OUTBOX, figures.outbox), (PAIRS, figures.pairs)):
        gauge.clear()
        for status, count in counts.items():
            gauge.labels(status).set(count)
    OUTBOX_OLDEST.set(figures.outbox_oldest_due_seconds)
    SCHEDULER_LAG.set(figures.scheduler_lag_seconds)
