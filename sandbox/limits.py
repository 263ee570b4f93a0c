"""Flood control (429) and injected faults."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

FAULT_KINDS = ("429", "400", "500", "502", "slow", "timeout")


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """Telegram-like flood limits: a global rolling window and a token bucket per chat.

    Zero or None for ``global_rate`` or ``chat_burst`` disables that limit. Time comes
    from the sandbox clock so advancing the clock also refills the buckets.
    """

    def __init__(
        self,
        clock: Callable[[], float],
        *,
        global_rate: int | None = 30,
        global_window: float = 1.0,
        chat_burst: int | None = 5,
        chat_refill: float = 1.0,
    ):
        self._clock = clock
        self.global_rate = global_rate
        self.global_window = global_window
        self.chat_burst = chat_burst
        self.chat_refill = chat_refill
        self._recent: deque[float] = deque()
        self._buckets: dict[int, _Bucket] = {}

    def settings(self) -> dict[str, Any]:
        """Current limits, as the control API reports them."""
        return {
            "global_rate": self.global_rate,
            "global_window": self.global_window,
            "chat_burst": self.chat_burst,
            "chat_refill": self.chat_refill,
        }

    def configure(self, **changes: Any) -> None:
        """Change some limits; buckets restart full so a new burst applies at once."""
        for name, value in changes.items():
            if name not in self.settings():
                raise ValueError(f"unknown limit {name!r}")
            setattr(self, name, value)
        self._buckets.clear()

    def acquire(self, chat_id: int) -> int | None:
        """Count one send to ``chat_id``; return retry_after seconds if it must be refused."""
        now = self._clock()
        retry = max(self._global_wait(now), self._chat_wait(chat_id, now))
        if retry > 0:
            return max(1, math.ceil(retry))
        if self.global_rate:
            self._recent.append(now)
        if self.chat_burst:
            self._buckets[chat_id].tokens -= 1
        return None

    def _global_wait(self, now: float) -> float:
        if not self.global_rate:
            return 0.0
        while self._recent and self._recent[0] <= now - self.global_window:
            self._recent.popleft()
        if len(self._recent) < self.global_rate:
            return 0.0
        return self._recent[0] + self.global_window - now

    def _chat_wait(self, chat_id: int, now: float) -> float:
        if not self.chat_burst:
            return 0.0
        bucket = self._buckets.setdefault(chat_id, _Bucket(float(self.chat_burst), now))
        refill = (now - bucket.updated) * self.chat_refill
        bucket.tokens = min(float(self.chat_burst), bucket.tokens + refill)
        bucket.updated = now
        if bucket.tokens >= 1:
            return 0.0
        return (1 - bucket.tokens) / self.chat_refill if self.chat_refill > 0 else 3600.0


@dataclass
class Fault:
    """The next ``remaining`` calls of ``method`` (to ``chat_id`` if set) misbehave."""

    id: int
    method: str
    kind: str
    remaining: int
    retry_after: int = 1
    delay: float | None = None
    chat_id: int | None = None
    description: str = "Bad Request"
    hits: int = field(default=0)

    def describe(self) -> dict[str, Any]:
        """JSON view for the control API."""
        return {
            "id": self.id,
            "method": self.method,
            "kind": self.kind,
            "remaining": self.remaining,
            "retry_after": self.retry_after,
            "delay": self.delay,
            "chat_id": self.chat_id,
            "description": self.description,
            "hits": self.hits,
        }


class FaultBook:
    """Faults waiting to be served, matched by method name (case-insensitive) and chat."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._next_id = 1

    def add(self, method: str, kind: str, count: int = 1, **options: Any) -> Fault:
        """Register a fault; raises ValueError on nonsense so the control API can say so."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"kind must be one of {', '.join(FAULT_KINDS)}")
        if count < 1:
            raise ValueError("count must be at least 1")
        options = {key: value for key, value in options.items() if value is not None}
        fault = Fault(self._next_id, method.lower(), kind, remaining=count, **options)
        self._next_id += 1
        self._faults.append(fault)
        return fault

    def clear(self) -> None:
        """Forget every pending fault."""
        self._faults.clear()

    def active(self) -> list[Fault]:
        """Faults with calls left to spoil."""
        return list(self._faults)

    def take(self, method: str, chat_id: int | None) -> Fault | None:
        """The fault this call must suffer, if any (consumes one of its ``count``)."""
        for fault in self._faults:
            if fault.method != method.lower():
                continue
            if fault.chat_id is not None and fault.chat_id != chat_id:
                continue
            fault.remaining -= 1
            fault.hits += 1
            if fault.remaining <= 0:
                self._faults.remove(fault)
            return fault
        return None
