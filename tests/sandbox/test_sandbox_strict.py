"""The sandbox refuses what Telegram refuses, with Telegram's status codes and descriptions."""

from __future__ import annotations

import pytest

from sandbox.client import SandboxClient, SandboxUser

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"


def inline(*buttons: dict) -> dict:
    return {"inline_keyboard": [list(buttons)]}


# -- text ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "parse_mode"), [("", None), ("  \n ", None), ("<b> </b>", "HTML")]
)
async def test_empty_text(api, user: SandboxUser, text: str, parse_mode: str | None) -> None:
    params = {"parse_mode": parse_mode} if parse_mode else {}
    assert await api.error("sendMessage", chat_id=user.id, text=text, **params) == (
        400,
        "Bad Request: message text is empty",
    )


async def test_length_is_counted_in_utf16_after_parsing(api, user: SandboxUser) -> None:
    too_long = (400, "Bad Request: message is too long")
    assert await api.error("sendMessage", chat_id=user.id, text="a" * 4097) == too_long
    # 2 049 emoji are 4 098 UTF-16 code units.
    assert await api.error("sendMessage", chat_id=user.id, text="😀" * 2049) == too_long
    await api.ok("sendMessage", chat_id=user.id, text="😀" * 2048)
    # Markup does not count, only the resulting text.
    html = "<b>" + "a" * 4096 + "</b>"
    await api.ok("sendMessage", chat_id=user.id, text=html, parse_mode="HTML")
    # Telegram trims blanks around the text before measuring.
    sent = await api.ok("sendMessage", chat_id=user.id, text="  " + "a" * 4096 + "\n")
    assert len(sent["text"]) == 4096


async def test_caption_length(api, bot, user: SandboxUser) -> None:
    from aiogram.exceptions import TelegramBadRequest
    from aiogram.types import BufferedInputFile

    with pytest.raises(TelegramBadRequest, match="message caption is too long"):
        await bot.send_document(user.id, BufferedInputFile(b"x", "x.txt"), caption="c" * 1025)
    sent = await bot.send_document(user.id, BufferedInputFile(b"x", "x.txt"), caption="c" * 1024)
    assert len(sent.caption) == 1024


# -- HTML ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("html", "reason"),
    [
        ("Hello world <foo>bar</foo>", 'Unsupported start tag "foo" at byte offset 12'),
        ("é <br>", 'Unsupported start tag "br" at byte offset 3'),
        ("<b>bold", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("Tom & Jerry", 'Character "&" must be escaped as "&amp;" at byte offset 4'),
        ("&nbsp;", 'Character "&" must be escaped as "&amp;" at byte offset 0'),
        ('<span class="x">y</span>', 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ('<a href="x"', 'Unclosed start tag "a" at byte offset 0'),
        ("<b", "Unclosed start tag at byte offset 0"),
        ("<i>x</i", "Unclosed end tag at byte offset 4"),
        ("<a href>x</a>", 'Expected equal sign in declaration of an attribute of the tag "a" '
         "at byte offset 0"),
    ],
)
async def test_bad_html(api, user: SandboxUser, html: str, reason: str) -> None:
    assert await api.error("sendMessage", chat_id=user.id, text=html, parse_mode="HTML") == (
        400,
        f"Bad Request: can't parse entities: {reason}",
    )


async def test_every_telegram_tag_and_entity_is_understood(
    api, client: SandboxClient, user: SandboxUser
) -> None:
    html = (
        "😀 <b>b</b><strong>B</strong> <i>i</i><em>I</em> <u>u</u><ins>U</ins> "
        "<s>s</s><strike>S</strike><del>D</del> <tg-spoiler>p</tg-spoiler>"
        '<span class="tg-spoiler">P</span> <a href="https://example.org/?a=1&amp;b=2">l</a> '
        '<code>c</code> <pre><code class="language-python">x = 1</code></pre> '
        "<blockquote>q</blockquote><blockquote expandable>Q</blockquote> "
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji> '
        "&lt;&gt;&amp;&quot;&#233;&#x41;"
    )
    sent = await api.ok("sendMessage", chat_id=user.id, text=html, parse_mode="HTML")
    assert sent["text"] == "😀 bB iI uU sSD pP l c x = 1 qQ 👍 <>&\"éA"
    types = {entity["type"] for entity in sent["entities"]}
    assert types == {
        "bold", "italic", "underline", "strikethrough", "spoiler", "text_link", "code", "pre",
        "blockquote", "expandable_blockquote", "custom_emoji",
    }
    bold = sent["entities"][0]
    assert (bold["type"], bold["offset"], bold["length"]) == ("bold", 3, 1)  # 😀 is 2 units
    pre = next(e for e in sent["entities"] if e["type"] == "pre")
    assert pre["language"] == "python"
    link = next(e for e in sent["entities"] if e["type"] == "text_link")
    assert link["url"] == "https://example.org/?a=1&b=2"
    message = (await user.bot_messages())[-1]
    assert message["html"] == html and message["text"] == sent["text"]


async def test_explicit_entities_replace_parse_mode(api, user: SandboxUser) -> None:
    entities = [{"type": "bold", "offset": 0, "length": 3}]
    sent = await api.ok(
        "sendMessage", chat_id=user.id, text="<b>", parse_mode="HTML", entities=entities
    )
    assert sent["text"] == "<b>" and sent["entities"] == entities
    assert await api.error("sendMessage", chat_id=user.id, text="x", parse_mode="Foo") == (
        400,
        "Bad Request: unsupported parse_mode",
    )


# -- keyboards -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("button", "reason"),
    [
        ({"text": "A", "callback_data": "x" * 65}, "BUTTON_DATA_INVALID"),
        ({"text": "A", "callback_data": "é" * 33}, "BUTTON_DATA_INVALID"),  # 66 bytes
        ({"text": "A", "callback_data": ""}, "BUTTON_DATA_INVALID"),
        ({"text": "A"}, "can't parse inline keyboard button: "
         "Text buttons are unallowed in the inline keyboard"),
        ({"text": "", "callback_data": "a"}, "BUTTON_TEXT_INVALID"),
        ({"callback_data": "a"}, "can't parse inline keyboard button: Can't find field \"text\""),
        (
            {"text": "A", "callback_data": "a", "url": "https://example.org"},
            "can't parse inline keyboard button: exactly one of the optional fields must be "
            'used, found "url", "callback_data"',
        ),
        (
            {"text": "A", "url": "javascript:alert(1)"},
            "inline keyboard button URL 'javascript:alert(1)' is invalid: Wrong HTTP URL",
        ),
        ({"text": "A", "url": "example.org"},
         "inline keyboard button URL 'example.org' is invalid: Wrong HTTP URL"),
    ],
)
async def test_bad_inline_buttons(api, user: SandboxUser, button: dict, reason: str) -> None:
    result = await api.error("sendMessage", chat_id=user.id, text="x", reply_markup=inline(button))
    assert result == (400, f"Bad Request: {reason}")


async def test_good_inline_buttons(api, user: SandboxUser) -> None:
    markup = inline(
        {"text": "A", "callback_data": "x" * 64},
        {"text": "B", "url": "https://example.org/path?q=1"},
        {"text": "C", "url": "tg://resolve?domain=binome"},
    )
    sent = await api.ok("sendMessage", chat_id=user.id, text="x", reply_markup=markup)
    assert sent["reply_markup"] == markup
    assert await api.error("sendMessage", chat_id=user.id, text="x", reply_markup="{nope") == (
        400,
        "Bad Request: can't parse reply keyboard markup JSON object",
    )


# -- chats and users -------------------------------------------------------------------------


async def test_who_the_bot_may_write_to(api, client: SandboxClient, user: SandboxUser) -> None:
    assert await api.error("sendMessage", chat_id=424242, text="x") == (
        400,
        "Bad Request: chat not found",
    )
    assert await api.error("sendMessage", chat_id="@someone", text="x") == (
        400,
        "Bad Request: chat not found",
    )
    stranger = await client.create_user("Marc")
    assert await api.error("sendMessage", chat_id=stranger.id, text="x") == (
        403,
        "Forbidden: bot can't initiate conversation with a user",
    )
    await user.block(wait=False)
    blocked = (403, "Forbidden: bot was blocked by the user")
    assert await api.error("sendMessage", chat_id=user.id, text="x") == blocked
    assert await api.error("sendChatAction", chat_id=user.id, action="typing") == blocked
    await user.unblock(wait=False)
    await api.ok("sendMessage", chat_id=user.id, text="x")


# -- edits and deletions ---------------------------------------------------------------------


async def test_edit_rules(api, user: SandboxUser) -> None:
    markup = inline({"text": "A", "callback_data": "a"})
    sent = await api.ok("sendMessage", chat_id=user.id, text="<b>hi</b>", parse_mode="HTML",
                        reply_markup=markup)
    target = {"chat_id": user.id, "message_id": sent["message_id"]}
    same = {"text": "<b>hi</b>", "parse_mode": "HTML", "reply_markup": markup}
    assert await api.error("editMessageText", **target, **same) == (400, NOT_MODIFIED)
    assert await api.error("editMessageReplyMarkup", **target, reply_markup=markup) == (
        400,
        NOT_MODIFIED,
    )
    # Same words without bold are a different content.
    await api.ok("editMessageText", **target, text="hi", reply_markup=markup)
    # Leaving out reply_markup removes the keyboard, as on Telegram.
    edited = await api.ok("editMessageText", **target, text="hi")
    assert "reply_markup" not in edited
    assert await api.error("editMessageText", chat_id=user.id, message_id=99, text="x") == (
        400,
        "Bad Request: message to edit not found",
    )
    assert await api.error("editMessageText", chat_id=user.id, message_id=1, text="x") == (
        400,
        "Bad Request: message can't be edited",
    )


async def test_delete_rules(api, client: SandboxClient, user: SandboxUser) -> None:
    sent = await api.ok("sendMessage", chat_id=user.id, text="bye")
    assert await api.ok("deleteMessage", chat_id=user.id, message_id=sent["message_id"]) is True
    assert [m["message_id"] for m in await user.messages()] == [1]
    assert await api.error("deleteMessage", chat_id=user.id, message_id=sent["message_id"]) == (
        400,
        "Bad Request: message to delete not found",
    )
    await client.advance_clock(49 * 3600)
    assert await api.error("deleteMessage", chat_id=user.id, message_id=1) == (
        400,
        "Bad Request: message can't be deleted for everyone",
    )


async def test_replies(api, user: SandboxUser) -> None:
    reply = await api.ok("sendMessage", chat_id=user.id, text="re",
                         reply_parameters={"message_id": 1})
    assert reply["reply_to_message"]["text"] == "/start"
    assert await api.error("sendMessage", chat_id=user.id, text="re",
                           reply_parameters={"message_id": 77}) == (
        400,
        "Bad Request: message to be replied not found",
    )
    await api.ok("sendMessage", chat_id=user.id, text="re",
                 reply_parameters={"message_id": 77, "allow_sending_without_reply": True})


# -- callback queries and chat actions -------------------------------------------------------


async def test_callback_answers(api, user: SandboxUser) -> None:
    markup = inline({"text": "Oui", "callback_data": "yes"})
    await api.ok("sendMessage", chat_id=user.id, text="?", reply_markup=markup)
    pressed = await user.press("Oui", wait=False)
    query_id = pressed["callback_query_id"]
    assert await api.error("answerCallbackQuery", callback_query_id=query_id,
                           text="x" * 201) == (400, "Bad Request: MESSAGE_TOO_LONG")
    await api.ok("answerCallbackQuery", callback_query_id=query_id, text="Noté", show_alert=True)
    assert await api.error("answerCallbackQuery", callback_query_id=query_id) == (400, TOO_OLD)
    assert await api.error("answerCallbackQuery", callback_query_id="123") == (400, TOO_OLD)
    answers = (await user.transcript())["callback_answers"]
    assert answers[0]["text"] == "Noté" and answers[0]["show_alert"] is True
    assert answers[0]["data"] == "yes"


async def test_chat_actions(api, user: SandboxUser) -> None:
    await api.ok("sendChatAction", chat_id=user.id, action="typing")
    assert await api.error("sendChatAction", chat_id=user.id, action="dancing") == (
        400,
        "Bad Request: wrong parameter action in request",
    )
    assert [a["action"] for a in (await user.transcript())["chat_actions"]] == ["typing"]


async def test_token_and_method_names(api, running) -> None:
    async with api.session.post(f"{running.url}/bot1:wrong/getMe") as response:
        assert response.status == 401
        assert await response.json() == {
            "ok": False, "error_code": 401, "description": "Unauthorized"
        }
    assert await api.error("sendTelepathy") == (404, "Not Found: method not found")
    # Telegram matches method names case-insensitively.
    assert (await api.ok("getme"))["id"] == 123456
