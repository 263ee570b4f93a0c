"""All in-memory sandbox state: the bot, users and chats, the clock, limits and the call log."""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from sandbox.errors import ControlError, bad_request, forbidden
from sandbox.limits import FaultBook, RateLimiter
from sandbox.media import FileStore
from sandbox.model import (
    CallbackRecord,
    Chat,
    StoredMessage,
    User,
    message_api,
    message_transcript,
)
from sandbox.updates import Notifier, UpdateQueue
from sandbox.webhook import WebhookManager

DEFAULT_TOKEN = "123456:SANDBOX-TOKEN"
BOT_FIRST_NAME = "Binôme (sandbox)"
BOT_USERNAME = "binome_sandbox_bot"
FIRST_USER_ID = 100001
MAX_LOG_ENTRIES = 10_000
PAGE_ROLES = ("student", "volunteer", "staff")
# Calls that change nothing a user sees: they do not wake the chat page.
_QUIET_METHODS = frozenset({"getUpdates", "getMe", "getMyCommands", "getWebhookInfo", "getFile"})

TimeTravel = Callable[[datetime], Awaitable[dict[str, Any]]]
NewStaff = Callable[[int], Awaitable[None]]
_TOKEN_FORMAT = re.compile(r"^\d+:[A-Za-z0-9_-]+$")


class Sandbox:
    """A fake Telegram for one bot: everything the Bot API and the control API act on.

    Keyword arguments tune the limits (``global_rate`` sends per ``global_window``
    seconds, per-chat ``chat_burst`` refilled at ``chat_refill`` per second), the HTML
    strictness and webhook retry timing; see ``RateLimiter`` and ``WebhookManager``.
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        global_rate: int | None = 30,
        global_window: float = 1.0,
        chat_burst: int | None = 5,
        chat_refill: float = 1.0,
        strict_ampersand: bool = True,
        callback_answer_window: float = 15.0,
        webhook_backoff: float = 0.1,
        webhook_backoff_max: float = 5.0,
        webhook_timeout: float = 10.0,
    ):
        if not _TOKEN_FORMAT.match(token):
            raise ValueError(f"token {token!r} does not look like <bot id>:<secret>")
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.strict_ampersand = strict_ampersand
        self.callback_answer_window = callback_answer_window
        self.clock_offset = 0.0
        self.notifier = Notifier()
        self.updates = UpdateQueue(self.notifier)
        self.files = FileStore()
        self.faults = FaultBook()
        self.limiter = RateLimiter(
            self.monotonic,
            global_rate=global_rate,
            global_window=global_window,
            chat_burst=chat_burst,
            chat_refill=chat_refill,
        )
        self.webhook = WebhookManager(
            self, backoff=webhook_backoff, backoff_max=webhook_backoff_max, timeout=webhook_timeout
        )
        self.users: dict[int, User] = {}
        self.chats: dict[int, Chat] = {}
        self.callbacks: dict[str, CallbackRecord] = {}
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.calls: Counter[str] = Counter()
        self.too_many_requests = 0
        self.log: list[dict[str, Any]] = []
        self._log_seq = 0
        self._next_user_id = FIRST_USER_ID
        # Bumped by anything the chat page shows; the page long-polls on it.
        self.revision = 0
        # Set by whoever runs a bot in the same process (the sandbox never imports the bot):
        # run the bot's scheduler at a moved time, and give a user staff rights.
        self.on_time_travel: TimeTravel | None = None
        self.on_new_staff: NewStaff | None = None

    # -- clock -----------------------------------------------------------------------------

    def now(self) -> float:
        """Sandbox wall-clock time (Unix seconds): real time plus the advanced offset."""
        return time.time() + self.clock_offset

    def today(self) -> int:
        """``now()`` as the integer ``date`` Telegram puts in messages."""
        return int(self.now())

    def monotonic(self) -> float:
        """Monotonic time plus the offset; drives rate limits so advancing the clock refills."""
        return time.monotonic() + self.clock_offset

    def advance_clock(self, seconds: float) -> float:
        """Move the sandbox clock forward; returns the new ``now()``."""
        if seconds < 0:
            raise ControlError(400, "the clock only moves forward")
        self.clock_offset += seconds
        self.touch()
        return self.now()

    def touch(self) -> None:
        """Something the chat page shows changed: wake its long polls."""
        self.revision += 1
        self.notifier.notify()

    async def changed_since(self, revision: int, seconds: float) -> bool:
        """Wait up to ``seconds`` for a revision other than ``revision``; whether it came."""
        return await self.notifier.wait_until(
            lambda: self.revision != revision or self.updates.closed, seconds)

    async def sleep(self, seconds: float) -> None:
        """Sleep, but return early when the sandbox shuts down (faults must not block it)."""
        await self.notifier.wait_until(lambda: self.updates.closed, seconds)

    # -- the bot ---------------------------------------------------------------------------

    def bot_user(self) -> dict[str, Any]:
        """The bot as a ``User`` object (the ``from`` of its messages)."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": BOT_FIRST_NAME,
            "username": BOT_USERNAME,
        }

    def me(self) -> dict[str, Any]:
        """The getMe result."""
        return {
            **self.bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    # -- users and chats -------------------------------------------------------------------

    def create_user(self, first_name: str = "Léa", **details: Any) -> User:
        """Create a user (and its private chat); ids count up from 100001 unless given."""
        user_id = details.pop("id", None)
        if user_id is None:
            user_id = self._next_user_id
            while user_id in self.users:  # taken by someone registered with their own id
                user_id += 1
        if not isinstance(user_id, int) or user_id <= 0:
            raise ControlError(400, "id must be a positive integer")
        if user_id in self.users or user_id == self.bot_id:
            raise ControlError(409, f"user {user_id} already exists")
        unknown = set(details) - {"last_name", "username", "language_code", "role", "group",
                                  "started", "allows_links"}
        if unknown:
            raise ControlError(400, f"unknown user fields: {', '.join(sorted(unknown))}")
        if not first_name or not isinstance(first_name, str):
            raise ControlError(400, "first_name must be non-empty")
        if details.get("role") not in (None, *PAGE_ROLES):
            raise ControlError(400, f"role must be one of {', '.join(PAGE_ROLES)}")
        for flag in ("started", "allows_links"):
            if not isinstance(details.get(flag, False), bool):
                raise ControlError(400, f"{flag} must be true or false")
        user = User(id=user_id, first_name=first_name, **details)
        self.users[user_id] = user
        self.chats[user_id] = Chat(user)
        if user.group is None:
            # Seeded people (groups) bring their own ids; new ones keep counting from 100001.
            self._next_user_id = max(self._next_user_id, user_id + 1)
        self.touch()
        return user

    def links_forbidden(self, user_id: int) -> bool:
        """Whether ``user_id`` is a sandbox user who forbids links to their account."""
        user = self.users.get(user_id)
        return user is not None and not user.allows_links

    def user(self, user_id: int) -> User:
        """A user for the control API, 404 if unknown."""
        if user_id not in self.users:
            raise ControlError(404, f"no sandbox user {user_id}")
        return self.users[user_id]

    def active_user(self, user_id: int) -> User:
        """A user about to act: blocked users cannot write to the bot (409)."""
        user = self.user(user_id)
        if user.blocked:
            raise ControlError(409, f"user {user_id} has blocked the bot; unblock first")
        return user

    def chat(self, raw_chat_id: Any) -> Chat:
        """Resolve a Bot API ``chat_id``: 400 "chat not found" for anything unknown."""
        if raw_chat_id is None or raw_chat_id == "":
            raise bad_request("chat_id is empty")
        try:
            chat_id = int(raw_chat_id)
        except (TypeError, ValueError):
            raise bad_request("chat not found") from None
        if chat_id == self.bot_id:
            raise forbidden("bots can't send messages to bots")
        if chat_id not in self.chats:
            raise bad_request("chat not found")
        return self.chats[chat_id]

    def writable_chat(self, raw_chat_id: Any) -> Chat:
        """A chat the bot may write to now, or the 403 Telegram returns."""
        chat = self.chat(raw_chat_id)
        check_writable(chat)
        return chat

    def message_api(self, chat: Chat, message: StoredMessage) -> dict[str, Any]:
        """``Message`` object for the bot's point of view."""
        return message_api(chat, message, self.bot_user())

    # -- inspection ------------------------------------------------------------------------

    def transcript(self, user_id: int) -> dict[str, Any]:
        """The chat as the user sees it: deleted messages gone, edits applied."""
        chat = self.chats[self.user(user_id).id]
        return {
            "user": chat.user.control_view(),
            "messages": [message_transcript(m, chat) for m in chat.messages.values()],
            "callback_answers": list(chat.callback_answers),
            "chat_actions": list(chat.chat_actions),
            "reply_keyboard": chat.reply_keyboard,
        }

    def record_call(self, method: str, chat_id: Any, body: dict[str, Any]) -> None:
        """Append one Bot API call to the log and the per-method counters."""
        self.calls[method] += 1
        if body.get("error_code") == 429:
            self.too_many_requests += 1
        self._log_seq += 1
        try:
            chat_id = int(chat_id) if chat_id is not None else None
        except (TypeError, ValueError):
            pass
        self.log.append(
            {
                "seq": self._log_seq,
                "time": self.now(),
                "method": method,
                "chat_id": chat_id,
                "ok": body["ok"],
                "error_code": body.get("error_code"),
                "description": body.get("description"),
            }
        )
        del self.log[:-MAX_LOG_ENTRIES]
        if method not in _QUIET_METHODS:
            self.touch()

    def log_since(self, seq: int) -> list[dict[str, Any]]:
        """Log entries after sequence number ``seq``."""
        return [entry for entry in self.log if entry["seq"] > seq]

    def summary(self) -> dict[str, Any]:
        """Everything ``GET /control/bot`` reports."""
        return {
            "bot": self.me(),
            "commands": [
                {"scope": json.loads(scope), "language_code": lang, "commands": commands}
                for (scope, lang), commands in self.commands.items()
            ],
            "webhook": self.webhook.info(),
            "pending_updates": len(self.updates.pending),
            "calls": dict(self.calls),
            "too_many_requests": self.too_many_requests,
            "limits": self.limiter.settings(),
            "faults": [fault.describe() for fault in self.faults.active()],
            "random_faults": self.faults.random.describe() if self.faults.random else None,
            "clock": {"now": self.now(), "offset": self.clock_offset},
            "users": [user.control_view() for user in self.users.values()],
        }

    async def close(self) -> None:
        """Release long polls, waiters and webhook workers so the server stops at once."""
        self.updates.close()
        await self.webhook.shutdown()


def check_writable(chat: Chat) -> None:
    """Raise the 403 Telegram returns when the user blocked or never started the bot."""
    if chat.user.blocked:
        raise forbidden("bot was blocked by the user")
    if not chat.user.started:
        raise forbidden("bot can't initiate conversation with a user")
