"""Which buttons go when Telegram refuses a message for one of them: the fewest that can be
the cause, so an introduction keeps its rhythm buttons when only a link was refused."""

from __future__ import annotations

import pytest
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.outbox import refused_button, without_refused

PROFILE = InlineKeyboardButton(text="profile", url="tg://user?id=42")
SITE = InlineKeyboardButton(text="site", url="https://example.org")
RHYTHM = InlineKeyboardButton(text="weekly", callback_data="rhythm:weekly")
KEYBOARD = InlineKeyboardMarkup(inline_keyboard=[[PROFILE], [SITE, RHYTHM]])


def texts(markup: InlineKeyboardMarkup | None) -> list[list[str]]:
    return [[b.text for b in row] for row in markup.inline_keyboard] if markup else []


@pytest.mark.parametrize(("description", "kept"), [
    ("Bad Request: BUTTON_USER_PRIVACY_RESTRICTED", [["site", "weekly"]]),
    ("Bad Request: BUTTON_URL_INVALID", [["weekly"]]),
    ("Bad Request: BUTTON_DATA_INVALID", [["profile"], ["site"]]),
    ("Bad Request: BUTTON_TYPE_INVALID", []),
])
def test_only_the_kind_of_button_named_goes(description: str, kept: list[list[str]]) -> None:
    assert refused_button(description)
    assert texts(without_refused(KEYBOARD, description)) == kept


@pytest.mark.parametrize("description", [
    "Bad Request: chat not found", "Bad Request: message is too long",
    "Bad Request: can't parse entities: unsupported start tag",
])
def test_other_refusals_do_not_name_a_button(description: str) -> None:
    assert not refused_button(description)
