"""HTTP side of the Bot API: ``/bot<token>/<method>`` and ``/file/bot<token>/<path>``."""

from __future__ import annotations

import json
import logging
from typing import Any

from aiohttp import web

# methods_* are imported for their side effect of registering Bot API methods.
from sandbox import methods_bot, methods_messages, methods_relay  # noqa: F401
from sandbox.errors import ApiError
from sandbox.limits import Fault
from sandbox.markup import user_privacy
from sandbox.params import Params, read_params
from sandbox.registry import METHODS, Described, Handler
from sandbox.state import Sandbox

SANDBOX_KEY: web.AppKey[Sandbox] = web.AppKey("sandbox", Sandbox)
log = logging.getLogger("sandbox")
UNAUTHORIZED = ApiError(401, "Unauthorized")
DEFAULT_SLOW_DELAY = 1.0
DEFAULT_TIMEOUT_DELAY = 30.0


def json_response(status: int, body: dict[str, Any]) -> web.Response:
    """JSON the way Telegram sends it (UTF-8, not ASCII-escaped)."""
    return web.Response(
        status=status,
        text=json.dumps(body, ensure_ascii=False, separators=(",", ":")),
        content_type="application/json",
    )


async def call_method(sandbox: Sandbox, name: str, params: Params) -> tuple[int, dict[str, Any]]:
    """Run one Bot API call (faults, validation, effect) and log it; returns status and body."""
    method = METHODS.get(name.lower())
    chat_id = params.raw("chat_id")
    if method is None:
        error = ApiError(404, "Not Found: method not found")
        sandbox.record_call(name, chat_id, error.body())
        return error.code, error.body()
    fault = sandbox.faults.take(method.name, _as_int(chat_id))
    try:
        with user_privacy(sandbox.links_forbidden):
            if fault is not None and fault.kind == "timeout" and fault.applied is not None:
                result = await _time_out(sandbox, method.handler, params, fault)
            else:
                await _suffer_fault(sandbox, fault)
                result = await method.handler(sandbox, params)
    except ApiError as error:
        status, body = error.code, error.body()
    except Exception as error:
        # A sandbox bug must still reach the bot as a well-formed Bot API error.
        log.exception("sandbox failed on %s", method.name)
        status, body = 500, ApiError(500, f"Internal Server Error: sandbox bug: {error!r}").body()
    else:
        status, body = 200, {"ok": True, "result": result}
        if isinstance(result, Described):
            body = {"ok": True, "result": result.result, "description": result.description}
    sandbox.record_call(method.name, chat_id, body)
    return status, body


async def _suffer_fault(sandbox: Sandbox, fault: Fault | None) -> None:
    if fault is None:
        return
    if fault.kind == "429":
        retry = fault.retry_after
        raise ApiError(429, f"Too Many Requests: retry after {retry}", {"retry_after": retry})
    if fault.kind == "400":
        raise ApiError(400, f"Bad Request: {fault.description}")
    if fault.kind == "500":
        raise ApiError(500, "Internal Server Error")
    if fault.kind == "502":
        raise ApiError(502, "Bad Gateway")
    default = DEFAULT_SLOW_DELAY if fault.kind == "slow" else DEFAULT_TIMEOUT_DELAY
    # After the delay the call still takes effect, as a Telegram call that timed out
    # on the client side may well have been executed.
    await sandbox.sleep(fault.delay if fault.delay is not None else default)


async def _time_out(sandbox: Sandbox, handler: Handler, params: Params, fault: Fault) -> Any:
    """Hold the answer past the client's patience, the call applied first or never."""
    delay = fault.delay if fault.delay is not None else DEFAULT_TIMEOUT_DELAY
    if not fault.applied:
        await sandbox.sleep(delay)
        raise ApiError(502, "Bad Gateway")
    try:
        return await handler(sandbox, params)
    finally:
        await sandbox.sleep(delay)


def _as_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


async def handle_method(request: web.Request) -> web.Response:
    """``/bot<token>/<method>``, GET or POST."""
    sandbox = request.app[SANDBOX_KEY]
    if request.match_info["token"] != sandbox.token:
        return json_response(401, UNAUTHORIZED.body())
    try:
        params = await read_params(request)
    except ApiError as error:
        sandbox.record_call(request.match_info["method"], None, error.body())
        return json_response(error.code, error.body())
    status, body = await call_method(sandbox, request.match_info["method"], params)
    return json_response(status, body)


async def handle_file(request: web.Request) -> web.Response:
    """``/file/bot<token>/<file_path>``: the bytes of a file getFile described."""
    sandbox = request.app[SANDBOX_KEY]
    if request.match_info["token"] != sandbox.token:
        return json_response(401, UNAUTHORIZED.body())
    stored = sandbox.files.by_path(request.match_info["path"])
    if stored is None:
        return json_response(404, ApiError(404, "Not Found").body())
    content_type = stored.mime_type or "application/octet-stream"
    return web.Response(body=stored.data, content_type=content_type)


def add_bot_api_routes(app: web.Application) -> None:
    """Register the Bot API and file download routes."""
    app.router.add_route("*", "/bot{token}/{method}", handle_method)
    app.router.add_get("/file/bot{token}/{path:.+}", handle_file)
