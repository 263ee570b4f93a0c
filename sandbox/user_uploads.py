"""What a sandbox user sends from the chat page besides plain text: a file of their own
(shown as a photo, a voice message or a document, as a Telegram client would send it), a
location, and a text in reply to a message of the chat (files and places may reply too)."""

from __future__ import annotations

from typing import Any

from sandbox.actions import _chat_of_active, _user_message_update
from sandbox.errors import ApiError, ControlError
from sandbox.formatting import command_entities, utf16_len
from sandbox.media import MAX_UPLOAD_BYTES, StoredFile
from sandbox.model import Chat, StoredMessage
from sandbox.state import Sandbox
from sandbox.updates import QueuedUpdate

MAX_TEXT, MAX_CAPTION = 4096, 1024
VOICE_TYPES = ("audio/ogg", "audio/opus")
# Telegram encodes voice at about 16 kbit/s: the duration a client would report.
VOICE_BYTES_PER_SECOND = 2000


def send_file(
    sandbox: Sandbox,
    user_id: int,
    data: bytes,
    file_name: str,
    content_type: str | None,
    *,
    caption: str | None = None,
    reply_to: int | None = None,
) -> tuple[QueuedUpdate, StoredMessage]:
    """The user sends a file: a picture goes as a photo, an Ogg/Opus recording as a voice
    message, anything else as a document with its name."""
    chat = _chat_of_active(sandbox, user_id)
    _check_reply(chat, reply_to)
    if caption is not None and utf16_len(caption) > MAX_CAPTION:
        raise ControlError(400, "Telegram clients cannot send captions over 1024 characters")
    if not data:
        raise ControlError(400, "the file is empty")
    if len(data) > MAX_UPLOAD_BYTES:
        raise ControlError(400, "the file is larger than the 50 MB the sandbox accepts")
    content: dict[str, Any] = {"caption": caption or None, "reply_to": reply_to}
    mime = (content_type or "").split(";", 1)[0].strip().lower()
    photo = _as_photo(sandbox, data) if mime.startswith("image/") else None
    if photo:
        content["photo"] = photo
    elif mime in VOICE_TYPES:
        stored = sandbox.files.add("voice", data, mime_type="audio/ogg")
        content["voice"] = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "duration": max(1, len(data) // VOICE_BYTES_PER_SECOND),
            "mime_type": "audio/ogg",
            "file_size": stored.size,
        }
    else:
        content["document"] = sandbox.files.add_document(data, file_name or "file", mime or None)
    message = chat.add("user", sandbox.today(), **content)
    return _user_message_update(sandbox, chat, message), message


def send_reply(
    sandbox: Sandbox, user_id: int, reply_to: Any, text: Any
) -> tuple[QueuedUpdate, StoredMessage]:
    """The user replies with ``text`` to message ``reply_to`` of their chat."""
    chat = _chat_of_active(sandbox, user_id)
    _check_reply(chat, reply_to)
    if reply_to is None:
        raise ControlError(400, "reply_to is required: the message being replied to")
    if not isinstance(text, str) or not text.strip():
        raise ControlError(400, "text must be a non-empty string")
    if utf16_len(text) > MAX_TEXT:
        raise ControlError(400, "Telegram clients cannot send more than 4096 characters")
    message = chat.add("user", sandbox.today(), text=text, entities=command_entities(text),
                       reply_to=reply_to)
    return _user_message_update(sandbox, chat, message), message


def send_location(
    sandbox: Sandbox, user_id: int, latitude: Any, longitude: Any, *, reply_to: int | None = None
) -> tuple[QueuedUpdate, StoredMessage]:
    """The user shares a point on the map."""
    chat = _chat_of_active(sandbox, user_id)
    _check_reply(chat, reply_to)
    point = {"latitude": latitude, "longitude": longitude}
    for name, value in point.items():
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise ControlError(400, f"{name} must be a number")
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise ControlError(400, "latitude must be within ±90 and longitude within ±180")
    message = chat.add("user", sandbox.today(), location=point, reply_to=reply_to)
    return _user_message_update(sandbox, chat, message), message


def _as_photo(sandbox: Sandbox, data: bytes) -> list[StoredFile] | None:
    """``data`` stored as a photo, when Telegram would take it as one."""
    try:
        return sandbox.files.add_photo(data)
    except ApiError:
        return None  # an image Telegram cannot process goes as a file, as clients send it


def _check_reply(chat: Chat, reply_to: Any) -> None:
    if reply_to is None:
        return
    if not isinstance(reply_to, int) or isinstance(reply_to, bool):
        raise ControlError(400, "reply_to must be a message id")
    if reply_to not in chat.messages:
        raise ControlError(400, f"message {reply_to} is not in this chat (deleted?)")
