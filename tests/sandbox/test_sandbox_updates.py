"""getUpdates: real long polling, confirmation by offset, allowed_updates, conflicts."""

from __future__ import annotations

import asyncio
import time

from aiogram.types import Update

from sandbox.client import SandboxClient, SandboxUser


def updates_of(updates: list[dict]) -> list[str]:
    return [update["message"]["text"] for update in updates]


async def test_long_poll_returns_as_soon_as_an_update_arrives(
    api, client: SandboxClient
) -> None:
    lea = await client.create_user()
    started = time.monotonic()
    poll = asyncio.create_task(api.ok("getUpdates", timeout=5))
    await asyncio.sleep(0.1)
    assert not poll.done()
    await lea.send("Bonjour", wait=False)
    updates = await asyncio.wait_for(poll, 2)
    assert time.monotonic() - started < 1.5
    assert [u["message"]["text"] for u in updates] == ["Bonjour"]
    parsed = Update.model_validate(updates[0])
    assert parsed.message.from_user.first_name == "Léa"
    assert parsed.message.chat.type == "private"


async def test_empty_poll_with_zero_timeout_returns_at_once(api) -> None:
    assert await api.ok("getUpdates", timeout=0) == []


async def test_offset_confirms_older_updates(api, client: SandboxClient) -> None:
    lea = await client.create_user()
    first = await lea.send("un", wait=False)
    second = await lea.send("deux", wait=False)
    assert updates_of(await api.ok("getUpdates")) == ["un", "deux"]
    # Without an offset nothing is confirmed: the same updates come back.
    assert updates_of(await api.ok("getUpdates")) == ["un", "deux"]
    assert updates_of(await api.ok("getUpdates", offset=first["update_id"] + 1)) == ["deux"]
    assert await client.wait(first["update_id"]) == "processed"
    await api.ok("getUpdates", offset=second["update_id"] + 1)
    assert await client.wait(second["update_id"]) == "processed"
    assert (await client.bot_info())["pending_updates"] == 0


async def test_limit_and_negative_offset(api, client: SandboxClient) -> None:
    lea = await client.create_user()
    for text in ("a", "b", "c"):
        await lea.send(text, wait=False)
    assert updates_of(await api.ok("getUpdates", limit=2)) == ["a", "b"]
    assert updates_of(await api.ok("getUpdates", offset=-1)) == ["c"]
    assert updates_of(await api.ok("getUpdates")) == ["c"]


async def test_allowed_updates_filters_new_updates(api, client: SandboxClient) -> None:
    lea = await client.create_user()
    await api.ok("getUpdates", timeout=0, allowed_updates=["message"])
    blocked = await lea.block(wait=False)
    assert blocked["status"] == "filtered"  # Telegram would never store it
    await lea.unblock(wait=False)
    await lea.send("salut", wait=False)
    assert updates_of(await api.ok("getUpdates")) == ["salut"]
    await api.ok("getUpdates", timeout=0, allowed_updates=[])  # back to the default set
    await lea.block(wait=False)
    kinds = [next(k for k in u if k != "update_id") for u in await api.ok("getUpdates")]
    assert kinds == ["message", "my_chat_member"]


async def test_a_second_poller_terminates_the_first(api) -> None:
    first = asyncio.create_task(api("getUpdates", timeout=5))
    await asyncio.sleep(0.1)
    assert await api.ok("getUpdates", timeout=0) == []
    status, body = await asyncio.wait_for(first, 2)
    assert status == 409
    assert body["description"] == (
        "Conflict: terminated by other getUpdates request; "
        "make sure that only one bot instance is running"
    )


async def test_get_updates_refused_while_webhook_is_set(api) -> None:
    await api.ok("setWebhook", url="http://127.0.0.1:9/hook")
    assert await api.error("getUpdates") == (
        409,
        "Conflict: can't use getUpdates method while webhook is active; "
        "use deleteWebhook to delete the webhook first",
    )
    await api.ok("deleteWebhook")
    assert await api.ok("getUpdates") == []


async def test_form_query_and_json_encodings(api, running, user: SandboxUser) -> None:
    # aiogram's way: url-encoded strings, nested objects as JSON text, booleans as "true".
    status, body = await api.form(
        "sendMessage",
        {
            "chat_id": str(user.id),
            "text": "form",
            "disable_notification": "true",
            "reply_markup": '{"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}',
        },
    )
    assert status == 200 and body["result"]["reply_markup"]["inline_keyboard"][0][0]["text"] == "A"
    async with api.session.get(f"{api.base}/sendMessage?chat_id={user.id}&text=query") as reply:
        assert (await reply.json())["result"]["text"] == "query"
    assert (await api.ok("sendMessage", chat_id=user.id, text="json"))["text"] == "json"
    assert [m["text"] for m in (await user.bot_messages())] == ["form", "query", "json"]


async def test_update_objects_parse_with_aiogram(api, client: SandboxClient) -> None:
    lea = await client.create_user(last_name="Martin", username="lea_m")
    await lea.send("/start ref42", wait=False)
    await lea.sticker("🎉", wait=False)
    await lea.photo("ma photo", wait=False)
    await lea.edit(1, "/start autre", wait=False)
    updates = [Update.model_validate(u) for u in await api.ok("getUpdates")]
    command = updates[0].message
    assert command.text == "/start ref42"
    assert command.entities[0].type == "bot_command" and command.entities[0].length == 6
    assert updates[1].message.sticker.emoji == "🎉"
    assert updates[2].message.photo[-1].width == 320 and updates[2].message.caption == "ma photo"
    assert updates[3].edited_message.text == "/start autre"
    assert updates[3].edited_message.edit_date is not None
    photo = await client.download(updates[2].message.photo[-1].file_id)
    assert photo.startswith(b"\x89PNG")
