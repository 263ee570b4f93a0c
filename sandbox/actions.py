"""What sandbox users do: each action changes the chat and queues the update Telegram sends."""

from __future__ import annotations

import secrets
from typing import Any

from sandbox.errors import ControlError
from sandbox.formatting import command_entities, utf16_len
from sandbox.markup import MAX_CALLBACK_DATA_BYTES, inline_buttons
from sandbox.media import make_png
from sandbox.model import CallbackRecord, Chat, StoredMessage
from sandbox.state import Sandbox
from sandbox.updates import QueuedUpdate

MAX_TEXT = 4096
MAX_CAPTION = 1024


def send_text(sandbox: Sandbox, user_id: int, text: str) -> tuple[QueuedUpdate, StoredMessage]:
    """The user sends ``text``; a leading ``/word`` gets a bot_command entity."""
    chat = _chat_of_active(sandbox, user_id)
    if not isinstance(text, str) or not text.strip():
        raise ControlError(400, "text must be a non-empty string")
    if utf16_len(text) > MAX_TEXT:
        raise ControlError(400, "Telegram clients cannot send more than 4096 characters")
    message = chat.add("user", sandbox.today(), text=text, entities=command_entities(text))
    return _user_message_update(sandbox, chat, message), message


def send_sticker(
    sandbox: Sandbox, user_id: int, emoji: str = "👍"
) -> tuple[QueuedUpdate, StoredMessage]:
    """The user sends a (regular, static) sticker."""
    chat = _chat_of_active(sandbox, user_id)
    # Placeholder bytes: nothing in the bot decodes sticker images.
    stored = sandbox.files.add("sticker", make_png(64, 64, (250, 200, 40)), mime_type="image/webp")
    sticker = {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
        "emoji": emoji,
        "set_name": "SandboxStickers",
        "file_size": stored.size,
    }
    message = chat.add("user", sandbox.today(), sticker=sticker)
    return _user_message_update(sandbox, chat, message), message


def send_photo(
    sandbox: Sandbox, user_id: int, caption: str | None = None
) -> tuple[QueuedUpdate, StoredMessage]:
    """The user sends a photo (a real, small PNG so downloads work)."""
    chat = _chat_of_active(sandbox, user_id)
    if caption is not None and utf16_len(caption) > MAX_CAPTION:
        raise ControlError(400, "Telegram clients cannot send captions over 1024 characters")
    sizes = sandbox.files.photo_sizes(make_png(320, 240), 320, 240)
    message = chat.add("user", sandbox.today(), photo=sizes, caption=caption or None)
    return _user_message_update(sandbox, chat, message), message


def edit_text(
    sandbox: Sandbox, user_id: int, message_id: int, text: str
) -> tuple[QueuedUpdate, StoredMessage]:
    """The user edits one of their own text messages (an ``edited_message`` update)."""
    chat = _chat_of_active(sandbox, user_id)
    message = chat.messages.get(message_id)
    if message is None or message.sender != "user" or message.text is None:
        raise ControlError(400, f"message {message_id} is not a text message of user {user_id}")
    if not isinstance(text, str) or not text.strip():
        raise ControlError(400, "text must be a non-empty string")
    if text == message.text:
        raise ControlError(400, "the new text is identical; Telegram sends no update")
    message.text = text
    message.entities = command_entities(text)
    message.edit_date = sandbox.today()
    update = sandbox.updates.push("edited_message", sandbox.message_api(chat, message))
    return update, message


def press(
    sandbox: Sandbox, user_id: int, message_id: int, *, data: str | None, text: str | None
) -> tuple[QueuedUpdate, CallbackRecord]:
    """The user presses an inline callback button, chosen by its data or its label."""
    chat = _chat_of_active(sandbox, user_id)
    message = chat.messages.get(message_id)
    if message is None or message.sender != "bot":
        raise ControlError(400, f"message {message_id} is not a bot message in chat {user_id}")
    button = _find_button(message, data=data, text=text)
    return _callback_query(sandbox, chat, message, button["callback_data"])


def forge_callback(
    sandbox: Sandbox, user_id: int, message_id: int, data: str
) -> tuple[QueuedUpdate, CallbackRecord]:
    """The user sends a callback query with any ``data`` on a bot message, button or not.

    A modified client can do this on real Telegram; the bot must treat such data as untrusted.
    Telegram still only accepts 1-64 bytes of data on a message of this chat.
    """
    chat = _chat_of_active(sandbox, user_id)
    if not isinstance(message_id, int) or isinstance(message_id, bool):
        raise ControlError(400, "message_id must be an integer")
    message = chat.messages.get(message_id)
    if message is None or message.sender != "bot":
        raise ControlError(400, f"message {message_id} is not a bot message in chat {user_id}")
    if not isinstance(data, str) or not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA_BYTES:
        raise ControlError(400, "data must be a string of 1-64 bytes")
    return _callback_query(sandbox, chat, message, data)


def _callback_query(
    sandbox: Sandbox, chat: Chat, message: StoredMessage, data: str
) -> tuple[QueuedUpdate, CallbackRecord]:
    record = CallbackRecord(
        id=str(secrets.randbits(63)),
        user_id=chat.user.id,
        message_id=message.message_id,
        data=data,
        created=sandbox.now(),
    )
    sandbox.callbacks[record.id] = record
    query = {
        "id": record.id,
        "from": chat.user.api(),
        "message": sandbox.message_api(chat, message),
        "chat_instance": chat.instance,
        "data": record.data,
    }
    return sandbox.updates.push("callback_query", query), record


def set_blocked(sandbox: Sandbox, user_id: int, blocked: bool) -> QueuedUpdate | None:
    """Block or unblock the bot; Telegram reports it as a ``my_chat_member`` update."""
    user = sandbox.user(user_id)
    if user.blocked == blocked:
        return None
    user.blocked = blocked
    bot = sandbox.bot_user()
    member = {"status": "member", "user": bot}
    kicked = {"status": "kicked", "user": bot, "until_date": 0}
    change = {
        "chat": user.chat_api(),
        "from": user.api(),
        "date": sandbox.today(),
        "old_chat_member": member if blocked else kicked,
        "new_chat_member": kicked if blocked else member,
    }
    return sandbox.updates.push("my_chat_member", change)


def describe_buttons(message: StoredMessage) -> list[dict[str, Any]]:
    """Buttons of a message for error messages: label plus its action."""
    return [
        {k: v for k, v in button.items() if k in ("text", "callback_data", "url")}
        for button in inline_buttons(message.reply_markup)
    ]


def _chat_of_active(sandbox: Sandbox, user_id: int) -> Chat:
    user = sandbox.active_user(user_id)
    return sandbox.chats[user.id]


def _user_message_update(sandbox: Sandbox, chat: Chat, message: StoredMessage) -> QueuedUpdate:
    chat.user.started = True
    return sandbox.updates.push("message", sandbox.message_api(chat, message))


def _find_button(message: StoredMessage, *, data: str | None, text: str | None) -> dict[str, Any]:
    if (data is None) == (text is None):
        raise ControlError(400, "give exactly one of data or text")
    buttons = inline_buttons(message.reply_markup)
    if data is not None:
        found = [b for b in buttons if b.get("callback_data") == data]
    else:
        found = [b for b in buttons if b.get("text") == text]
    if not found:
        wanted = f"callback data {data!r}" if data is not None else f"text {text!r}"
        raise ControlError(
            400,
            f"message {message.message_id} has no inline button with {wanted}; "
            f"buttons now: {describe_buttons(message)}",
        )
    if "callback_data" not in found[0]:
        raise ControlError(400, f"button {found[0]['text']!r} has no callback_data to send")
    return found[0]
