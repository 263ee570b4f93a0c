"""Webhook mode: loopback URLs only, secret header, retries, replies in the response."""

from __future__ import annotations

import aiohttp.web
import pytest
from aiogram import Bot, Dispatcher, Router
from aiogram.methods import SendMessage
from aiogram.types import Message
from aiogram.webhook.aiohttp_server import SimpleRequestHandler

from sandbox.client import SandboxClient


async def test_delivery_with_secret_header(api, client: SandboxClient, receiver) -> None:
    description = (await api("setWebhook", url=receiver.url, secret_token="s3cr3t_T0ken"))[1]
    assert description["description"] == "Webhook was set"
    lea = await client.create_user()
    sent = await lea.send("Bonjour")
    assert sent["status"] == "processed"
    headers, update = receiver.received[0]
    assert headers["X-Telegram-Bot-Api-Secret-Token"] == "s3cr3t_T0ken"
    assert headers["Content-Type"] == "application/json"
    assert update["update_id"] == sent["update_id"]
    assert update["message"]["text"] == "Bonjour"
    info = await api.ok("getWebhookInfo")
    assert info["url"] == receiver.url and info["pending_update_count"] == 0
    assert "last_error_date" not in info


async def test_failed_deliveries_are_retried(api, client: SandboxClient, receiver) -> None:
    receiver.statuses = [500, 500]
    await api.ok("setWebhook", url=receiver.url)
    lea = await client.create_user()
    assert (await lea.send("Bonjour"))["status"] == "processed"
    assert len(receiver.received) == 3
    info = await api.ok("getWebhookInfo")
    error = "Wrong response from the webhook: 500 Internal Server Error"
    assert info["last_error_message"] == error
    assert isinstance(info["last_error_date"], int)


async def test_unreachable_webhook_keeps_updates_pending(api, client: SandboxClient) -> None:
    await api.ok("setWebhook", url="http://127.0.0.1:9/nobody-listens")
    lea = await client.create_user()
    update = await lea.send("hello?", wait=False)
    client.wait_timeout = 0.3
    with pytest.raises(AssertionError, match="last delivery error: Connection refused"):
        await client.wait(update["update_id"])
    info = await api.ok("getWebhookInfo")
    assert info["pending_update_count"] == 1
    assert info["last_error_message"] == "Connection refused"
    await api.ok("deleteWebhook", drop_pending_updates=True)
    assert await client.wait(update["update_id"]) == "dropped"
    assert (await api.ok("getWebhookInfo")) == {
        "url": "", "has_custom_certificate": False, "pending_update_count": 0
    }


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://example.com/hook", "bad webhook: the sandbox delivers only to 127.0.0.1, "
         "localhost or ::1, not 'example.com'"),
        ("http://10.0.0.1/hook", "bad webhook: the sandbox delivers only to 127.0.0.1, "
         "localhost or ::1, not '10.0.0.1'"),
        ("ftp://127.0.0.1/hook", "bad webhook: Unsupported URL protocol"),
    ],
)
async def test_only_loopback_webhooks(api, url: str, reason: str) -> None:
    assert await api.error("setWebhook", url=url) == (400, f"Bad Request: {reason}")
    assert (await api.ok("getWebhookInfo"))["url"] == ""


async def test_bad_secret_token(api, receiver) -> None:
    assert await api.error("setWebhook", url=receiver.url, secret_token="no spaces!") == (
        400,
        "Bad Request: bad webhook: secret token contains unallowed characters",
    )


async def test_method_in_webhook_response_is_executed(
    api, client: SandboxClient, receiver
) -> None:
    lea = await client.create_user()
    receiver.reply = {"method": "sendMessage", "chat_id": lea.id, "text": "pong"}
    await api.ok("setWebhook", url=receiver.url)
    await lea.send("ping")
    assert await lea.last_text() == "pong"


async def test_aiogram_webhook_handler(
    bot: Bot, running, client: SandboxClient, web_server
) -> None:
    router = Router()

    @router.message()
    async def echo(message: Message) -> SendMessage:
        # Returned, not awaited: aiogram puts the call in the webhook response.
        return message.answer(f"écho : {message.text}")

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    app = aiohttp.web.Application()
    SimpleRequestHandler(
        dispatcher, bot, secret_token="right", handle_in_background=False
    ).register(app, path="/tg")
    base = await web_server(app)

    await bot.set_webhook(f"{base}/tg", secret_token="wrong")
    lea = await client.create_user()
    update = await lea.send("salut", wait=False)
    client.wait_timeout = 0.3
    with pytest.raises(AssertionError, match="401 Unauthorized"):
        await client.wait(update["update_id"])

    await bot.set_webhook(f"{base}/tg", secret_token="right")
    assert await client.wait(update["update_id"]) == "processed"
    assert await lea.last_text() == "écho : salut"
    assert (await bot.get_webhook_info()).pending_update_count == 0
