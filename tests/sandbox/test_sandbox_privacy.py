"""Users who forbid links to their account, as Telegram's privacy settings allow."""

from __future__ import annotations

import json

import aiohttp
import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup

from sandbox.client import SandboxClient, SandboxUser
from sandbox.media import make_png
from sandbox.model import User, forward_origin_for
from sandbox.server import RunningSandbox

RESTRICTED = (400, "Bad Request: BUTTON_USER_PRIVACY_RESTRICTED")


def link_to(user: SandboxUser | int) -> dict:
    user_id = user if isinstance(user, int) else user.id
    return {"inline_keyboard": [[{"text": "💬 Write", "url": f"tg://user?id={user_id}"}]]}


@pytest.fixture
async def private(client: SandboxClient) -> SandboxUser:
    """Nina: no username, links to her forbidden."""
    return await client.create_user("Nina", allows_links=False)


@pytest.fixture
async def open_user(client: SandboxClient) -> SandboxUser:
    """Omar: no username either, but links to him are allowed (Telegram's default)."""
    return await client.create_user("Omar")


async def test_creation_through_the_client(client: SandboxClient, private: SandboxUser) -> None:
    users = {user["id"]: user for user in await client.request_list("GET", "/control/users")}
    assert users[private.id]["allows_links"] is False
    assert "username" not in users[private.id]
    default = await client.create_user("Paul")
    assert (await default.transcript())["user"]["allows_links"] is True


async def test_creation_through_the_control_api(running: RunningSandbox) -> None:
    async with aiohttp.ClientSession() as session:
        url = f"{running.url}/control/users"
        async with session.post(url, json={"first_name": "Inès", "allows_links": False}) as made:
            assert made.status == 201
            created = await made.json()
        async with session.post(url, json={"first_name": "X", "allows_links": "no"}) as wrong:
            assert wrong.status == 400
            assert "allows_links must be true or false" in await wrong.text()
    assert created["allows_links"] is False
    assert running.sandbox.users[created["id"]].allows_links is False


async def test_send_methods_refuse_a_link_to_her(
    api, user: SandboxUser, private: SandboxUser, open_user: SandboxUser
) -> None:
    assert await api.error(
        "sendMessage", chat_id=user.id, text="Voici Nina", reply_markup=link_to(private)
    ) == RESTRICTED
    form = aiohttp.FormData()
    form.add_field("chat_id", str(user.id))
    form.add_field("reply_markup", json.dumps(link_to(private)))
    form.add_field("photo", make_png(8, 8), filename="p.png", content_type="image/png")
    assert await api.form("sendPhoto", form) == (
        400, {"ok": False, "error_code": 400, "description": RESTRICTED[1]})
    # Nothing reached the chat; a link to someone who allows it still works.
    assert await user.bot_messages() == []
    sent = await api.ok(
        "sendMessage", chat_id=user.id, text="Voici Omar", reply_markup=link_to(open_user)
    )
    assert sent["reply_markup"] == link_to(open_user)


async def test_aiogram_sees_telegrams_error_on_documents(
    bot: Bot, user: SandboxUser, private: SandboxUser
) -> None:
    markup = InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(text="💬", url=f"tg://user?id={private.id}")]])
    with pytest.raises(TelegramBadRequest, match="BUTTON_USER_PRIVACY_RESTRICTED"):
        await bot.send_document(user.id, BufferedInputFile(b"cv", "cv.pdf"), reply_markup=markup)
    # The link hides among other buttons, on any row: still refused.
    markup.inline_keyboard.insert(0, [InlineKeyboardButton(text="OK", callback_data="ok")])
    with pytest.raises(TelegramBadRequest, match="BUTTON_USER_PRIVACY_RESTRICTED"):
        await bot.send_message(user.id, "Nina", reply_markup=markup)


async def test_edit_methods_refuse_a_link_to_her(
    api, user: SandboxUser, private: SandboxUser, open_user: SandboxUser
) -> None:
    text = await api.ok("sendMessage", chat_id=user.id, text="Carte")
    for method, extra in (
        ("editMessageText", {"text": "Carte de Nina"}),
        ("editMessageReplyMarkup", {}),
    ):
        assert await api.error(
            method, chat_id=user.id, message_id=text["message_id"],
            reply_markup=link_to(private), **extra,
        ) == RESTRICTED, method
    form = aiohttp.FormData()
    form.add_field("chat_id", str(user.id))
    form.add_field("document", b"cv", filename="cv.pdf")
    document = (await api.form("sendDocument", form))[1]["result"]
    assert await api.error(
        "editMessageCaption", chat_id=user.id, message_id=document["message_id"],
        caption="CV", reply_markup=link_to(private),
    ) == RESTRICTED
    kept = (await user.bot_messages())[0]
    assert (kept["text"], kept["reply_markup"]) == ("Carte", None)
    edited = await api.ok(
        "editMessageReplyMarkup", chat_id=user.id, message_id=text["message_id"],
        reply_markup=link_to(open_user),
    )
    assert edited["reply_markup"] == link_to(open_user)


async def test_copy_message_refuses_a_link_to_her(
    api, client: SandboxClient, user: SandboxUser, private: SandboxUser
) -> None:
    await private.send("/start", wait=False)
    said = await private.send("Bonjour", wait=False)
    assert await api.error(
        "copyMessage", chat_id=user.id, from_chat_id=private.id,
        message_id=said["message"]["message_id"], reply_markup=link_to(private),
    ) == RESTRICTED


@pytest.mark.parametrize("url", ["tg://user?id=abc", "tg://user?id=", "tg://user", "tg://user?id=1&id=2"])
async def test_malformed_user_links(api, user: SandboxUser, url: str) -> None:
    markup = {"inline_keyboard": [[{"text": "A", "url": url}]]}
    assert await api.error("sendMessage", chat_id=user.id, text="x", reply_markup=markup) == (
        400, "Bad Request: BUTTON_URL_INVALID")


def test_forward_origin_hides_who_forbids_links() -> None:
    nina = User(id=7, first_name="Nina", last_name="Diallo", allows_links=False)
    assert forward_origin_for(nina, 1700000000) == {
        "type": "hidden_user", "date": 1700000000, "sender_user_name": "Nina Diallo"}
    omar = User(id=8, first_name="Omar", username="omar_b")
    assert forward_origin_for(omar, 5) == {
        "type": "user", "date": 5,
        "sender_user": {"id": 8, "is_bot": False, "first_name": "Omar", "username": "omar_b"},
    }
