"""The chat page: plain HTML, CSS and JavaScript served from ``sandbox/web/``, no build step.

It talks only to the control API, like any other client of the sandbox.
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

PAGE_DIR = Path(__file__).with_name("web")


async def index(_request: web.Request) -> web.FileResponse:
    """``GET /``: the page itself."""
    return web.FileResponse(PAGE_DIR / "index.html", headers={"Cache-Control": "no-cache"})


def add_page_routes(app: web.Application) -> None:
    """Serve the page at ``/`` and its files under ``/web/``."""
    app.router.add_get("/", index)
    app.router.add_static("/web/", PAGE_DIR, append_version=False)
