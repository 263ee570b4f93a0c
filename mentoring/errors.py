"""The domain's errors: each one names something a user or an operator can act on."""

from enum import StrEnum


class DomainError(Exception):
    """Base class: the handlers turn these into one friendly sentence."""


class InvalidAnswer(DomainError):
    """A sign-up answer that does not fit its step; ``reason`` says why in one word."""

    def __init__(self, step: str, reason: str) -> None:
        super().__init__(f"{step}: {reason}")
        self.step = step
        self.reason = reason


class UnknownUser(DomainError):
    """The user is not (or no longer) known: they never started, or erased their data."""


class SignupIncomplete(DomainError):
    """A profile was confirmed while some answers were still missing."""

    def __init__(self, missing: list[str]) -> None:
        super().__init__("missing: " + ", ".join(missing))
        self.missing = missing


class StaleReason(StrEnum):
    """Why a button no longer applies. ``GONE`` covers both "does not exist" and "not
    yours", so a forged id never tells anyone whether someone else's object exists."""

    GONE = "gone"
    EXPIRED = "expired"
    ALREADY_ANSWERED = "already_answered"
    ENDED = "ended"
    CLOSED = "closed"
    FINISHED = "finished"
    ATTACHED = "attached"
    CANCELLED = "cancelled"  # a meeting cancelled, moved or already past


class Stale(DomainError):
    """A button names a pair, proposal, report or broadcast that does not exist, is not the
    presser's, or is no longer current. Raised inside the unit of work, so nothing the
    press began is committed."""

    def __init__(self, reason: StaleReason = StaleReason.GONE) -> None:
        super().__init__(reason)
        self.reason = reason
