"""The domain's errors: each one names something a user or an operator can act on."""


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
