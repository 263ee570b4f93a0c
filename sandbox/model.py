"""Users, private chats and messages, and their Bot API / transcript renderings."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from sandbox.markup import is_inline
from sandbox.media import StoredFile


@dataclass
class User:
    """A sandbox user; ``started`` once they wrote to the bot, ``blocked`` while they block it."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    started: bool = False
    blocked: bool = False
    # How the chat page lists the user: "student", "volunteer" or "staff", and "demo" for
    # the seeded population; Telegram never sees these.
    role: str | None = None
    group: str | None = None
    # Telegram's privacy setting "Forwarded messages: Nobody": no tg://user?id= button may
    # point at them, and their forwarded messages do not name their account.
    allows_links: bool = True

    def api(self) -> dict[str, Any]:
        """The Bot API ``User`` object."""
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key):
                data[key] = getattr(self, key)
        return data

    def chat_api(self) -> dict[str, Any]:
        """The Bot API ``Chat`` object of the private chat with this user."""
        data: dict[str, Any] = {"id": self.id, "type": "private", "first_name": self.first_name}
        for key in ("last_name", "username"):
            if getattr(self, key):
                data[key] = getattr(self, key)
        return data

    def control_view(self) -> dict[str, Any]:
        """What the control API reports about the user."""
        view = {**self.api(), "started": self.started, "blocked": self.blocked,
                "allows_links": self.allows_links}
        for key in ("role", "group"):
            if getattr(self, key):
                view[key] = getattr(self, key)
        return view


def forward_origin_for(user: User, date: int) -> dict[str, Any]:
    """The ``forward_origin`` of a message ``user`` sent at ``date``, once forwarded.

    Users who forbid links appear as a ``hidden_user`` with only their display name, as
    Telegram shows them; the others as a ``user`` with their ``User`` object.
    """
    if user.allows_links:
        return {"type": "user", "date": date, "sender_user": user.api()}
    name = " ".join(part for part in (user.first_name, user.last_name) if part)
    return {"type": "hidden_user", "date": date, "sender_user_name": name}


@dataclass
class StoredMessage:
    """A message of a private chat, as currently visible (edits applied)."""

    message_id: int
    sender: str  # "user" or "bot"
    date: int
    text: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    html: str | None = None
    caption: str | None = None
    caption_entities: list[dict[str, Any]] = field(default_factory=list)
    caption_html: str | None = None
    reply_markup: dict[str, Any] | None = None
    edit_date: int | None = None
    reply_to: int | None = None
    document: StoredFile | None = None
    photo: list[StoredFile] = field(default_factory=list)
    sticker: dict[str, Any] | None = None
    # Bot API objects as they appear in the Message (Voice, VideoNote, Location).
    voice: dict[str, Any] | None = None
    video_note: dict[str, Any] | None = None
    location: dict[str, Any] | None = None
    # Set on a forwarded message: see forward_origin_for.
    forward_origin: dict[str, Any] | None = None

    def has_media(self) -> bool:
        """Whether this message carries a file (and therefore possibly a caption)."""
        return bool(self.document or self.photo or self.sticker or self.voice
                    or self.video_note)

    def preview(self) -> str:
        """One line standing for the message where a list or a quote shows it."""
        if self.text or self.caption:
            return (self.text or self.caption or "").split("\n", 1)[0]
        if self.document is not None:
            return f"📄 {self.document.file_name or ''}".rstrip()
        if self.location is not None:
            return "📍"
        kinds = ((self.photo, "🖼"), (self.sticker, (self.sticker or {}).get("emoji") or "🙂"),
                 (self.voice, "🎤"), (self.video_note, "📹"))
        return next((mark for present, mark in kinds if present), "")


@dataclass
class CallbackRecord:
    """A button press and, once the bot answered it, its answerCallbackQuery parameters."""

    id: str
    user_id: int
    message_id: int
    data: str
    created: float
    answer: dict[str, Any] | None = None


@dataclass
class Chat:
    """The private chat between the bot and one user; message ids are shared by both sides."""

    user: User
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    next_message_id: int = 1
    callback_answers: list[dict[str, Any]] = field(default_factory=list)
    chat_actions: list[dict[str, Any]] = field(default_factory=list)
    reply_keyboard: dict[str, Any] | None = None
    instance: str = field(default_factory=lambda: str(secrets.randbits(62)))

    @property
    def id(self) -> int:
        """Private chats have the user's id."""
        return self.user.id

    def add(self, sender: str, date: int, **content: Any) -> StoredMessage:
        """Append a message with the next id of the chat's shared sequence."""
        message = StoredMessage(self.next_message_id, sender, date, **content)
        self.messages[message.message_id] = message
        self.next_message_id += 1
        return message


def message_api(
    chat: Chat, message: StoredMessage, bot_user: dict[str, Any], *, nested: bool = False
) -> dict[str, Any]:
    """The Bot API ``Message`` object (only inline keyboards appear in ``reply_markup``)."""
    sender = bot_user if message.sender == "bot" else chat.user.api()
    data: dict[str, Any] = {
        "message_id": message.message_id,
        "from": sender,
        "chat": chat.user.chat_api(),
        "date": message.date,
    }
    if message.forward_origin is not None:
        data["forward_origin"] = message.forward_origin
    if message.edit_date is not None:
        data["edit_date"] = message.edit_date
    replied = chat.messages.get(message.reply_to) if message.reply_to else None
    if replied is not None and not nested:
        data["reply_to_message"] = message_api(chat, replied, bot_user, nested=True)
    if message.text is not None:
        data["text"] = message.text
        if message.entities:
            data["entities"] = message.entities
    data.update(_media_api(message))
    if message.caption:
        data["caption"] = message.caption
        if message.caption_entities:
            data["caption_entities"] = message.caption_entities
    if is_inline(message.reply_markup):
        data["reply_markup"] = message.reply_markup
    return data


def _media_api(message: StoredMessage) -> dict[str, Any]:
    if message.document is not None:
        return {"document": message.document.document()}
    if message.photo:
        return {"photo": [size.photo_size() for size in message.photo]}
    if message.sticker is not None:
        return {"sticker": message.sticker}
    for kind in ("voice", "video_note", "location"):
        if getattr(message, kind) is not None:
            return {kind: getattr(message, kind)}
    return {}


def message_transcript(message: StoredMessage, chat: Chat | None = None) -> dict[str, Any]:
    """The message as the user sees it, for ``/control/users/{id}/transcript``; with its
    ``chat``, a reply also carries the quoted message (``reply_to_message``)."""
    data: dict[str, Any] = {
        "message_id": message.message_id,
        "from": message.sender,
        "date": message.date,
        "text": message.text,
        "entities": message.entities or message.caption_entities,
        "html": message.html if message.text is not None else message.caption_html,
        "reply_markup": message.reply_markup,
        "edited": message.edit_date is not None,
    }
    if message.reply_to:
        data["reply_to"] = message.reply_to
        quoted = chat.messages.get(message.reply_to) if chat is not None else None
        if quoted is not None:
            data["reply_to_message"] = {"message_id": quoted.message_id,
                                        "from": quoted.sender, "preview": quoted.preview()}
    if message.forward_origin is not None:
        data["forward_origin"] = message.forward_origin
    if message.caption is not None:
        data["caption"] = message.caption
    if message.document is not None:
        doc = message.document
        data["document"] = {
            "file_id": doc.file_id,
            "file_name": doc.file_name,
            "mime_type": doc.mime_type,
            "file_size": doc.size,
        }
    if message.photo:
        largest = message.photo[-1]
        data["photo"] = {k: v for k, v in largest.photo_size().items() if k != "file_unique_id"}
    if message.sticker is not None:
        sticker = message.sticker
        data["sticker"] = {"file_id": sticker["file_id"], "emoji": sticker.get("emoji")}
    for kind in ("voice", "video_note"):
        media = getattr(message, kind)
        if media is not None:
            data[kind] = {k: media[k] for k in ("file_id", "duration", "mime_type", "file_size")
                          if k in media}
    if message.location is not None:
        data["location"] = dict(message.location)
    return data
