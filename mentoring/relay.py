"""The relay: what members of a pair write to the bot reaches their partner through it.

Pure rules here (which pair a message goes to, how the sender's name is put in front of a
text or caption within Telegram's limits); the handler and the outbox do the sending.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from mentoring.signup import Signup

KEEP = timedelta(days=30)
"""How long who-wrote-to-whom records are kept."""

NOTICE_EVERY = timedelta(minutes=1)
"""A sender is told at most once in this long that their messages do not get through."""

MAX_TEXT, MAX_CAPTION = 4096, 1024

CAPTIONED = frozenset({"photo", "document", "video", "audio", "voice", "animation"})
"""Kinds that carry a caption, where the sender's name goes."""
BARE = frozenset({"sticker", "video_note", "location", "venue", "contact"})
"""Kinds copied as they are, after a line naming the sender."""
UNCOPYABLE = frozenset({"poll", "dice", "game", "invoice", "paid_media", "story"})
"""What the Bot API refuses to copy."""


class Outcome(StrEnum):
    SEND = "send"
    ASK = "ask"  # a volunteer with several students, and nothing says which
    PAUSED = "paused"  # a report about the pair is open
    ENDED = "ended"
    NONE = "none"  # not in a pair: the message is not for the relay


@dataclass(frozen=True)
class Mapped:
    """A relayed message seen from one side: its pair, the partner, and the same message's
    id in the partner's chat."""

    pair_id: int
    partner_id: int
    message_id: int


@dataclass(frozen=True)
class Delivered:
    pair_id: int
    sender_id: int
    recipient_id: int
    kind: str
    sent_at: datetime
    source_message_id: int
    copy_message_id: int


@dataclass(frozen=True)
class RelayActivity:
    """What staff see of a pair's messages through the bot: counts and dates, never
    content. ``week`` and ``month`` count both directions over the last 7 and 30 days;
    ``two_way`` says both members wrote in the last 30 days."""

    week: int = 0
    month: int = 0
    two_way: bool = False
    last_at: datetime | None = None


STAFF_WEEK, STAFF_MONTH = timedelta(days=7), timedelta(days=30)
"""The windows of the staff's relay figures."""


@dataclass(frozen=True)
class Member:
    """One of the sender's active pairs."""

    pair_id: int
    partner_id: int
    frozen: bool = False


@dataclass(frozen=True)
class Route:
    outcome: Outcome
    member: Member | None = None
    reply_to: int | None = None


def route(pairs: list[Member], replied: Mapped | None, choice: int | None,
          had_pair: bool) -> Route:
    """Where a message goes. A reply goes to the pair of the message replied to, if the
    sender is still in it; else one pair is unambiguous, and a volunteer's several students
    need their remembered choice."""
    by_id = {member.pair_id: member for member in pairs}
    if replied is not None:
        member = by_id.get(replied.pair_id)
        if member is None or member.partner_id != replied.partner_id:
            return Route(Outcome.ENDED)
        return _checked(member, replied.message_id)
    if not pairs:
        return Route(Outcome.ENDED if had_pair else Outcome.NONE)
    if len(pairs) == 1:
        return _checked(pairs[0], None)
    if choice is not None and choice in by_id:
        return _checked(by_id[choice], None)
    return Route(Outcome.ASK)


def _checked(member: Member, reply_to: int | None) -> Route:
    return Route(Outcome.PAUSED if member.frozen else Outcome.SEND, member, reply_to)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def with_name(name: str, text: str, entities: list[dict[str, Any]],
              limit: int) -> tuple[str, list[dict[str, Any]]] | None:
    """``text`` after the sender's name in bold, its entities moved along (Telegram counts
    offsets in UTF-16 units); None if the whole would pass ``limit``."""
    prefix = f"{name}:\n"
    if utf16_len(prefix) + utf16_len(text) > limit:
        return None
    shift = utf16_len(prefix)
    moved = [{**entity, "offset": entity["offset"] + shift} for entity in entities]
    bold = {"type": "bold", "offset": 0, "length": utf16_len(name) + 1}
    return prefix + text, [bold, *moved]


def kind_of(message: dict[str, Any]) -> str:
    """The kind of a Bot API message, as recorded (never its content)."""
    for kind in ("text", *sorted(CAPTIONED), *sorted(BARE), *sorted(UNCOPYABLE)):
        if message.get(kind) is not None:
            return kind
    return "other"


class RelayStore(Protocol):
    async def members(self, user_id: int) -> list[Member]: ...
    async def enqueue(self, key: str, recipient_id: int, kind: str, params: dict[str, Any],
                      now: datetime) -> bool: ...
    async def noticed(self, user_id: int, reason: str, since: datetime) -> bool: ...
    async def forget_content(self, outbox_id: int) -> None: ...
    async def record(self, delivered: Delivered, outbox_id: int | None = None) -> None: ...
    async def replied(self, user_id: int, message_id: int) -> Mapped | None: ...
    async def copies(self, sender_id: int, source_message_id: int) -> list[Mapped]: ...
    async def ended_pair_of(self, user_id: int) -> int | None: ...
    async def first_name(self, user_id: int) -> str | None: ...
    async def choice(self, volunteer_id: int) -> int | None: ...
    async def choose(self, volunteer_id: int, pair_id: int, now: datetime) -> None: ...
    async def purge(self, now: datetime) -> int:
        """Records older than ``KEEP`` and those of ended pairs go; how many."""
        ...


class RelayService:
    """The relay's use cases: where a member's message goes, and queueing it."""

    def __init__(self, store: RelayStore, signup: Signup, clock: Callable[[], datetime],
                 staff: Callable[[], Awaitable[list[int]]]) -> None:
        self.store = store
        self._signup = signup
        self._clock = clock
        self._staff = staff

    def now(self) -> datetime:
        return self._clock()

    async def members(self, user_id: int) -> list[Member]:
        return await self.store.members(user_id)

    async def route(self, user_id: int, reply_to: int | None) -> Route:
        pairs = await self.members(user_id)
        replied = await self.store.replied(user_id, reply_to) if reply_to else None
        choice = await self.store.choice(user_id) if len(pairs) > 1 else None
        had_pair = not pairs and await self.store.ended_pair_of(user_id) is not None
        return route(pairs, replied, choice, had_pair)

    async def name(self, user_id: int) -> str:
        """The first name shown to the partner: the profile's, else Telegram's, else "?"."""
        return await self.store.first_name(user_id) or "?"

    async def send(self, sender_id: int, member: Member, message: dict[str, Any],
                   reply_to: int | None) -> bool:
        """Queue ``message`` (a Bot API Message as a dict) for ``member``'s partner; one
        marked ``bare`` carries no content (it waited for a volunteer's choice) and is copied
        as it is, after a line naming the sender."""
        kind = kind_of(message)
        params: dict[str, Any] = {
            "pair_id": member.pair_id, "sender_id": sender_id,
            "message_id": message["message_id"], "kind": kind, "reply_to": reply_to,
            "name": await self.name(sender_id)}
        if message.get("bare"):
            params["bare"] = True
        elif kind == "text":
            params["body"] = message["text"]
            params["entities"] = message.get("entities") or []
        elif message.get("caption"):
            params["caption"] = message["caption"]
            params["entities"] = message.get("caption_entities") or []
        key = f"relay:{sender_id}:{message['message_id']}"
        return await self.store.enqueue(key, member.partner_id, "relay", params, self._clock())

    async def edit(self, sender_id: int, message: dict[str, Any]) -> int:
        """Carry an edit over to every copy of the message; how many there were."""
        copies = await self.store.copies(sender_id, message["message_id"])
        name = await self.name(sender_id)
        for copy in copies:
            params: dict[str, Any] = {"pair_id": copy.pair_id, "sender_id": sender_id,
                                      "copy_id": copy.message_id, "name": name}
            if message.get("text") is not None:
                params.update(body=message["text"], entities=message.get("entities") or [])
            else:
                params.update(caption=message.get("caption") or "",
                              entities=message.get("caption_entities") or [])
            key = f"relay-edit:{sender_id}:{message['message_id']}:{message.get('edit_date')}"
            await self.store.enqueue(key, copy.partner_id, "relay_edit", params, self._clock())
        return len(copies)

    async def notice(self, user_id: int, reason: str, about: int | None = None,
                     pair_id: int | None = None) -> None:
        now = self._clock()
        # One sentence a minute is enough: a burst to a partner who blocked the bot fails
        # message after message, and the sender needs telling once (a sliding minute, so
        # a burst across the turn of a clock minute is told once too).
        if not await self.store.noticed(user_id, reason, now - NOTICE_EVERY):
            await self.store.enqueue(f"relay-notice:{user_id}:{reason}:{now.isoformat()}",
                                     user_id, "relay_notice",
                                     {"reason": reason, "about": about}, now)
        if reason == "blocked" and about is not None:
            for staff_id in await self._staff():
                await self.store.enqueue(
                    f"relay-staff:{pair_id}:{about}:{staff_id}:{now.date()}", staff_id,
                    "relay_staff", {"pair_id": pair_id, "recipient_id": about}, now)
