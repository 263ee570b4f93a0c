"""Announcements from staff: who receives them, what may be written, and their life cycle.

A broadcast is written once (HTML, as Telegram accepts it), sent to an audience built from
combinable filters (role, regions, families of fields, and one condition), now or at a chosen
time. Starting it turns every recipient into an outbox row in one transaction, in the outbox's
second lane, so the sender keeps direct and scheduled messages first. Cancelling it drops what
is not sent yet.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from html import escape, unescape
from html.parser import HTMLParser
from typing import Any

from mentoring import catalog, places
from mentoring.errors import Stale, StaleReason
from mentoring.model import Role
from mentoring.ports import Clock, UnitOfWork

__all__ = [
    "Audience", "Broadcast", "BroadcastStatus", "Broadcasts", "Condition", "HtmlProblem",
    "Member", "Progress", "Target", "normalise_text",
]

MAX_LENGTH = 4096
"""Telegram's limit for one message, counted on the text as shown (tags excluded)."""


class Target(StrEnum):
    EVERYONE = "everyone"
    STUDENTS = "students"
    VOLUNTEERS = "volunteers"


class Condition(StrEnum):
    ANY = "any"
    WAITING = "waiting"  # students waiting for a mentor
    ROOM = "room"  # volunteers with a free place, not paused
    AT_RISK = "at_risk"  # both members of pairs gone quiet or reported


class BroadcastStatus(StrEnum):
    SCHEDULED = "scheduled"
    SENDING = "sending"
    DONE = "done"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Member:
    """What the audience filters look at, for one participant."""

    user_id: int
    role: Role
    families: frozenset[str]
    department: str | None
    waiting: bool = False
    room: bool = False
    at_risk: bool = False


@dataclass(frozen=True)
class Audience:
    """Filters that all apply at once: empty ``regions`` or ``families`` means all."""

    target: Target = Target.EVERYONE
    regions: frozenset[str] = frozenset()
    families: frozenset[str] = frozenset()
    condition: Condition = Condition.ANY

    def admits(self, member: Member) -> bool:
        if self.target is Target.STUDENTS and member.role is not Role.STUDENT:
            return False
        if self.target is Target.VOLUNTEERS and member.role is not Role.VOLUNTEER:
            return False
        if self.regions:
            if member.department is None:
                return False
            if places.department(member.department).region.code not in self.regions:
                return False
        if self.families and not self.families & member.families:
            return False
        return {
            Condition.ANY: True,
            Condition.WAITING: member.role is Role.STUDENT and member.waiting,
            Condition.ROOM: member.role is Role.VOLUNTEER and member.room,
            Condition.AT_RISK: member.at_risk,
        }[self.condition]

    def toggled(self, kind: str, code: str) -> Audience:
        """This audience with one region or family added or taken away."""
        if kind == "region":
            places.region(code)  # unknown codes raise
            return replace(self, regions=self.regions ^ {code})
        catalog.family(code)
        return replace(self, families=self.families ^ {code})

    def to_dict(self) -> dict[str, Any]:
        return {"target": self.target.value, "regions": sorted(self.regions),
                "families": sorted(self.families), "condition": self.condition.value}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Audience:
        return cls(target=Target(data.get("target", "everyone")),
                   regions=frozenset(data.get("regions", ())),
                   families=frozenset(data.get("families", ())),
                   condition=Condition(data.get("condition", "any")))


def student_families(field_code: str) -> frozenset[str]:
    return frozenset({catalog.field(field_code).family})


def volunteer_families(field_code: str, help_families: Iterable[str]) -> frozenset[str]:
    return frozenset({catalog.field(field_code).family, *help_families})


# ------------------------------------------------------------------ the text


@dataclass(frozen=True)
class HtmlProblem:
    """Why a text cannot be sent: ``reason`` is unknown_tag, not_closed, not_open,
    bare_character or too_long; ``detail`` names the tag, the character or the length."""

    reason: str
    detail: str


# Telegram's HTML: these tags, these attributes, nothing else.
_TAGS: dict[str, frozenset[str]] = {
    "b": frozenset(), "strong": frozenset(), "i": frozenset(), "em": frozenset(),
    "u": frozenset(), "ins": frozenset(), "s": frozenset(), "strike": frozenset(),
    "del": frozenset(), "tg-spoiler": frozenset(), "span": frozenset({"class"}),
    "a": frozenset({"href"}), "code": frozenset({"class"}), "pre": frozenset(),
    "blockquote": frozenset({"expandable"}), "tg-emoji": frozenset({"emoji-id"}),
}
_LOOKS_LIKE_TAG = re.compile(r"</?[A-Za-z][\w-]*(\s[^<>]*)?/?>")
_LONE_AMPERSAND = re.compile(r"&(?!#\d+;|#x[0-9A-Fa-f]+;|[A-Za-z]+;)")
_ENTITY = re.compile(r"&(#\d+|#x[0-9A-Fa-f]+|[A-Za-z]+);")


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.open: list[str] = []
        self.problem: HtmlProblem | None = None
        self.shown = 0

    def _fail(self, reason: str, detail: str) -> None:
        if self.problem is None:
            self.problem = HtmlProblem(reason, detail)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        allowed = _TAGS.get(tag)
        if allowed is None or any(name not in allowed for name, _ in attrs):
            self._fail("unknown_tag", f"<{tag}>")
            return
        if tag == "span" and dict(attrs).get("class") != "tg-spoiler":
            self._fail("unknown_tag", "<span>")
        if tag == "a" and not dict(attrs).get("href"):
            self._fail("unknown_tag", "<a>")
        self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._fail("unknown_tag", f"<{tag}/>")

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            self._fail("not_open" if tag not in self.open else "not_closed",
                       f"</{tag}>" if tag not in self.open else f"<{self.open[-1]}>")
            return
        self.open.pop()

    def handle_data(self, data: str) -> None:
        if "<" in data or ">" in data:
            self._fail("bare_character", "<" if "<" in data else ">")
        if "&" in data:
            self._fail("bare_character", "&")
        self.shown += len(data)

    def handle_entityref(self, name: str) -> None:
        if name not in ("lt", "gt", "amp", "quot"):
            self._fail("bare_character", "&")
        self.shown += 1

    def handle_charref(self, name: str) -> None:
        self.shown += 1

    def handle_comment(self, data: str) -> None:
        self._fail("unknown_tag", "<!--")

    def handle_decl(self, decl: str) -> None:
        self._fail("unknown_tag", "<!")

    def handle_pi(self, data: str) -> None:
        self._fail("unknown_tag", "<?")


def check_html(text: str) -> HtmlProblem | None:
    """None when Telegram will accept ``text`` with parse_mode HTML, else the first problem."""
    checker = _Checker()
    # HTMLParser silently keeps an unterminated "<b" or "&amp" for later; flag them here.
    stripped = _ENTITY.sub("", _LOOKS_LIKE_TAG.sub("", text))
    checker.feed(text)
    checker.close()
    if checker.problem is None and ("<" in stripped or ">" in stripped):
        checker._fail("bare_character", "<" if "<" in stripped else ">")
    if checker.problem is None and "&" in stripped:
        checker._fail("bare_character", "&")
    if checker.problem is None and checker.open:
        checker._fail("not_closed", f"<{checker.open[-1]}>")
    if checker.problem is None and checker.shown > MAX_LENGTH:
        checker._fail("too_long", str(checker.shown))
    return checker.problem


def normalise_text(text: str, formatted_html: str | None) -> tuple[str, HtmlProblem | None]:
    """The HTML to send for what staff wrote.

    ``formatted_html`` is the message's own formatting (bold, links... made in the app) as
    HTML, given when the message has any: it is used as it is. Otherwise a text with tags is
    taken as HTML and checked (a lone "&" is escaped: it cannot mean anything else); a text
    without any is plain and only escaped, so "Q&A" or "a < b" need no care.
    """
    if formatted_html is not None:
        return formatted_html, check_html(formatted_html)
    if _LOOKS_LIKE_TAG.search(text):
        text = _LONE_AMPERSAND.sub("&amp;", text)  # "Q&A" needs no care either
        return text, check_html(text)
    html_text = escape(text, quote=False)
    return html_text, check_html(html_text)


def visible_length(html_text: str) -> int:
    return len(unescape(re.sub(r"<[^>]+>", "", html_text)))


# ------------------------------------------------------------------ use cases


@dataclass
class Broadcast:
    id: int
    author_id: int
    text: str
    audience: Audience
    status: BroadcastStatus
    created_at: datetime
    send_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    recipients: int = 0
    progress_message_id: int | None = None


@dataclass(frozen=True)
class Progress:
    """Outbox rows of one broadcast by how they ended (or not yet)."""

    sent: int = 0
    blocked: int = 0
    failed: int = 0
    skipped: int = 0
    left: int = 0  # pending or in flight
    cancelled: int = 0

    @classmethod
    def of(cls, counts: dict[str, int]) -> Progress:
        return cls(sent=counts.get("sent", 0), blocked=counts.get("blocked", 0),
                   failed=counts.get("failed", 0), skipped=counts.get("skipped", 0),
                   left=counts.get("pending", 0) + counts.get("sending", 0),
                   cancelled=counts.get("cancelled", 0))

    @property
    def finished(self) -> bool:
        return self.left == 0


@dataclass
class Running:
    broadcast: Broadcast
    progress: Progress
    just_finished: bool = field(default=False)


class Broadcasts:
    def __init__(self, uow: Callable[[], UnitOfWork], clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    def now(self) -> datetime:
        return self._clock()

    async def recipients(self, audience: Audience) -> list[int]:
        async with self._uow() as uow:
            return await self._recipients(uow, audience)

    async def _recipients(self, uow: UnitOfWork, audience: Audience) -> list[int]:
        members = await uow.broadcasts.members(self._clock())
        return sorted(m.user_id for m in members if audience.admits(m))

    async def create(self, author_id: int, text: str, audience: Audience,
                     send_at: datetime | None = None) -> Broadcast:
        """Record the broadcast; when it is for now, its recipients are queued at once,
        in the same transaction."""
        now = self._clock()
        start_now = send_at is None or send_at <= now
        async with self._uow() as uow:
            broadcast = Broadcast(
                id=0, author_id=author_id, text=text, audience=audience,
                status=BroadcastStatus.SENDING if start_now else BroadcastStatus.SCHEDULED,
                created_at=now, send_at=now if start_now or send_at is None else send_at)
            broadcast.id = await uow.broadcasts.add(broadcast)
            if start_now:
                await self._start(uow, broadcast, now)
            await uow.staff.audit(author_id, "broadcast", {
                "id": broadcast.id, "audience": audience.to_dict(),
                "send_at": broadcast.send_at.isoformat()}, now)
            await uow.commit()
        return broadcast

    async def _start(self, uow: UnitOfWork, broadcast: Broadcast, now: datetime) -> None:
        recipients = await self._recipients(uow, broadcast.audience)
        await uow.broadcasts.enqueue(broadcast.id, recipients, now)
        broadcast.recipients = len(recipients)
        broadcast.started_at = now
        broadcast.status = BroadcastStatus.SENDING
        await uow.broadcasts.started(broadcast.id, len(recipients), now)

    async def start_due(self, now: datetime | None = None) -> list[Broadcast]:
        """Start the scheduled broadcasts whose time has come (each in its own
        transaction; a broadcast another process started is left alone)."""
        now = now or self._clock()
        started = []
        async with self._uow() as uow:
            due = await uow.broadcasts.due(now)
        for broadcast_id in due:
            async with self._uow() as uow:
                broadcast = await uow.broadcasts.claim_scheduled(broadcast_id)
                if broadcast is None:
                    continue
                await self._start(uow, broadcast, now)
                await uow.commit()
                started.append(broadcast)
        return started

    async def get(self, broadcast_id: int) -> Broadcast | None:
        async with self._uow() as uow:
            return await uow.broadcasts.get(broadcast_id)

    async def latest(self, limit: int = 10) -> list[tuple[Broadcast, Progress]]:
        async with self._uow() as uow:
            found = await uow.broadcasts.latest(limit)
            counts = await uow.broadcasts.counts([b.id for b in found])
            return [(b, Progress.of(counts[b.id])) for b in found]

    async def cancel(self, actor_id: int, broadcast_id: int) -> tuple[Broadcast, Progress]:
        """Stop a scheduled or running broadcast: what is not sent yet never will be.
        :class:`Stale` when there is no such broadcast or it had already finished or been
        cancelled."""
        now = self._clock()
        async with self._uow() as uow:
            if not await uow.broadcasts.cancel(broadcast_id, actor_id, now):
                raise Stale(StaleReason.FINISHED if await uow.broadcasts.get(broadcast_id)
                            else StaleReason.GONE)
            await uow.staff.audit(actor_id, "broadcast_cancel", {"id": broadcast_id}, now)
            await uow.commit()
            broadcast = await uow.broadcasts.get(broadcast_id)
            counts = (await uow.broadcasts.counts([broadcast_id]))[broadcast_id]
        assert broadcast is not None
        return broadcast, Progress.of(counts)

    async def running(self) -> list[Running]:
        """Broadcasts being sent, with their progress; those with nothing left are marked
        done here (``just_finished``), so exactly one caller reports each end."""
        now = self._clock()
        result = []
        async with self._uow() as uow:
            sending = await uow.broadcasts.sending()
            counts = await uow.broadcasts.counts([b.id for b in sending])
            for broadcast in sending:
                progress = Progress.of(counts[broadcast.id])
                finished = progress.finished and await uow.broadcasts.finish(broadcast.id, now)
                if finished:
                    broadcast.status, broadcast.finished_at = BroadcastStatus.DONE, now
                result.append(Running(broadcast, progress, finished))
            await uow.commit()
        return result

    async def set_progress_message(self, broadcast_id: int, message_id: int) -> None:
        async with self._uow() as uow:
            await uow.broadcasts.set_progress_message(broadcast_id, message_id)
            await uow.commit()
