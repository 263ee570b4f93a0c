"""The test client and the control API it wraps."""

from __future__ import annotations

import asyncio
import sys

import pytest

from sandbox.client import SandboxClient, SandboxError, SandboxUser
from sandbox.server import start_sandbox


async def send_menu(api, user: SandboxUser, text: str, *buttons: dict) -> int:
    markup = {"inline_keyboard": [list(buttons)]}
    sent = await api.ok("sendMessage", chat_id=user.id, text=text, reply_markup=markup)
    return sent["message_id"]


async def test_press_finds_buttons_by_label_or_data(api, user: SandboxUser) -> None:
    first = await send_menu(api, user, "Menu 1", {"text": "Oui", "callback_data": "m1:yes"})
    await send_menu(
        api, user, "Menu 2",
        {"text": "Oui", "callback_data": "m2:yes"},
        {"text": "Site", "url": "https://example.org"},
    )
    latest = await user.press("Oui", wait=False)
    by_data = await user.press("m1:yes", wait=False)
    on_first = await user.press("Oui", message_id=first, wait=False)
    updates = await api.ok("getUpdates")
    data = [u["callback_query"]["data"] for u in updates if "callback_query" in u]
    assert data == ["m2:yes", "m1:yes", "m1:yes"]
    assert latest["answer"] is None and by_data["status"] == "pending"
    assert on_first["update_id"] == updates[-1]["update_id"]
    assert updates[-1]["callback_query"]["message"]["text"] == "Menu 1"


async def test_press_explains_what_is_available(api, user: SandboxUser) -> None:
    await send_menu(api, user, "Menu", {"text": "Oui", "callback_data": "yes"},
                    {"text": "Site", "url": "https://example.org"})
    with pytest.raises(AssertionError) as missing:
        await user.press("Peut-être", wait=False)
    report = str(missing.value)
    assert "no inline button 'Peut-être' on any bot message" in report
    assert "'Oui' (data 'yes')" in report and "'Site' (not a callback button)" in report
    with pytest.raises(AssertionError, match="is not a callback button"):
        await user.press("Site", wait=False)
    with pytest.raises(AssertionError, match="sees no bot message 99"):
        await user.press("Oui", message_id=99, wait=False)


async def test_control_press_checks_the_current_keyboard(
    api, client: SandboxClient, user: SandboxUser
) -> None:
    message_id = await send_menu(api, user, "Menu", {"text": "Oui", "callback_data": "yes"})
    await api.ok("editMessageReplyMarkup", chat_id=user.id, message_id=message_id)
    with pytest.raises(SandboxError, match="400: message 2 has no inline button"):
        await client.request(
            "POST", f"/control/users/{user.id}/press",
            {"message_id": message_id, "data": "yes", "wait": False},
        )
    with pytest.raises(SandboxError, match="not a bot message"):
        await client.request(
            "POST", f"/control/users/{user.id}/press",
            {"message_id": 1, "data": "yes", "wait": False},
        )


async def test_user_actions_and_transcript(api, client: SandboxClient, user: SandboxUser) -> None:
    await user.edit(1, "/start again", wait=False)
    await user.sticker("🎉", wait=False)
    photo = await user.photo("vue", wait=False)
    messages = await user.messages()
    assert messages[0]["text"] == "/start again" and messages[0]["edited"] is True
    assert messages[1]["sticker"]["emoji"] == "🎉"
    assert messages[2]["caption"] == "vue" and messages[2]["photo"]["width"] == 320
    assert photo["message"]["photo"][-1]["file_id"] == messages[2]["photo"]["file_id"]
    assert (await user.download(messages[2]["photo"]["file_id"])).startswith(b"\x89PNG")
    with pytest.raises(SandboxError, match="no file"):
        await client.download("missing")

    await user.block(wait=False)
    with pytest.raises(SandboxError, match="409: user 100001 has blocked the bot"):
        await user.send("hello", wait=False)
    assert (await user.transcript())["user"]["blocked"] is True
    with pytest.raises(SandboxError, match="404: no sandbox user 5"):
        await client.user(5).send("x", wait=False)


async def test_users_and_clock(api, client: SandboxClient) -> None:
    marc = await client.create_user("Marc", language_code="en", username="marc", id=555)
    assert marc.id == 555 and marc.info["username"] == "marc"
    assert (await client.create_user()).id == 100001
    with pytest.raises(SandboxError, match="409: user 555 already exists"):
        await client.create_user(id=555)
    before = await marc.send("one", wait=False)
    later = await client.advance_clock(3600)
    after = await marc.send("two", wait=False)
    assert after["message"]["date"] - before["message"]["date"] >= 3600
    assert abs(after["message"]["date"] - later) < 5
    users = (await client.bot_info())["users"]
    assert [(u["id"], u["started"]) for u in users] == [(555, True), (100001, False)]


async def test_sandbox_python_api(running) -> None:
    sandbox = running.sandbox
    lea = sandbox.create_user("Léa")
    assert sandbox.transcript(lea.id)["messages"] == []
    assert running.url.startswith("http://127.0.0.1:")
    with pytest.raises(ValueError, match="loopback"):
        await start_sandbox(host="0.0.0.0")


@pytest.mark.slow
async def test_standalone_module_prints_url_and_token() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "sandbox", "--port", "0", "--token", "42:ABC",
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        first = (await asyncio.wait_for(process.stdout.readline(), 10)).decode()
        url = first.rsplit(" ", 1)[1].strip()
        assert url.startswith("http://127.0.0.1:")
        lines = [(await process.stdout.readline()).decode() for _ in range(2)]
        assert lines[1].strip() == "BOT_TOKEN=42:ABC"
        async with SandboxClient(url) as client:
            assert (await client.bot_info())["bot"]["id"] == 42
    finally:
        process.terminate()
        await process.wait()


async def test_forge_callback_sends_any_data_on_a_bot_message(
    api, client: SandboxClient, user: SandboxUser
) -> None:
    message_id = await send_menu(api, user, "Menu", {"text": "Oui", "callback_data": "yes"})
    forged = await user.forge_callback("pair:999:end", message_id, wait=False)
    updates = await api.ok("getUpdates")
    query = updates[-1]["callback_query"]
    assert query["data"] == "pair:999:end" and query["id"] == forged["callback_query_id"]
    assert query["message"]["message_id"] == message_id and query["from"]["id"] == user.id
    assert forged["update_id"] == updates[-1]["update_id"] and forged["status"] == "pending"
    # The bot may answer it like any press.
    assert await api.ok("answerCallbackQuery", callback_query_id=query["id"], text="Non")

    # Even on a message whose keyboard is gone, as an old client would.
    await api.ok("editMessageReplyMarkup", chat_id=user.id, message_id=message_id)
    await user.forge_callback("yes", message_id, wait=False)
    updates = await api.ok("getUpdates", offset=updates[-1]["update_id"] + 1)
    assert updates[-1]["callback_query"]["data"] == "yes"


async def test_forge_callback_keeps_telegram_limits(
    api, client: SandboxClient, user: SandboxUser
) -> None:
    message_id = await send_menu(api, user, "Menu", {"text": "Oui", "callback_data": "yes"})
    with pytest.raises(SandboxError, match="not a bot message"):
        await user.forge_callback("yes", 1, wait=False)
    with pytest.raises(SandboxError, match="not a bot message"):
        await user.forge_callback("yes", 99, wait=False)
    with pytest.raises(SandboxError, match="1-64 bytes"):
        await user.forge_callback("é" * 33, message_id, wait=False)
    with pytest.raises(SandboxError, match="1-64 bytes"):
        await user.forge_callback("", message_id, wait=False)
    with pytest.raises(SandboxError, match="message_id must be an integer"):
        await client.request(
            "POST", f"/control/users/{user.id}/callback", {"message_id": "2", "data": "x"}
        )
    await user.block(wait=False)
    with pytest.raises(SandboxError, match="blocked the bot"):
        await user.forge_callback("yes", message_id, wait=False)
