"""Attaching the last messages of a pair's conversation to a report, so staff can judge.

Nothing of what a pair writes is stored, so the bot cannot show staff a conversation after
the fact; what it can do, only when the reporter taps the button for it, is forward the last
messages relayed between the two (``relay_messages`` holds their ids) from the chats they
were written in, to every staff member, through the outbox. A message deleted since cannot
be forwarded: it is skipped and counted, and the others still go.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from mentoring.errors import Stale, StaleReason
from mentoring.pairing import Notification

ATTACHED = 10
"""How many of the last messages a report may attach."""


@dataclass(frozen=True)
class ReportToAttach:
    """A report as the attachment needs it: who made it, about which pair, still open?"""

    id: int
    reporter_id: int
    pair_id: int | None
    open: bool


@dataclass(frozen=True)
class Relayed:
    """One relayed message: who wrote it, and its id in the chat it was written in."""

    record_id: int
    sender_id: int
    message_id: int


class AttachmentStore(Protocol):
    async def report(self, report_id: int) -> ReportToAttach | None: ...

    async def last_messages(self, pair_id: int, limit: int) -> list[Relayed]:
        """The pair's last ``limit`` relayed messages, oldest first."""
        ...

    async def queue(self, notes: list[Notification], now: datetime) -> bool:
        """Queue the notes in one transaction, in order; False (and nothing queued) when the
        first one's key was queued before."""
        ...


def forward_key(report_id: int, staff_id: int, record_id: int) -> str:
    """The outbox key of one forwarded message; the summary counts them by this prefix."""
    return f"{forward_prefix(report_id, staff_id)}{record_id}"


def forward_prefix(report_id: int, staff_id: int) -> str:
    return f"report-forward:{report_id}:{staff_id}:"


def plan(report: ReportToAttach, messages: list[Relayed],
         staff: list[int]) -> list[Notification]:
    """For each staff member: a line saying what follows, the messages forwarded oldest
    first, then a summary (how many went, how many were deleted meanwhile)."""
    notes: list[Notification] = []
    base = {"report_id": report.id, "reporter_id": report.reporter_id,
            "pair_id": report.pair_id, "count": len(messages)}
    for staff_id in staff:
        notes.append(Notification(f"report-attach:{report.id}:{staff_id}", staff_id,
                                  "report_attach_head", dict(base)))
        notes += [Notification(forward_key(report.id, staff_id, message.record_id), staff_id,
                               "report_forward",
                               {"report_id": report.id, "sender_id": message.sender_id,
                                "message_id": message.message_id})
                  for message in messages]
        notes.append(Notification(f"report-attach-done:{report.id}:{staff_id}", staff_id,
                                  "report_attach_done", dict(base)))
    return notes


class ReportAttachments:
    """The reporter's offer to attach the conversation, and the tap that does it."""

    def __init__(self, store: AttachmentStore, clock: Callable[[], datetime],
                 staff: Callable[[], Awaitable[list[int]]]) -> None:
        self._store = store
        self._clock = clock
        self._staff = staff

    async def offer(self, report_id: int, user_id: int) -> int:
        """How many messages the reporter could attach to their report (0: no offer)."""
        report = await self._store.report(report_id)
        if (report is None or report.reporter_id != user_id or not report.open
                or report.pair_id is None or not await self._staff()):
            return 0
        return len(await self._store.last_messages(report.pair_id, ATTACHED))

    async def attach(self, report_id: int, user_id: int) -> int:
        """Forward the last messages of the report's pair to staff; how many. :class:`Stale`
        unless the report is the presser's own and still open, or when it was done already."""
        report = await self._store.report(report_id)
        if report is None or report.reporter_id != user_id or report.pair_id is None:
            raise Stale()
        if not report.open:
            raise Stale(StaleReason.CLOSED)
        messages = await self._store.last_messages(report.pair_id, ATTACHED)
        staff = await self._staff()
        if not messages or not staff:
            raise Stale()
        if not await self._store.queue(plan(report, messages, staff), self._clock()):
            raise Stale(StaleReason.ATTACHED)
        return len(messages)
