"""Async test client for the sandbox control API: act as users, read what they see.

    async with SandboxClient(running.url) as client:
        lea = await client.create_user()
        await lea.send("/start")            # returns once the bot has handled it
        assert "Bienvenue" in await lea.last_text()
        await lea.press("Oui")              # the inline button labelled "Oui"
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp

DEFAULT_WAIT_TIMEOUT = 10.0


class SandboxError(AssertionError):
    """A control API call failed; the message carries the sandbox's explanation."""


class SandboxClient:
    """Client of one sandbox. User actions wait for the bot by default (``wait_timeout`` s)."""

    def __init__(self, url: str, *, wait_timeout: float = DEFAULT_WAIT_TIMEOUT):
        self.url = url.rstrip("/")
        self.wait_timeout = wait_timeout
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> SandboxClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the HTTP session."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def request(
        self, method: str, path: str, body: dict[str, Any] | None = None, *, binary: bool = False
    ) -> Any:
        """Call the control API; decoded JSON (or bytes), SandboxError on an error status."""
        if self._session is None:
            self._session = aiohttp.ClientSession()
        # Longer than any server-side wait, so a 504 explanation arrives instead of a timeout.
        timeout = aiohttp.ClientTimeout(total=self.wait_timeout + 30)
        async with self._session.request(
            method, self.url + path, json=body, timeout=timeout
        ) as response:
            if response.status >= 400:
                reason = await _reason(response)
                raise SandboxError(f"{method} {path} -> {response.status}: {reason}")
            return await response.read() if binary else await response.json()

    async def request_object(
        self, method: str, path: str, body: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """``request`` for a route that answers a JSON object."""
        answer = await self.request(method, path, body)
        if not isinstance(answer, dict):
            raise SandboxError(f"{method} {path} answered {answer!r}, not a JSON object")
        return answer

    async def request_list(self, method: str, path: str) -> list[dict[str, Any]]:
        """``request`` for a route that answers a JSON list of objects."""
        answer = await self.request(method, path)
        if not isinstance(answer, list):
            raise SandboxError(f"{method} {path} answered {answer!r}, not a JSON list")
        return answer

    # -- users ------------------------------------------------------------------------------

    async def create_user(
        self,
        first_name: str = "Léa",
        language_code: str | None = "fr",
        *,
        allows_links: bool = True,
        **details: Any,
    ) -> SandboxUser:
        """Create a user (``last_name``, ``username``, ``id`` may be given; no username
        unless given). ``allows_links=False`` is Telegram's "Forwarded messages: Nobody"."""
        body = {"first_name": first_name, "allows_links": allows_links, **details}
        if language_code is not None:
            body["language_code"] = language_code
        info = await self.request("POST", "/control/users", body)
        return SandboxUser(self, info)

    def user(self, user_id: int) -> SandboxUser:
        """A handle on an existing user (no request is made)."""
        return SandboxUser(self, {"id": user_id})

    # -- sandbox-wide -----------------------------------------------------------------------

    async def add_fault(
        self,
        method: str,
        kind: str = "429",
        *,
        count: int = 1,
        retry_after: int | None = None,
        delay: float | None = None,
        chat_id: int | None = None,
        description: str | None = None,
        applied: bool | None = None,
    ) -> int:
        """Make the next ``count`` calls of ``method`` fail ("429", "400", "500", "502") or
        stall ("slow", "timeout"; a time-out's call is ``applied`` before it hangs, or never,
        or, by default, after); returns the fault id. A "400" says "Bad Request: " and
        ``description``, as Telegram does (e.g. "BUTTON_USER_PRIVACY_RESTRICTED")."""
        body = {
            "method": method,
            "kind": kind,
            "count": count,
            "retry_after": retry_after,
            "delay": delay,
            "chat_id": chat_id,
            "description": description,
            "applied": applied,
        }
        fault = await self.request("POST", "/control/faults", body)
        return int(fault["id"])

    async def random_faults(self, rate: float, **options: Any) -> dict[str, Any]:
        """Make a fraction ``rate`` of the bot's calls misbehave from now on (0 stops it):
        ``kinds``, ``seed``, ``methods``, ``retry_after``, ``slow_delay``, ``timeout_delay``,
        ``timeout_applied`` (share of time-outs that still take effect)."""
        answer: dict[str, Any] = await self.request("POST", "/control/faults",
                                                    {"rate": rate, **options})
        return answer

    async def faults(self) -> dict[str, Any]:
        """{"scripted": pending faults, "random": the random faults and what they served}."""
        answer: dict[str, Any] = await self.request("GET", "/control/faults")
        return answer

    async def clear_faults(self) -> None:
        """Remove every pending fault."""
        await self.request("DELETE", "/control/faults")

    async def set_limits(self, **limits: float | None) -> dict[str, Any]:
        """Change ``global_rate``, ``global_window``, ``chat_burst``, ``chat_refill``
        (None or 0 disables a rate/burst); returns the new settings."""
        return await self.request_object("POST", "/control/limits", limits)

    async def disable_limits(self) -> dict[str, Any]:
        """Turn both flood limits off."""
        return await self.set_limits(global_rate=None, chat_burst=None)

    async def advance_clock(self, seconds: float) -> float:
        """Move the sandbox clock forward; returns the new sandbox time."""
        clock = await self.request("POST", "/control/clock", {"advance_seconds": seconds})
        return float(clock["now"])

    async def time_travel(
        self, *, seconds: float | None = None, days: float | None = None, to: str | None = None
    ) -> dict[str, Any]:
        """Move the clock forward (by ``seconds`` or ``days``, or ``to`` an ISO 8601 time) and
        let a linked bot run its scheduler then; {"now", "offset", "ticked"}."""
        body = {"seconds": seconds, "days": days, "to": to}
        return await self.request_object("POST", "/control/time-travel", body)

    async def bot_info(self) -> dict[str, Any]:
        """Commands, webhook info, pending updates, call counters, 429 count, users."""
        return await self.request_object("GET", "/control/bot")

    async def log(self, since: int = 0) -> list[dict[str, Any]]:
        """Bot API calls (seq, method, chat_id, ok, error_code, description) after ``since``."""
        return await self.request_list("GET", f"/control/log?since={since}")

    async def wait(self, update_id: int, *, wait_timeout: float | None = None) -> str:
        """Wait until the bot processed ``update_id``; returns its status."""
        seconds = self.wait_timeout if wait_timeout is None else wait_timeout
        body = {"update_id": update_id, "timeout": seconds}
        return str((await self.request_object("POST", "/control/wait", body))["status"])

    async def download(self, file_id: str) -> bytes:
        """The bytes of any file the sandbox stores."""
        content = await self.request("GET", f"/control/files/{file_id}", binary=True)
        assert isinstance(content, bytes)
        return content


class SandboxUser:
    """One sandbox user; actions return the control API's answer (``update_id``, ...)."""

    def __init__(self, client: SandboxClient, info: dict[str, Any]):
        self.client = client
        self.info = info
        self.id: int = info["id"]

    def __repr__(self) -> str:
        return f"SandboxUser(id={self.id}, first_name={self.info.get('first_name')!r})"

    async def _act(self, action: str, body: dict[str, Any], wait: bool) -> dict[str, Any]:
        payload = {**body, "wait": wait, "timeout": self.client.wait_timeout}
        return await self.client.request_object(
            "POST", f"/control/users/{self.id}/{action}", payload
        )

    async def send(self, text: str, *, wait: bool = True) -> dict[str, Any]:
        """Send a text message (``/start payload`` is how a deep link arrives)."""
        return await self._act("text", {"text": text}, wait)

    async def sticker(self, emoji: str = "👍", *, wait: bool = True) -> dict[str, Any]:
        """Send a sticker."""
        return await self._act("sticker", {"emoji": emoji}, wait)

    async def photo(self, caption: str | None = None, *, wait: bool = True) -> dict[str, Any]:
        """Send a photo, optionally captioned."""
        return await self._act("photo", {"caption": caption}, wait)

    async def edit(self, message_id: int, text: str, *, wait: bool = True) -> dict[str, Any]:
        """Edit one of this user's text messages."""
        return await self._act("edit", {"message_id": message_id, "text": text}, wait)

    async def reply(self, message_id: int, text: str, *, wait: bool = True) -> dict[str, Any]:
        """Reply with ``text`` to message ``message_id`` of this chat."""
        return await self._act("message", {"text": text, "reply_to": message_id}, wait)

    async def document(self, file_name: str = "cv.pdf", content: str = "%PDF-1.4 sandbox",
                       caption: str | None = None, *, reply_to: int | None = None,
                       wait: bool = True) -> dict[str, Any]:
        """Send a file (a PDF, a DOCX...), optionally captioned or in reply."""
        body = {"document": {"file_name": file_name, "content": content},
                "caption": caption, "reply_to": reply_to}
        return await self._act("message", body, wait)

    async def poll(self, question: str, *, wait: bool = True) -> dict[str, Any]:
        """Send a poll (which the Bot API cannot copy)."""
        return await self._act("message", {"poll": question}, wait)

    async def dice(self, emoji: str = "🎲", *, wait: bool = True) -> dict[str, Any]:
        """Throw a dice (which the Bot API cannot copy)."""
        return await self._act("message", {"dice": emoji}, wait)

    async def protected(self, text: str, *, wait: bool = True) -> dict[str, Any]:
        """Send a text whose content is protected (which the Bot API cannot copy)."""
        return await self._act("message", {"text": text, "protected": True}, wait)

    async def edit_caption(self, message_id: int, caption: str, *,
                           wait: bool = True) -> dict[str, Any]:
        """Edit the caption of one of this user's photos or files."""
        return await self._act("edit_caption", {"message_id": message_id, "caption": caption},
                               wait)

    async def block(self, *, wait: bool = True) -> dict[str, Any]:
        """Block the bot (its sends to this user then fail with 403)."""
        return await self._act("block", {}, wait)

    async def unblock(self, *, wait: bool = True) -> dict[str, Any]:
        """Unblock the bot."""
        return await self._act("unblock", {}, wait)

    async def press(
        self, label_or_data: str, message_id: int | None = None, *, wait: bool = True
    ) -> dict[str, Any]:
        """Press an inline button found by its text, else by its exact callback data, on
        ``message_id`` or else on the most recent bot message having it. The answer has
        ``answer``: the bot's answerCallbackQuery parameters (None if it did not answer)."""
        messages = await self.bot_messages()
        if message_id is not None:
            candidates = [m for m in messages if m["message_id"] == message_id]
            if not candidates:
                raise AssertionError(f"{self!r} sees no bot message {message_id}")
        else:
            candidates = list(reversed(messages))
        for message in candidates:
            button = _match_button(message, label_or_data)
            if button is not None:
                body = {"message_id": message["message_id"], "data": button["callback_data"]}
                return await self._act("press", body, wait)
        raise AssertionError(_no_button_report(label_or_data, candidates, message_id))

    async def forge_callback(
        self, data: str, message_id: int, *, wait: bool = True
    ) -> dict[str, Any]:
        """Send a callback query with arbitrary ``data`` on bot message ``message_id``, as a
        modified client could, whether or not such a button exists. The answer has ``answer``
        like ``press``."""
        return await self._act("callback", {"message_id": message_id, "data": data}, wait)

    async def transcript(self) -> dict[str, Any]:
        """{"messages", "callback_answers", "chat_actions", "reply_keyboard", "user"}."""
        return await self.client.request_object("GET", f"/control/users/{self.id}/transcript")

    async def messages(self) -> list[dict[str, Any]]:
        """Every visible message of the chat, oldest first."""
        messages: list[dict[str, Any]] = (await self.transcript())["messages"]
        return messages

    async def bot_messages(self) -> list[dict[str, Any]]:
        """The bot's visible messages, oldest first."""
        return [m for m in await self.messages() if m["from"] == "bot"]

    async def last_bot_message(self) -> dict[str, Any]:
        """The bot's most recent visible message (AssertionError if there is none)."""
        messages = await self.bot_messages()
        if not messages:
            raise AssertionError(f"the bot has not sent anything (visible) to {self!r}")
        return messages[-1]

    async def last_text(self) -> str:
        """Plain text (or caption) of the bot's most recent message."""
        message = await self.last_bot_message()
        return message["text"] if message["text"] is not None else message.get("caption") or ""

    async def download(self, file_id: str) -> bytes:
        """The bytes of a file (a document the bot sent, for instance)."""
        return await self.client.download(file_id)


def _buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    markup = message.get("reply_markup") or {}
    return [button for row in markup.get("inline_keyboard", []) for button in row]


def _match_button(message: dict[str, Any], wanted: str) -> dict[str, Any] | None:
    buttons = _buttons(message)
    by_text = [b for b in buttons if b.get("text") == wanted]
    by_data = [b for b in buttons if b.get("callback_data") == wanted]
    found = next(iter(by_text or by_data), None)
    if found is not None and "callback_data" not in found:
        raise AssertionError(f"button {found['text']!r} is not a callback button: {found}")
    return found


def _no_button_report(
    wanted: str, candidates: list[dict[str, Any]], message_id: int | None
) -> str:
    where = f"bot message {message_id}" if message_id is not None else "any bot message"
    lines = [f"no inline button {wanted!r} on {where}; available buttons:"]
    for message in candidates:
        labels = [_describe(button) for button in _buttons(message)]
        if labels:
            lines.append(f"  message {message['message_id']}: {', '.join(labels)}")
    if len(lines) == 1:
        lines.append("  (none: no visible bot message has an inline keyboard)")
    return "\n".join(lines)


def _describe(button: dict[str, Any]) -> str:
    if "callback_data" in button:
        return f"{button.get('text')!r} (data {button['callback_data']!r})"
    return f"{button.get('text')!r} (not a callback button)"


async def _reason(response: aiohttp.ClientResponse) -> str:
    text = await response.text()
    try:
        return str(json.loads(text).get("error", text))
    except (ValueError, AttributeError):
        return text
