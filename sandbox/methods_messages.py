"""Bot API methods that send, edit and delete messages, answer buttons and show actions."""

from __future__ import annotations

from typing import Any

from sandbox.errors import bad_request, too_many_requests
from sandbox.formatting import (
    Formatted,
    formatting_signature,
    parse_entities_param,
    parse_html,
    strip_blanks,
    utf16_len,
)
from sandbox.markup import parse_reply_markup
from sandbox.media import MAX_PHOTO_BYTES, MAX_UPLOAD_BYTES, StoredFile, check_upload_size
from sandbox.model import Chat, StoredMessage
from sandbox.params import Params, Upload
from sandbox.registry import bot_method
from sandbox.state import Sandbox, check_writable

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_ANSWER = 200
DELETE_WINDOW = 48 * 3600
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
CALLBACK_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
CHAT_ACTIONS = frozenset(
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice",
        "upload_voice", "upload_document", "choose_sticker", "find_location",
        "record_video_note", "upload_video_note",
    }
)


@bot_method("sendMessage")
async def send_message(sandbox: Sandbox, params: Params) -> dict[str, Any]:
    """Send a text message (HTML checked, length counted in UTF-16 after parsing)."""
    markup = parse_reply_markup(params.raw("reply_markup"))
    chat = sandbox.chat(params.raw("chat_id"))
    text, html = formatted_param(sandbox, params, "text", "entities", limit=MAX_TEXT)
    reply_to = reply_target(chat, params)
    check_writable(chat)
    throttle(sandbox, chat)
    message = chat.add(
        "bot",
        sandbox.today(),
        text=text.text,
        entities=text.entities,
        html=html,
        reply_markup=markup,
        reply_to=reply_to,
    )
    remember_reply_keyboard(chat, markup)
    return sandbox.message_api(chat, message)


@bot_method("sendDocument")
async def send_document(sandbox: Sandbox, params: Params) -> dict[str, Any]:
    """Send a file: a multipart upload or the file_id of a document the sandbox stored."""
    markup = parse_reply_markup(params.raw("reply_markup"))
    chat = sandbox.chat(params.raw("chat_id"))
    source = _file_source(sandbox, params, "document", MAX_UPLOAD_BYTES)
    caption, html = formatted_param(sandbox, params, "caption", "caption_entities", MAX_CAPTION)
    reply_to = reply_target(chat, params)
    check_writable(chat)
    throttle(sandbox, chat)
    if isinstance(source, Upload):
        source = sandbox.files.add_document(source.data, source.filename, source.content_type)
    message = chat.add(
        "bot",
        sandbox.today(),
        document=source,
        **_caption_fields(caption, html),
        reply_markup=markup,
        reply_to=reply_to,
    )
    remember_reply_keyboard(chat, markup)
    return sandbox.message_api(chat, message)


@bot_method("sendPhoto")
async def send_photo(sandbox: Sandbox, params: Params) -> dict[str, Any]:
    """Send a photo: an uploaded PNG/JPEG/GIF/WebP, or the file_id of a stored photo."""
    markup = parse_reply_markup(params.raw("reply_markup"))
    chat = sandbox.chat(params.raw("chat_id"))
    source = _file_source(sandbox, params, "photo", MAX_PHOTO_BYTES)
    if isinstance(source, Upload):
        sandbox.files.check_photo(source.data)
    caption, html = formatted_param(sandbox, params, "caption", "caption_entities", MAX_CAPTION)
    reply_to = reply_target(chat, params)
    check_writable(chat)
    throttle(sandbox, chat)
    if isinstance(source, Upload):
        sizes = sandbox.files.add_photo(source.data)
    else:
        sizes = sandbox.files.photo_group(source.file_id)
    message = chat.add(
        "bot",
        sandbox.today(),
        photo=sizes,
        **_caption_fields(caption, html),
        reply_markup=markup,
        reply_to=reply_to,
    )
    remember_reply_keyboard(chat, markup)
    return sandbox.message_api(chat, message)


@bot_method("editMessageText")
async def edit_message_text(sandbox: Sandbox, params: Params) -> dict[str, Any]:
    """Replace a bot message's text; no reply_markup means the keyboard goes away."""
    chat, message = editable_message(sandbox, params)
    markup = parse_reply_markup(params.raw("reply_markup"), inline_only=True)
    if message.text is None:
        raise bad_request("there is no text in the message to edit")
    text, html = formatted_param(sandbox, params, "text", "entities", limit=MAX_TEXT)
    check_writable(chat)
    before = formatting_signature(Formatted(message.text, message.entities))
    if formatting_signature(text) == before and markup == message.reply_markup:
        raise bad_request(NOT_MODIFIED)
    message.text, message.entities, message.html = text.text, text.entities, html
    return _edited(sandbox, chat, message, markup)


@bot_method("editMessageCaption")
async def edit_message_caption(sandbox: Sandbox, params: Params) -> dict[str, Any]:
    """Replace the caption of a bot message with a document or photo."""
    chat, message = editable_message(sandbox, params)
    markup = parse_reply_markup(params.raw("reply_markup"), inline_only=True)
    if not message.has_media():
        raise bad_request("there is no caption in the message to edit")
    caption, html = formatted_param(sandbox, params, "caption", "caption_entities", MAX_CAPTION)
    check_writable(chat)
    before = formatting_signature(Formatted(message.caption or "", message.caption_entities))
    if formatting_signature(caption) == before and markup == message.reply_markup:
        raise bad_request(NOT_MODIFIED)
    for key, value in _caption_fields(caption, html).items():
        setattr(message, key, value)
    return _edited(sandbox, chat, message, markup)


@bot_method("editMessageReplyMarkup")
async def edit_message_reply_markup(sandbox: Sandbox, params: Params) -> dict[str, Any]:
    """Replace (or with no reply_markup, remove) a bot message's inline keyboard."""
    chat, message = editable_message(sandbox, params)
    markup = parse_reply_markup(params.raw("reply_markup"), inline_only=True)
    check_writable(chat)
    if markup == message.reply_markup:
        raise bad_request(NOT_MODIFIED)
    return _edited(sandbox, chat, message, markup)


@bot_method("deleteMessage")
async def delete_message(sandbox: Sandbox, params: Params) -> bool:
    """Delete a message of either side, within Telegram's 48 hours."""
    chat = sandbox.chat(params.raw("chat_id"))
    message_id = params.integer("message_id")
    if message_id is None:
        raise bad_request("message identifier is not specified")
    message = chat.messages.get(message_id)
    if message is None:
        raise bad_request("message to delete not found")
    if sandbox.now() - message.date > DELETE_WINDOW:
        raise bad_request("message can't be deleted for everyone")
    del chat.messages[message_id]
    return True


@bot_method("answerCallbackQuery")
async def answer_callback_query(sandbox: Sandbox, params: Params) -> bool:
    """Answer a button press once; a second answer or a stale id fails as on Telegram."""
    record = sandbox.callbacks.get(params.text("callback_query_id") or "")
    too_late = record is not None and (
        sandbox.now() - record.created > sandbox.callback_answer_window
    )
    if record is None or record.answer is not None or too_late:
        raise bad_request(CALLBACK_TOO_OLD)
    text = params.text("text")
    if text is not None and utf16_len(text) > MAX_CALLBACK_ANSWER:
        raise bad_request("MESSAGE_TOO_LONG")
    url = params.text("url")
    if url and not url.startswith(("https://t.me/", "http://t.me/", "t.me/")):
        raise bad_request("URL_INVALID")
    record.answer = {
        "text": text,
        "show_alert": params.flag("show_alert"),
        "url": url,
        "cache_time": params.integer("cache_time", 0),
    }
    chat = sandbox.chats[record.user_id]
    chat.callback_answers.append(
        {"callback_query_id": record.id, "message_id": record.message_id, "data": record.data}
        | record.answer
    )
    return True


@bot_method("sendChatAction")
async def send_chat_action(sandbox: Sandbox, params: Params) -> bool:
    """Show "typing…" and friends; recorded in the transcript."""
    chat = sandbox.chat(params.raw("chat_id"))
    action = params.text("action")
    if action not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    check_writable(chat)
    chat.chat_actions.append({"action": action, "date": sandbox.today()})
    return True


# -- shared steps -----------------------------------------------------------------------------


def formatted_param(
    sandbox: Sandbox, params: Params, name: str, entities_name: str, limit: int
) -> tuple[Formatted, str | None]:
    """Text or caption after entity parsing, plus the raw HTML when parse_mode was HTML."""
    raw = params.text(name) or ""
    is_text = name == "text"
    if not raw and is_text:
        raise bad_request("message text is empty")
    formatted, html = _parse_formatting(sandbox, params, raw, entities_name)
    if is_text and not formatted.text:
        raise bad_request("message text is empty")
    if utf16_len(formatted.text) > limit:
        raise bad_request("message is too long" if is_text else "message caption is too long")
    return formatted, html


def _parse_formatting(
    sandbox: Sandbox, params: Params, raw: str, entities_name: str
) -> tuple[Formatted, str | None]:
    entities = params.raw(entities_name)
    if entities not in (None, ""):
        # Explicit entities win: Telegram ignores parse_mode then.
        return parse_entities_param(entities, raw), None
    mode = (params.text("parse_mode") or "").lower()
    if mode == "html":
        return parse_html(raw, strict_ampersand=sandbox.strict_ampersand), raw
    if mode == "":
        return strip_blanks(raw, []), None
    if mode in ("markdown", "markdownv2"):
        reason = f"the sandbox implements parse_mode HTML only, not {mode}"
        raise bad_request(f"can't parse entities: {reason}")
    raise bad_request("unsupported parse_mode")


def reply_target(chat: Chat, params: Params) -> int | None:
    """The message being replied to (reply_parameters, or the legacy reply_to_message_id)."""
    reply = params.json("reply_parameters", "can't parse reply parameters JSON object")
    if reply is None:
        legacy = params.integer("reply_to_message_id")
        if not legacy:
            return None
        reply = {
            "message_id": legacy,
            "allow_sending_without_reply": params.flag("allow_sending_without_reply"),
        }
    message_id = reply.get("message_id") if isinstance(reply, dict) else None
    if not isinstance(message_id, int):
        raise bad_request("can't parse reply parameters JSON object")
    same_chat = reply.get("chat_id") in (None, chat.id, str(chat.id))
    if same_chat and message_id in chat.messages:
        return message_id
    if reply.get("allow_sending_without_reply"):
        return None
    raise bad_request("message to be replied not found")


def throttle(sandbox: Sandbox, chat: Chat) -> None:
    """Apply flood limits to a sending method: 429 with retry_after when exceeded."""
    retry_after = sandbox.limiter.acquire(chat.id)
    if retry_after is not None:
        raise too_many_requests(retry_after)


def editable_message(sandbox: Sandbox, params: Params) -> tuple[Chat, StoredMessage]:
    """The bot message an edit method targets, or Telegram's error."""
    if params.text("inline_message_id"):
        raise bad_request("MESSAGE_ID_INVALID")
    chat = sandbox.chat(params.raw("chat_id"))
    message_id = params.integer("message_id")
    if message_id is None:
        raise bad_request("message identifier is not specified")
    message = chat.messages.get(message_id)
    if message is None:
        raise bad_request("message to edit not found")
    if message.sender != "bot":
        raise bad_request("message can't be edited")
    return chat, message


def remember_reply_keyboard(chat: Chat, markup: dict[str, Any] | None) -> None:
    """Track the reply keyboard the user currently sees under the input field."""
    if markup and "keyboard" in markup:
        chat.reply_keyboard = markup
    elif markup and "remove_keyboard" in markup:
        chat.reply_keyboard = None


def _edited(
    sandbox: Sandbox, chat: Chat, message: StoredMessage, markup: dict[str, Any] | None
) -> dict[str, Any]:
    message.reply_markup = markup
    message.edit_date = sandbox.today()
    return sandbox.message_api(chat, message)


def _caption_fields(caption: Formatted, html: str | None) -> dict[str, Any]:
    return {
        "caption": caption.text or None,
        "caption_entities": caption.entities,
        "caption_html": html if caption.text else None,
    }


def _file_source(
    sandbox: Sandbox, params: Params, name: str, limit: int
) -> Upload | StoredFile:
    source = params.upload(name)
    if source is None:
        raise bad_request(f"there is no {name} in the request")
    if isinstance(source, Upload):
        check_upload_size(source.data, limit)
        return source
    return sandbox.files.require(source, name)
