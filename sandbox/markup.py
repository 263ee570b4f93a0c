"""Validation of ``reply_markup`` with Telegram's error descriptions."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sandbox.errors import ApiError, bad_request

INLINE_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
STRING_ACTIONS = ("url", "callback_data", "switch_inline_query", "switch_inline_query_current_chat")
MAX_CALLBACK_DATA_BYTES = 64
_BUTTON_URL = re.compile(r"^(https?://[^\s/?#]+[^\s]*|tg://[^\s]+)$", re.IGNORECASE)
USER_PRIVACY_RESTRICTED = "BUTTON_USER_PRIVACY_RESTRICTED"
URL_INVALID = "BUTTON_URL_INVALID"
# Who forbids links to their account, for the Bot API call being handled. Set once per call
# (``user_privacy``) so that every method taking reply_markup refuses such buttons, without
# each method having to pass the sandbox's users down to the keyboard check.
_links_forbidden: ContextVar[Callable[[int], bool] | None] = ContextVar(
    "links_forbidden", default=None
)


@contextmanager
def user_privacy(links_forbidden: Callable[[int], bool]) -> Iterator[None]:
    """Within this block, keyboards are checked against ``links_forbidden(user_id)``."""
    token = _links_forbidden.set(links_forbidden)
    try:
        yield
    finally:
        _links_forbidden.reset(token)


def parse_reply_markup(raw: Any, *, inline_only: bool = False) -> dict[str, Any] | None:
    """Validate a ``reply_markup`` parameter (JSON text or object).

    Returns the normalized markup, or None when there is none (an empty inline keyboard
    means "no keyboard" to Telegram, which is how bots remove one while editing).
    """
    if raw is None or raw == "":
        return None
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise bad_request("can't parse reply keyboard markup JSON object") from None
    if not isinstance(raw, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in raw:
        return _inline_keyboard(raw["inline_keyboard"])
    if inline_only:
        raise bad_request("inline keyboard expected")
    if "keyboard" in raw:
        return _reply_keyboard(raw)
    if raw.get("remove_keyboard") is True:
        return {"remove_keyboard": True, **_selective(raw)}
    if raw.get("force_reply") is True:
        extra = {k: raw[k] for k in ("input_field_placeholder",) if k in raw}
        return {"force_reply": True, **extra, **_selective(raw)}
    raise bad_request("can't parse reply keyboard markup JSON object")


def inline_buttons(markup: dict[str, Any] | None) -> list[dict[str, Any]]:
    """All buttons of an inline keyboard, row by row (empty for any other markup)."""
    if not markup or "inline_keyboard" not in markup:
        return []
    return [button for row in markup["inline_keyboard"] for button in row]


def is_inline(markup: dict[str, Any] | None) -> bool:
    """Whether ``markup`` is an inline keyboard (the only kind a Message object carries)."""
    return bool(markup) and "inline_keyboard" in markup  # type: ignore[operator]


def _selective(raw: dict[str, Any]) -> dict[str, Any]:
    return {"selective": raw["selective"]} if "selective" in raw else {}


def _inline_keyboard(rows: Any) -> dict[str, Any] | None:
    if not isinstance(rows, list):
        raise bad_request('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array')
    keyboard = []
    for row in rows:
        if not isinstance(row, list):
            raise bad_request("can't parse inline keyboard button: row must be an Array")
        if row:
            keyboard.append([_inline_button(button) for button in row])
    return {"inline_keyboard": keyboard} if keyboard else None


def _button_error(reason: str) -> ApiError:
    return bad_request(f"can't parse inline keyboard button: {reason}")


def _inline_button(button: Any) -> dict[str, Any]:
    if not isinstance(button, dict):
        raise _button_error("InlineKeyboardButton must be an Object")
    if "text" not in button:
        raise _button_error('Can\'t find field "text"')
    if not isinstance(button["text"], str):
        raise _button_error('Field "text" must be of type String')
    if not button["text"].strip():
        raise bad_request("BUTTON_TEXT_INVALID")
    actions = [name for name in INLINE_ACTIONS if name in button]
    for name in actions:
        if name in STRING_ACTIONS and not isinstance(button[name], str):
            raise _button_error(f'Field "{name}" must be of type String')
    if not actions:
        raise _button_error("Text buttons are unallowed in the inline keyboard")
    if len(actions) > 1:
        listed = ", ".join(f'"{name}"' for name in actions)
        raise _button_error(f"exactly one of the optional fields must be used, found {listed}")
    _check_action(actions[0], button[actions[0]])
    return {key: value for key, value in button.items() if value is not None}


def _check_action(name: str, value: Any) -> None:
    if name == "callback_data":
        if not 1 <= len(value.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES:
            raise bad_request("BUTTON_DATA_INVALID")
    elif name == "url":
        if not _BUTTON_URL.match(value):
            raise bad_request(f"inline keyboard button URL '{value}' is invalid: Wrong HTTP URL")
        _check_user_link(value)
    elif name == "web_app":
        url = value.get("url") if isinstance(value, dict) else None
        if not isinstance(url, str) or not url.lower().startswith("https://"):
            raise bad_request(
                "inline keyboard button Web App URL is invalid: Only HTTPS links are allowed"
            )


def _check_user_link(url: str) -> None:
    """``tg://user?id=N``: a well-formed id, of someone who allows links to their account."""
    parts = urlsplit(url)
    if parts.scheme.lower() != "tg" or parts.netloc.lower() != "user":
        return
    ids = parse_qs(parts.query).get("id", [])
    if len(ids) != 1 or not ids[0].isascii() or not ids[0].isdigit():
        raise bad_request(URL_INVALID)
    links_forbidden = _links_forbidden.get()
    if links_forbidden is not None and links_forbidden(int(ids[0])):
        raise bad_request(USER_PRIVACY_RESTRICTED)


def _reply_keyboard(raw: dict[str, Any]) -> dict[str, Any]:
    rows = raw["keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request('field "keyboard" of the ReplyKeyboardMarkup must be an Array of Arrays')
    keyboard = [[_reply_button(button) for button in row] for row in rows if row]
    if not keyboard:
        raise bad_request("keyboard must be non-empty")
    options = (
        "is_persistent",
        "resize_keyboard",
        "one_time_keyboard",
        "input_field_placeholder",
        "selective",
    )
    return {"keyboard": keyboard, **{key: raw[key] for key in options if key in raw}}


def _reply_button(button: Any) -> dict[str, Any]:
    if isinstance(button, str):
        button = {"text": button}
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise bad_request("can't parse keyboard button: Field \"text\" must be of type String")
    if not button["text"].strip():
        raise bad_request("keyboard button text must be non-empty")
    return {key: value for key, value in button.items() if value is not None}
