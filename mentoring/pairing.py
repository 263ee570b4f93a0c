"""Proposals, pairs and the messages they cause: the records of matching."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class ProposalStatus(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    NOT_NOW = "not_now"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


class PairStatus(StrEnum):
    ACTIVE = "active"
    ENDED = "ended"


@dataclass
class Proposal:
    """A student proposed to one volunteer, who accepts or declines before ``deadline``."""

    id: int
    student_id: int
    volunteer_id: int
    score: float
    reasons: list[dict[str, Any]]
    created_at: datetime
    deadline: datetime
    remind_at: datetime | None
    status: ProposalStatus = ProposalStatus.OPEN
    decided_at: datetime | None = None
    decline_reason: str | None = None


@dataclass
class Pair:
    id: int
    student_id: int
    volunteer_id: int
    proposal_id: int | None
    started_at: datetime
    status: PairStatus = PairStatus.ACTIVE
    ended_at: datetime | None = None


@dataclass(frozen=True)
class Notification:
    """A message the bot sends on its own, written to the outbox with the state change.

    ``key`` makes it idempotent: the same key is never sent twice. ``kind`` and ``params``
    are rendered in the recipient's language only when sent.
    """

    key: str
    recipient_id: int
    kind: str
    params: dict[str, Any] = field(default_factory=dict)
    due_at: datetime | None = None
