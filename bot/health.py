"""``/healthz``, ``/readyz`` and ``/metrics``: on the webhook server, or on their own port
(``HEALTH_PORT``) when the bot polls.

``/healthz`` says the process is alive (its event loop answers). ``/readyz`` says it can
work: the database answers and carries the newest migration, and Redis answers when it is
configured; a load balancer sends updates only to ready workers. ``/metrics`` is Prometheus'
text format (bot/metrics.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bot import metrics
from storage.operations import Figures

Check = Callable[[], Awaitable[str | None]]
"""None when ready, else a short reason."""


def add_routes(app: web.Application, checks: Sequence[Check],
               figures: Callable[[datetime], Awaitable[Figures]],
               clock: Callable[[], datetime]) -> None:
    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def readyz(_: web.Request) -> web.Response:
        problems = [problem for check in checks if (problem := await check()) is not None]
        if problems:
            return web.json_response({"status": "unready", "problems": problems}, status=503)
        return web.json_response({"status": "ready"})

    async def metrics_page(_: web.Request) -> web.Response:
        try:
            metrics.show(await figures(clock()))
            metrics.DATABASE_UP.set(1)
        except Exception:  # the database is down: the process's own metrics still count
            metrics.DATABASE_UP.set(0)
        return web.Response(body=generate_latest(), headers={"Content-Type":
                                                             CONTENT_TYPE_LATEST})

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics_page)
