"""The table of Bot API methods the sandbox implements."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sandbox.params import Params
    from sandbox.state import Sandbox

Handler = Callable[["Sandbox", "Params"], Awaitable[Any]]


@dataclass
class Method:
    """A Bot API method: its canonical name and implementation."""

    name: str
    handler: Handler


@dataclass
class Described:
    """A result Telegram sends with a ``description`` (e.g. "Webhook was set")."""

    result: Any
    description: str


# Keyed by lower-case name: Telegram matches method names case-insensitively.
METHODS: dict[str, Method] = {}


def bot_method(name: str) -> Callable[[Handler], Handler]:
    """Register the decorated coroutine as the implementation of Bot API method ``name``."""

    def register(handler: Handler) -> Handler:
        METHODS[name.lower()] = Method(name, handler)
        return handler

    return register
