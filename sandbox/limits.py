"""Flood control (429) and injected faults."""

from __future__ import annotations

import math
import random
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

FAULT_KINDS = ("429", "400", "500", "502", "slow", "timeout")
# What random faults draw from by default: Telegram's passing trouble, not a refusal (a 400
# is only ever asked for, one method at a time).
PASSING_TROUBLE = ("429", "500", "502", "slow", "timeout")
# The bot hears through getUpdates; spoiling it only slows every test down (aiogram's polling
# backs off on its own), so random faults leave it alone unless named.
UNSPOILED_BY_DEFAULT = frozenset({"getupdates"})


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
    # For "timeout": True applies the call, then holds the answer; False holds it and never
    # applies it (answering 502 if anyone still listens); None holds it, then applies it.
    applied: bool | None = None
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
            "applied": self.applied,
            "hits": self.hits,
        }


@dataclass
class RandomFaults:
    """A fraction ``rate`` of calls misbehave, one of ``kinds`` each, drawn from ``seed``.

    ``timeout_applied`` is the share of time-outs whose call still takes effect (Telegram
    can do both: the message sent but the answer lost, or the call dropped).
    """

    rate: float
    kinds: tuple[str, ...]
    seed: int | None = None
    methods: frozenset[str] | None = None
    retry_after: int = 1
    slow_delay: float | None = None
    timeout_delay: float | None = None
    timeout_applied: float = 0.5
    served: Counter[str] = field(default_factory=Counter)
    calls: int = 0

    def __post_init__(self) -> None:
        if not 0 <= self.rate <= 1:
            raise ValueError("rate must be between 0 and 1")
        if not self.kinds or any(kind not in FAULT_KINDS for kind in self.kinds):
            raise ValueError(f"kinds must be some of {', '.join(FAULT_KINDS)}")
        if not 0 <= self.timeout_applied <= 1:
            raise ValueError("timeout_applied must be between 0 and 1")
        if self.retry_after < 1:
            raise ValueError("retry_after must be at least 1")
        self._random = random.Random(self.seed)

    def concerns(self, method: str) -> bool:
        if self.methods is not None:
            return method in self.methods
        return method not in UNSPOILED_BY_DEFAULT

    def draw(self, method: str) -> Fault | None:
        """The fault this call suffers, if the dice say so."""
        if not self.concerns(method):
            return None
        self.calls += 1
        if self._random.random() >= self.rate:
            return None
        kind = self._random.choice(self.kinds)
        applied = None
        if kind == "timeout":
            applied = self._random.random() < self.timeout_applied
            self.served["timeout_applied" if applied else "timeout_dropped"] += 1
        else:
            self.served[kind] += 1
        delay = self.timeout_delay if kind == "timeout" else self.slow_delay
        return Fault(0, method, kind, remaining=0, retry_after=self.retry_after,
                     delay=delay, applied=applied, hits=1)

    def describe(self) -> dict[str, Any]:
        """JSON view for the control API, with how many of each kind were served."""
        return {
            "rate": self.rate,
            "kinds": list(self.kinds),
            "seed": self.seed,
            "methods": sorted(self.methods) if self.methods is not None else None,
            "retry_after": self.retry_after,
            "slow_delay": self.slow_delay,
            "timeout_delay": self.timeout_delay,
            "timeout_applied": self.timeout_applied,
            "calls": self.calls,
            "served": dict(self.served),
        }


class FaultBook:
    """Faults waiting to be served, matched by method name (case-insensitive) and chat."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._next_id = 1
        self.random: RandomFaults | None = None

    def randomly(self, rate: float, kinds: list[str] | tuple[str, ...] = PASSING_TROUBLE,
                 seed: int | None = None, methods: list[str] | None = None,
                 **options: Any) -> RandomFaults | None:
        """Spoil a fraction ``rate`` of calls from now on (0 turns it off); ValueError on
        nonsense. Scripted faults still come first."""
        if rate == 0:
            self.random = None
            return None
        options = {key: value for key, value in options.items() if value is not None}
        chosen = frozenset(m.lower() for m in methods) if methods is not None else None
        self.random = RandomFaults(float(rate), tuple(kinds), seed, chosen, **options)
        return self.random

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
        """Forget every pending fault, random ones too."""
        self._faults.clear()
        self.random = None

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
        if self.random is not None:
            return self.random.draw(method.lower())
        return None
