"""Fixtures for the sandbox's own tests: a running sandbox, raw and aiogram clients."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import aiohttp.web
import pytest
from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from sandbox.client import SandboxClient, SandboxUser
from sandbox.server import RunningSandbox, start_sandbox


class RawApi:
    """Bot API calls without aiogram, to check exact status codes and descriptions."""

    def __init__(self, running: RunningSandbox, session: aiohttp.ClientSession):
        self.base = f"{running.url}/bot{running.token}"
        self.session = session

    async def __call__(self, method: str, **params: Any) -> tuple[int, dict[str, Any]]:
        """POST ``params`` as a JSON body."""
        async with self.session.post(f"{self.base}/{method}", json=params) as response:
            return response.status, await response.json()

    async def form(self, method: str, data: Any) -> tuple[int, dict[str, Any]]:
        """POST form data (url-encoded, or multipart when it holds files), as aiogram does."""
        async with self.session.post(f"{self.base}/{method}", data=data) as response:
            return response.status, await response.json()

    async def ok(self, method: str, **params: Any) -> Any:
        """Call and insist on success; returns ``result``."""
        status, body = await self(method, **params)
        assert status == 200 and body["ok"], body
        return body["result"]

    async def error(self, method: str, **params: Any) -> tuple[int, str]:
        """Call and insist on failure; returns (status, description)."""
        status, body = await self(method, **params)
        assert not body["ok"], body
        assert body["error_code"] == status
        return status, body["description"]


@pytest.fixture
async def running() -> AsyncIterator[RunningSandbox]:
    """A sandbox on a free 127.0.0.1 port with fast webhook retries."""
    sandbox = await start_sandbox(webhook_backoff=0.05, webhook_backoff_max=0.2)
    try:
        yield sandbox
    finally:
        await sandbox.stop()


@pytest.fixture
async def client(running: RunningSandbox) -> AsyncIterator[SandboxClient]:
    """Control API client; waits for the bot at most 5 s."""
    async with SandboxClient(running.url, wait_timeout=5) as sandbox_client:
        yield sandbox_client


@pytest.fixture
async def api(running: RunningSandbox) -> AsyncIterator[RawApi]:
    """Raw Bot API caller."""
    async with aiohttp.ClientSession() as session:
        yield RawApi(running, session)


@pytest.fixture
async def bot(running: RunningSandbox) -> AsyncIterator[Bot]:
    """aiogram's real Bot and AiohttpSession, pointed at the sandbox."""
    session = AiohttpSession(api=TelegramAPIServer.from_base(running.url))
    real_bot = Bot(running.token, session=session)
    try:
        yield real_bot
    finally:
        await real_bot.session.close()


@pytest.fixture
async def user(client: SandboxClient) -> SandboxUser:
    """A user who has started the bot (their /start stays pending: nobody polls yet)."""
    lea = await client.create_user()
    await lea.send("/start", wait=False)
    return lea


@pytest.fixture
async def polling(bot: Bot) -> AsyncIterator[Callable[[Dispatcher], Awaitable[None]]]:
    """Start a Dispatcher polling the sandbox the way the real bot does; stopped afterwards."""
    tasks: list[asyncio.Task[None]] = []

    async def start(dispatcher: Dispatcher) -> None:
        task = asyncio.create_task(
            dispatcher.start_polling(
                bot, handle_as_tasks=False, handle_signals=False, close_bot_session=False
            )
        )
        tasks.append(task)
        await asyncio.sleep(0)

    yield start
    for task in tasks:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


class WebhookReceiver:
    """A bot-side HTTP endpoint on 127.0.0.1 recording what the sandbox POSTs to it."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], dict[str, Any]]] = []
        self.statuses: list[int] = []  # answered in order; 200 once exhausted
        self.reply: dict[str, Any] | None = None
        self.url = ""

    async def handle(self, request: aiohttp.web.Request) -> aiohttp.web.Response:
        """Record the delivery and answer with the next scripted status."""
        self.received.append((dict(request.headers), await request.json()))
        status = self.statuses.pop(0) if self.statuses else 200
        if self.reply is not None and status == 200:
            return aiohttp.web.json_response(self.reply)
        return aiohttp.web.Response(status=status)


async def serve_on_loopback(app: aiohttp.web.Application) -> tuple[aiohttp.web.AppRunner, str]:
    """Run ``app`` on a free 127.0.0.1 port; returns the runner and its base URL."""
    runner = aiohttp.web.AppRunner(app, shutdown_timeout=1)
    await runner.setup()
    site = aiohttp.web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}"


@pytest.fixture
async def receiver() -> AsyncIterator[WebhookReceiver]:
    """A webhook endpoint at ``receiver.url``."""
    hook = WebhookReceiver()
    app = aiohttp.web.Application()
    app.router.add_post("/hook", hook.handle)
    runner, base = await serve_on_loopback(app)
    hook.url = f"{base}/hook"
    try:
        yield hook
    finally:
        await runner.cleanup()


@pytest.fixture
async def web_server() -> AsyncIterator[Callable[[aiohttp.web.Application], Awaitable[str]]]:
    """Serve any aiohttp app on 127.0.0.1 for the test; returns its base URL."""
    runners: list[aiohttp.web.AppRunner] = []

    async def serve(app: aiohttp.web.Application) -> str:
        runner, base = await serve_on_loopback(app)
        runners.append(runner)
        return base

    yield serve
    for runner in runners:
        await runner.cleanup()
