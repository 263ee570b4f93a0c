"""Assembling and running the sandbox server."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from sandbox.botapi import SANDBOX_KEY, add_bot_api_routes
from sandbox.control import add_control_routes, control_errors
from sandbox.media import MAX_UPLOAD_BYTES
from sandbox.state import DEFAULT_TOKEN, Sandbox
from sandbox.web import add_page_routes

# Room for a 50 MB document plus multipart overhead; aiohttp's default is 1 MB.
CLIENT_MAX_SIZE = MAX_UPLOAD_BYTES + 1024 * 1024
SHUTDOWN_TIMEOUT = 2.0

__all__ = ["RunningSandbox", "Sandbox", "create_app", "start_sandbox"]


def create_app(sandbox: Sandbox) -> web.Application:
    """An aiohttp application serving the Bot API, the control API and the chat page."""
    app = web.Application(client_max_size=CLIENT_MAX_SIZE, middlewares=[control_errors])
    app[SANDBOX_KEY] = sandbox
    add_bot_api_routes(app)
    add_control_routes(app)
    add_page_routes(app)

    async def release_waiters(_app: web.Application) -> None:
        await sandbox.close()

    # on_shutdown runs before aiohttp waits for in-flight requests, so long polls end now.
    app.on_shutdown.append(release_waiters)
    return app


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine only (the sandbox must never listen elsewhere)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass
class RunningSandbox:
    """A started sandbox: give ``url`` and ``token`` to the bot, use ``sandbox`` directly."""

    url: str
    token: str
    sandbox: Sandbox
    runner: web.AppRunner

    async def stop(self) -> None:
        """Stop serving; pending long polls and waits are released first."""
        await self.sandbox.close()
        await self.runner.cleanup()

    async def __aenter__(self) -> RunningSandbox:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()


async def start_sandbox(
    host: str = "127.0.0.1", port: int = 0, token: str = DEFAULT_TOKEN, **limits: Any
) -> RunningSandbox:
    """Start a sandbox on ``host:port`` (port 0 picks a free one) and return it running.

    ``limits`` go to ``Sandbox`` (``global_rate``, ``chat_burst``, ``chat_refill``, ...).
    Only loopback hosts are accepted.
    """
    if not is_loopback(host):
        raise ValueError(f"the sandbox only listens on loopback addresses, not {host!r}")
    sandbox = Sandbox(token, **limits)
    runner = web.AppRunner(create_app(sandbox), shutdown_timeout=SHUTDOWN_TIMEOUT)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound_port = runner.addresses[0][1]
    shown_host = f"[{host.strip('[]')}]" if ":" in host else host
    return RunningSandbox(f"http://{shown_host}:{bound_port}", token, sandbox, runner)
