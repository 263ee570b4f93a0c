"""What a sandbox user sends besides plain text: a file, a photo, a reply, a poll."""

from __future__ import annotations

from typing import Any

from sandbox.actions import _chat_of_active, _user_message_update
from sandbox.errors import ControlError
from sandbox.formatting import command_entities, utf16_len
from sandbox.media import make_png
from sandbox.methods_relay import mark_uncopyable
from sandbox.model import StoredMessage
from sandbox.state import Sandbox
from sandbox.updates import QueuedUpdate

MAX_TEXT, MAX_CAPTION = 4096, 1024


def send(sandbox: Sandbox, user_id: int, body: dict[str, Any]) -> tuple[QueuedUpdate,
                                                                         StoredMessage]:
    """``body``: ``text``, or ``document`` {file_name, content?, mime_type?} or ``photo``
    (true), with an optional ``caption``; or ``poll`` (a question) or ``dice`` (its emoji);
    ``reply_to`` a message id of the chat; ``protected`` (true) for a message whose content
    is protected (forwarded from a chat that forbids saving content), which the Bot API
    refuses to copy."""
    chat = _chat_of_active(sandbox, user_id)
    reply_to = body.get("reply_to")
    if reply_to is not None and reply_to not in chat.messages:
        raise ControlError(400, f"message {reply_to} is not in chat {user_id}")
    caption = body.get("caption")
    if caption is not None and utf16_len(caption) > MAX_CAPTION:
        raise ControlError(400, "Telegram clients cannot send captions over 1024 characters")
    content: dict[str, Any] = {"reply_to": reply_to}
    poll, dice = body.get("poll"), body.get("dice")
    if body.get("document") is not None:
        doc = body["document"]
        data = str(doc.get("content", "%PDF-1.4 sandbox")).encode()
        content["document"] = sandbox.files.add_document(
            data, str(doc.get("file_name", "cv.pdf")), doc.get("mime_type"))
        content["caption"] = caption or None
    elif body.get("photo"):
        content["photo"] = sandbox.files.photo_sizes(make_png(320, 240), 320, 240)
        content["caption"] = caption or None
    elif poll is not None or dice is not None:
        content["text"] = None
    else:
        text = body.get("text")
        if not isinstance(text, str) or not text.strip() or utf16_len(text) > MAX_TEXT:
            raise ControlError(400, "text must be a non-empty string of up to 4096 characters")
        content.update(text=text, entities=command_entities(text))
    message = chat.add("user", sandbox.today(), **content)
    update = _user_message_update(sandbox, chat, message)
    if poll is not None:
        mark_uncopyable(chat, message.message_id, "poll")
        update.payload["message"]["poll"] = {
            "id": str(message.message_id), "question": str(poll), "options": [
                {"persistent_id": "0", "text": "Oui", "voter_count": 0},
                {"persistent_id": "1", "text": "Non", "voter_count": 0}],
            "total_voter_count": 0, "is_closed": False, "is_anonymous": True,
            "type": "regular", "allows_multiple_answers": False, "allows_revoting": False,
            "members_only": False}
    if dice is not None:
        mark_uncopyable(chat, message.message_id, "dice")
        update.payload["message"]["dice"] = {"emoji": str(dice), "value": 4}
    if body.get("protected"):
        mark_uncopyable(chat, message.message_id, "protected")
        update.payload["message"]["has_protected_content"] = True
    return update, message


def edit_caption(sandbox: Sandbox, user_id: int, message_id: int,
                 caption: str) -> tuple[QueuedUpdate, StoredMessage]:
    """The user edits the caption of one of their photos or files."""
    chat = _chat_of_active(sandbox, user_id)
    message = chat.messages.get(message_id)
    if message is None or message.sender != "user" or not message.has_media():
        raise ControlError(400, f"message {message_id} is not a file of user {user_id}")
    message.caption = caption
    message.edit_date = sandbox.today()
    update = sandbox.updates.push("edited_message", sandbox.message_api(chat, message))
    return update, message
