"""The bot's update queue: long polling, confirmation by offset, and waiting for processing.

An update is *settled* once it left the queue: "processed" when the bot confirmed it (a
later getUpdates offset, or a 2xx webhook answer), "dropped" when the bot discarded
pending updates, "filtered" when allowed_updates excluded its type so Telegram would
never have stored it.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sandbox.errors import ApiError

# What Telegram sends when allowed_updates is empty or was never given.
DEFAULT_EXCLUDED = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
CONFLICT_OTHER_POLL = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)


class Notifier:
    """Wakes every coroutine waiting for "something changed" in the sandbox state."""

    def __init__(self) -> None:
        self._event: asyncio.Event | None = None

    def notify(self) -> None:
        """Wake all current waiters; they re-check their condition."""
        if self._event is not None:
            self._event.set()
            self._event = None

    async def wait_until(self, predicate: Callable[[], Any], seconds: float) -> bool:
        """Wait until ``predicate()`` is true; False if ``seconds`` passed first."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            if self._event is None:
                self._event = asyncio.Event()
            event = self._event
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)
        return True


@dataclass
class QueuedUpdate:
    """An update waiting for the bot, with the payload frozen at creation time."""

    update_id: int
    kind: str
    payload: dict[str, Any]
    created: float = field(default_factory=time.monotonic)


class UpdateQueue:
    """Pending updates, shared by getUpdates and webhook delivery."""

    def __init__(self, notifier: Notifier) -> None:
        self.notifier = notifier
        self.pending: list[QueuedUpdate] = []
        self.in_flight: set[int] = set()
        self.allowed: frozenset[str] | None = None
        self.closed = False
        self.last_poll: float | None = None
        self._next_id = 1
        self._status: dict[int, str] = {}
        self._poller: object | None = None

    # -- producing -------------------------------------------------------------------------

    def push(self, kind: str, body: dict[str, Any]) -> QueuedUpdate:
        """Create an update of type ``kind``; filtered ones settle at once, never delivered."""
        update = QueuedUpdate(self._next_id, kind, {"update_id": self._next_id, kind: body})
        self._next_id += 1
        if self.accepts(kind):
            self.pending.append(update)
        else:
            self._status[update.update_id] = "filtered"
        self.notifier.notify()
        return update

    def accepts(self, kind: str) -> bool:
        """Whether the current allowed_updates setting lets this update type through."""
        if self.allowed is None:
            return kind not in DEFAULT_EXCLUDED
        return kind in self.allowed

    def set_allowed(self, allowed: list[str] | None) -> None:
        """Apply allowed_updates; None keeps the previous setting, [] restores the default."""
        if allowed is not None:
            self.allowed = frozenset(allowed) if allowed else None

    # -- settling --------------------------------------------------------------------------

    def settle(self, update_id: int, status: str) -> None:
        """Remove an update from the queue with a final status and wake waiters."""
        self.pending = [u for u in self.pending if u.update_id != update_id]
        self.in_flight.discard(update_id)
        self._status[update_id] = status
        self.notifier.notify()

    def confirm_below(self, offset: int) -> None:
        """getUpdates semantics: every update with an id lower than ``offset`` is confirmed."""
        for update in [u for u in self.pending if u.update_id < offset]:
            self.settle(update.update_id, "processed")

    def drop_pending(self) -> int:
        """drop_pending_updates: discard the whole queue; returns how many were dropped."""
        dropped = list(self.pending)
        for update in dropped:
            self.settle(update.update_id, "dropped")
        return len(dropped)

    def status(self, update_id: int) -> str | None:
        """"processed"/"dropped"/"filtered", "pending", or None for an id never issued."""
        if update_id in self._status:
            return self._status[update_id]
        return "pending" if 0 < update_id < self._next_id else None

    async def wait_settled(self, update_id: int, seconds: float) -> str:
        """Wait until the update is settled (or the sandbox closes); returns its status."""
        await self.notifier.wait_until(
            lambda: self.closed or self.status(update_id) != "pending", seconds
        )
        return self.status(update_id) or "unknown"

    # -- consuming -------------------------------------------------------------------------

    async def long_poll(
        self, offset: int | None, limit: int, seconds: float
    ) -> list[dict[str, Any]]:
        """getUpdates: confirm by offset, then return at once or when an update arrives."""
        if offset is not None and offset < 0:
            self._keep_last(-offset)
        elif offset:
            self.confirm_below(offset)
        token = object()
        self._poller = token
        self.last_poll = time.monotonic()
        self.notifier.notify()  # an older long poll learns it was superseded
        await self.notifier.wait_until(
            lambda: self._poller is not token or self.closed or self.pending, seconds
        )
        if self._poller is not token:
            raise ApiError(409, CONFLICT_OTHER_POLL)
        self._poller = None
        self.last_poll = time.monotonic()
        return [update.payload for update in self.pending[:limit]]

    def _keep_last(self, count: int) -> None:
        # A negative offset forgets everything but the last ``count`` updates.
        for update in self.pending[: max(0, len(self.pending) - count)]:
            self.settle(update.update_id, "dropped")

    def claim(self) -> QueuedUpdate | None:
        """Reserve the oldest update nobody is delivering (webhook workers)."""
        for update in self.pending:
            if update.update_id not in self.in_flight:
                self.in_flight.add(update.update_id)
                return update
        return None

    def release(self, update_id: int) -> None:
        """Give back a claimed update that was not delivered."""
        self.in_flight.discard(update_id)
        self.notifier.notify()

    def close(self) -> None:
        """Wake every long poll and waiter so the server can shut down promptly."""
        self.closed = True
        self.notifier.notify()
