"""copyMessage and forwardMessage, as Telegram answers them."""

from __future__ import annotations

from typing import Any

from sandbox.errors import bad_request
from sandbox.markup import parse_reply_markup
from sandbox.methods_messages import (
    MAX_CAPTION,
    formatted_param,
    remember_reply_keyboard,
    reply_target,
    throttle,
)
from sandbox.model import Chat, StoredMessage, forward_origin_for
from sandbox.params import Params
from sandbox.registry import bot_method
from sandbox.state import Sandbox, check_writable

UNCOPYABLE: dict[str, dict[int, str]] = {}
"""Messages the Bot API refuses to copy (a poll, a dice...), by chat instance: the sandbox's
model holds no such content, only that it was there."""


def mark_uncopyable(chat: Chat, message_id: int, kind: str) -> None:
    UNCOPYABLE.setdefault(chat.instance, {})[message_id] = kind


def _source(sandbox: Sandbox, params: Params, verb: str) -> tuple[Chat, StoredMessage]:
    source = sandbox.chat(params.raw("from_chat_id"))
    message_id = params.integer("message_id")
    if message_id is None:
        raise bad_request("message identifier is not specified")
    message = source.messages.get(message_id)
    if message is None:
        raise bad_request(f"message to {verb} not found")
    kind = UNCOPYABLE.get(source.instance, {}).get(message_id)
    if verb == "copy" and kind is not None:
        raise bad_request("the message can't be copied")
    if verb == "forward" and kind == "protected":
        raise bad_request("message can't be forwarded")
    return source, message


def _content(message: StoredMessage) -> dict[str, Any]:
    return {"text": message.text, "entities": list(message.entities), "html": message.html,
            "caption": message.caption, "caption_entities": list(message.caption_entities),
            "caption_html": message.caption_html, "document": message.document,
            "photo": list(message.photo), "sticker": message.sticker}


@bot_method("copyMessage")
async def copy_message(sandbox: Sandbox, params: Params) -> dict[str, Any]:
    """A copy without a link to the original; ``caption`` replaces a media's caption."""
    markup = parse_reply_markup(params.raw("reply_markup"))
    chat = sandbox.chat(params.raw("chat_id"))
    _chat, original = _source(sandbox, params, "copy")
    content = _content(original)
    if params.raw("caption") is not None:
        if not original.has_media():
            raise bad_request("there is no caption in the message")
        caption, html = formatted_param(sandbox, params, "caption", "caption_entities",
                                        MAX_CAPTION)
        content.update(caption=caption.text or None, caption_entities=caption.entities,
                       caption_html=html if caption.text else None)
    reply_to = reply_target(chat, params)
    check_writable(chat)
    throttle(sandbox, chat)
    message = chat.add("bot", sandbox.today(), reply_markup=markup, reply_to=reply_to,
                       **content)
    remember_reply_keyboard(chat, markup)
    return {"message_id": message.message_id}


@bot_method("forwardMessage")
async def forward_message(sandbox: Sandbox, params: Params) -> dict[str, Any]:
    """The message as it is, with where it came from (``forward_origin``)."""
    chat = sandbox.chat(params.raw("chat_id"))
    source, original = _source(sandbox, params, "forward")
    check_writable(chat)
    throttle(sandbox, chat)
    origin = ({"type": "user", "sender_user": sandbox.bot_user(), "date": original.date}
              if original.sender == "bot" else forward_origin_for(source.user, original.date))
    message = chat.add("bot", sandbox.today(), forward_origin=origin, **_content(original))
    return sandbox.message_api(chat, message)
