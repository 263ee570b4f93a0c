"""Webhook delivery: POST each update to the bot, retry with back-off until it answers 2xx."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import TYPE_CHECKING, Any

import aiohttp

if TYPE_CHECKING:
    from sandbox.state import Sandbox
    from sandbox.updates import QueuedUpdate

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
log = logging.getLogger("sandbox")


class WebhookManager:
    """The webhook setting of the bot and the workers delivering updates to it.

    Up to ``max_connections`` updates are in flight at once, like Telegram. A failed
    delivery is retried after ``backoff`` seconds, doubling up to ``backoff_max``; the
    failure is what getWebhookInfo reports as ``last_error_*``.
    """

    def __init__(self, sandbox: Sandbox, *, backoff: float, backoff_max: float, timeout: float):
        self.sandbox = sandbox
        self.backoff = backoff
        self.backoff_max = backoff_max
        self.timeout = timeout
        self.url: str | None = None
        self.secret: str | None = None
        self.max_connections = 40
        self.allowed_updates: list[str] | None = None
        self.last_error_date: int | None = None
        self.last_error_message: str | None = None
        self.delivered = 0
        self._workers: list[asyncio.Task[None]] = []
        self._session: aiohttp.ClientSession | None = None

    @property
    def active(self) -> bool:
        """Whether a webhook is set (getUpdates is then refused with 409)."""
        return self.url is not None

    async def set(
        self,
        url: str,
        *,
        secret: str | None,
        max_connections: int,
        allowed_updates: list[str] | None,
        drop_pending: bool,
    ) -> None:
        """Set or replace the webhook and start delivering pending updates to it."""
        await self._stop_workers()
        if drop_pending:
            self.sandbox.updates.drop_pending()
        if url != self.url:
            self.last_error_date = self.last_error_message = None
        self.url, self.secret, self.max_connections = url, secret, max_connections
        if allowed_updates is not None:
            self.allowed_updates = allowed_updates or None
        self.sandbox.updates.set_allowed(allowed_updates)
        self._workers = [asyncio.create_task(self._worker()) for _ in range(max_connections)]

    async def delete(self, *, drop_pending: bool) -> bool:
        """Remove the webhook; returns whether there was one."""
        had_webhook = self.active
        await self._stop_workers()
        self.url = self.secret = None
        self.last_error_date = self.last_error_message = None
        if drop_pending:
            self.sandbox.updates.drop_pending()
        return had_webhook

    def info(self) -> dict[str, Any]:
        """The getWebhookInfo result."""
        pending = len(self.sandbox.updates.pending)
        info: dict[str, Any] = {
            "url": self.url or "",
            "has_custom_certificate": False,
            "pending_update_count": pending,
        }
        if not self.active:
            return info
        info["ip_address"] = "127.0.0.1"
        info["max_connections"] = self.max_connections
        if self.allowed_updates:
            info["allowed_updates"] = self.allowed_updates
        if self.last_error_date is not None:
            info["last_error_date"] = self.last_error_date
            info["last_error_message"] = self.last_error_message
        return info

    async def shutdown(self) -> None:
        """Stop the workers and close the HTTP client."""
        await self._stop_workers()
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _stop_workers(self) -> None:
        for task in self._workers:
            task.cancel()
        for task in self._workers:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._workers = []

    async def _worker(self) -> None:
        updates = self.sandbox.updates
        while not updates.closed:
            update = updates.claim()
            if update is None:
                await updates.notifier.wait_until(
                    lambda: updates.closed or len(updates.in_flight) < len(updates.pending), 3600
                )
                continue
            try:
                await self._deliver(update)
            finally:
                # Still in flight only if we were cancelled or the sandbox closed mid-retry.
                if update.update_id in updates.in_flight:
                    updates.release(update.update_id)

    async def _deliver(self, update: QueuedUpdate) -> None:
        delay = self.backoff
        while not self.sandbox.updates.closed:
            error = await self._post(update)
            if error is None:
                self.delivered += 1
                self.sandbox.updates.settle(update.update_id, "processed")
                return
            self.last_error_date = self.sandbox.today()
            self.last_error_message = error
            await self.sandbox.sleep(delay)
            delay = min(delay * 2, self.backoff_max)

    async def _post(self, update: QueuedUpdate) -> str | None:
        """POST one update; None on success, else Telegram's wording of the failure."""
        if self._session is None:
            self._session = aiohttp.ClientSession()
        headers = {"Content-Type": "application/json"}
        if self.secret:
            headers[SECRET_HEADER] = self.secret
        body = json.dumps(update.payload, ensure_ascii=False).encode("utf-8")
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        try:
            async with self._session.post(
                self.url or "", data=body, headers=headers, timeout=timeout
            ) as response:
                if not 200 <= response.status < 300:
                    return f"Wrong response from the webhook: {response.status} {response.reason}"
                try:
                    await self._run_reply(response)
                except Exception:
                    # Telegram ignores a reply it cannot use; the update still counts as delivered.
                    log.warning("ignored unusable webhook reply", exc_info=True)
                return None
        except TimeoutError:
            return "Read timeout expired"
        except aiohttp.ClientConnectorError:
            return "Connection refused"
        except aiohttp.ClientError as error:
            return f"Connection error: {type(error).__name__}"

    async def _run_reply(self, response: aiohttp.ClientResponse) -> None:
        """Execute a method the bot put in its webhook answer, as Telegram allows."""
        from sandbox.botapi import call_method  # circular: botapi needs the state module
        from sandbox.params import Params, Upload

        values: dict[str, Any] = {}
        uploads: dict[str, Upload] = {}
        if response.content_type == "application/json":
            with contextlib.suppress(ValueError):
                body = await response.json()
                values = body if isinstance(body, dict) else {}
        elif response.content_type == "multipart/form-data":
            reader = aiohttp.MultipartReader.from_response(response)
            while (part := await reader.next()) is not None:
                if not isinstance(part, aiohttp.BodyPartReader) or not part.name:
                    continue
                if part.filename:
                    data = bytes(await part.read(decode=True))
                    content_type = part.headers.get("Content-Type")
                    uploads[part.name] = Upload(data, part.filename, content_type)
                else:
                    values[part.name] = await part.text()
        method = values.pop("method", None)
        if isinstance(method, str) and method:
            await call_method(self.sandbox, method, Params(values, uploads))
