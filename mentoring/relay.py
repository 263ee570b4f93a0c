"""The relay: what members of a pair write to the bot reaches their partner through it.

Pure rules here (which pair a message goes to, how the sender's name is put in front of a
text or caption within Telegram's limits); the handler and the outbox do the sending.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

KEEP = timedelta(days=30)
"""How long who-wrote-to-whom records are kept."""

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
