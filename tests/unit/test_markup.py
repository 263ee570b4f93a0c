"""Messages are Markup: values put into them are escaped, HTML is switched on in one place,
and an edit Telegram refuses for a real reason is not hidden."""

from __future__ import annotations

import ast
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, Chat, Message, User
from babel.messages.extract import extract_from_dir

from bot.i18n import make_i18n
from handlers.common import edit_markup, pressed_text
from handlers.markup import Markup, bold, edit_text, lines, t, tn
from sandbox.errors import ApiError
from sandbox.formatting import parse_html
from tests.unit.test_catalogues import catalogue

ROOT = Path(__file__).resolve().parents[2]
# The only code that may switch HTML on: the Markup senders, the outbox sender and the
# broadcasts' progress message (both send Markup only).
MAY_SET_PARSE_MODE = {"handlers/markup.py", "bot/outbox.py", "bot/broadcasts.py"}


def python_files() -> list[Path]:
    return sorted(path for package in ("handlers", "bot")
                  for path in (ROOT / package).rglob("*.py"))


def test_only_the_markup_senders_set_a_parse_mode() -> None:
    found = []
    for path in python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            html_on = (isinstance(node, ast.Attribute) and node.attr == "HTML"
                       and isinstance(node.value, ast.Name) and node.value.id == "ParseMode")
            # parse_mode=None is plain text, the default: it may be said anywhere.
            mode_set = (isinstance(node, ast.keyword) and node.arg == "parse_mode"
                        and not (isinstance(node.value, ast.Constant)
                                 and node.value.value is None))
            if html_on or mode_set:
                found.append(str(path.relative_to(ROOT)))
    assert sorted(set(found) - MAY_SET_PARSE_MODE) == []


def test_nothing_escapes_by_hand() -> None:
    """Hand escaping would escape twice inside Markup.format."""
    found = [str(path.relative_to(ROOT)) for path in python_files()
             if "html.quote" in path.read_text(encoding="utf-8")
             or "from aiogram import html" in path.read_text(encoding="utf-8")
             or "from aiogram import Bot, F, Router, html" in path.read_text(encoding="utf-8")]
    assert found == []


@pytest.fixture
def english() -> Any:
    i18n = make_i18n()
    with i18n.context(), i18n.use_locale("en"):
        yield i18n


def test_values_are_escaped_and_catalogue_tags_kept(english: Any) -> None:
    text = t("<b>Goals</b>: {goals}").format(goals='<3 & </a> <a href="x">')
    assert text == "<b>Goals</b>: &lt;3 &amp; &lt;/a&gt; &lt;a href=&#34;x&#34;&gt;"
    assert parse_html(text).text == 'Goals: <3 & </a> <a href="x">'
    counted = tn("<b>{count} recipient</b>", "<b>{count} recipients</b>", 2).format(count="<2>")
    assert counted == "<b>&lt;2&gt; recipients</b>"


def test_lines_escape_plain_parts_only() -> None:
    joined = lines(bold("<i>"), "a < b", Markup("<i>kept</i>"))
    assert joined == "<b>&lt;i&gt;</b>\na &lt; b\n<i>kept</i>"
    assert isinstance(joined, Markup)


def _message(text: str, entities: list[dict[str, Any]] | None = None) -> Message:
    return Message.model_validate({
        "message_id": 7, "date": datetime.now(UTC), "text": text, "entities": entities,
        "chat": Chat(id=1, type="private"),
    })


def test_pressed_text_keeps_formatting_and_escapes_the_text() -> None:
    message = _message("Hi <3 Ana", [{"type": "bold", "offset": 0, "length": 2}])
    callback = CallbackQuery(id="1", from_user=User(id=1, is_bot=False, first_name="A"),
                             chat_instance="c", message=message)
    assert pressed_text(callback) == "<b>Hi</b> &lt;3 Ana"


def test_every_catalogue_sentence_is_valid_telegram_html() -> None:
    """Catalogue sentences are sent as markup: a bare "<" or "&" in one would be refused."""
    wrong = []
    for locale in ("fr", "en"):
        for message in catalogue(locale):
            if not message.id:
                continue
            ids = [message.id] if isinstance(message.id, str) else list(message.id)
            strings = [message.string] if isinstance(message.string, str) else list(
                message.string)
            for text in (*ids, *strings):
                try:
                    parse_html(text.replace("{", "x").replace("}", "x") or "x")
                except ApiError as error:
                    wrong.append((locale, text, str(error)))
    assert wrong == []


def test_markup_sentences_are_extracted_for_the_catalogues() -> None:
    keywords = {"t": None, "tn": (1, 2)}
    found = {m[2] if isinstance(m[2], str) else m[2][0]
             for m in extract_from_dir(ROOT / "handlers", method_map=[("**.py", "python")],
                                       keywords=keywords)}
    assert "Hello {name}! I am Binôme, the bot of a free mentoring programme: students are " \
           "paired with professional volunteers who help them with their studies and their " \
           "first steps into work." in found


class Refusing(BaseSession):
    """A Telegram that refuses every call with ``description``."""

    def __init__(self, description: str) -> None:
        super().__init__()
        self.description = description
        self.calls: list[str] = []

    async def make_request(self, bot: Bot, method: Any,
                           timeout: int | None = None) -> Any:  # noqa: ASYNC109 (aiogram's)
        self.calls.append(type(method).__name__)
        raise TelegramBadRequest(method=method, message=self.description)

    async def stream_content(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError

    async def close(self) -> None:
        pass


def _pressed(session: Refusing) -> CallbackQuery:
    bot = Bot("42:TEST", session=session)
    callback = CallbackQuery(id="9", from_user=User(id=1, is_bot=False, first_name="A"),
                             chat_instance="c", message=_message("Question"))
    callback.as_(bot)
    assert isinstance(callback.message, Message)
    callback.message.as_(bot)
    return callback


@pytest.mark.parametrize("description", [
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message",
    "Bad Request: message to edit not found",
    "Bad Request: message can't be edited",
])
async def test_an_edit_with_nothing_to_do_is_left_be(description: str) -> None:
    session = Refusing(description)
    await edit_text(_pressed(session), Markup("Question"))
    await edit_markup(_pressed(session), None)
    assert session.calls == ["EditMessageText", "EditMessageReplyMarkup"]


@pytest.mark.parametrize("description", [
    "Bad Request: can't parse entities: unsupported start tag \"3\" at byte offset 6",
    "Bad Request: message is too long",
])
async def test_any_other_refused_edit_is_logged_and_raised(
        description: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    for edit in (lambda c: edit_text(c, Markup("Question")), lambda c: edit_markup(c, None)):
        with pytest.raises(TelegramBadRequest):
            await edit(_pressed(Refusing(description)))
    assert sum(description.removeprefix("Bad Request: ") in record.getMessage()
               for record in caplog.records) == 2
