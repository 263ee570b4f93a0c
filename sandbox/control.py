"""The control API (``/control/...``): act as users, inspect chats, steer limits and faults."""

from __future__ import annotations

import json
import time
import unicodedata
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from aiohttp import web

from sandbox import actions, user_messages
from sandbox.botapi import SANDBOX_KEY
from sandbox.errors import ControlError
from sandbox.state import Sandbox
from sandbox.updates import QueuedUpdate
from sandbox.user_uploads import send_file, send_location, send_reply

DEFAULT_WAIT_TIMEOUT = 10.0
LIMIT_NAMES = ("global_rate", "global_window", "chat_burst", "chat_refill")


def _reply(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=lambda v: json.dumps(v, ensure_ascii=False))


@web.middleware
async def control_errors(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Render ControlError as ``{"error": ...}`` with its status."""
    try:
        return await handler(request)
    except ControlError as error:
        return _reply({"error": error.message}, error.status)


async def _body(request: web.Request) -> dict[str, Any]:
    if not request.can_read_body:
        return {}
    try:
        body = json.loads(await request.text() or "{}")
    except ValueError:
        raise ControlError(400, "the control API takes a JSON object body") from None
    if not isinstance(body, dict):
        raise ControlError(400, "the control API takes a JSON object body")
    return body


def _sandbox(request: web.Request) -> Sandbox:
    return request.app[SANDBOX_KEY]


def _user_id(request: web.Request) -> int:
    try:
        return int(request.match_info["user_id"])
    except ValueError:
        raise ControlError(404, f"no sandbox user {request.match_info['user_id']!r}") from None


def _number(body: dict[str, Any], name: str, default: float) -> float:
    value = body.get(name, default)
    if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
        raise ControlError(400, f"{name} must be a non-negative number")
    return float(value)


def _string(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str):
        raise ControlError(400, f"{name} must be a string")
    return value


def _integer(body: dict[str, Any], name: str) -> int:
    value = body.get(name)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ControlError(400, f"{name} must be an integer")
    return value


# -- waiting ----------------------------------------------------------------------------------


async def wait_processed(sandbox: Sandbox, update_id: int, seconds: float) -> str:
    """Wait until the bot has confirmed ``update_id``; ControlError 504 with a hint if not."""
    if sandbox.updates.status(update_id) is None:
        raise ControlError(404, f"no update {update_id} was ever created")
    status = await sandbox.updates.wait_settled(update_id, seconds)
    if status == "pending":
        if sandbox.updates.closed:
            raise ControlError(503, "the sandbox is shutting down")
        raise ControlError(504, _not_processed_hint(sandbox, update_id, seconds))
    return status


def _not_processed_hint(sandbox: Sandbox, update_id: int, timeout: float) -> str:
    message = f"update {update_id} was not processed by the bot within {timeout:g} s: "
    if sandbox.webhook.active:
        error = sandbox.webhook.last_error_message or "none"
        return message + f"webhook {sandbox.webhook.url} is set, last delivery error: {error}"
    if sandbox.updates.last_poll is None:
        return message + "the bot never called getUpdates (is it polling this sandbox?)"
    ago = time.monotonic() - sandbox.updates.last_poll
    return message + (
        f"last getUpdates activity {ago:.1f} s ago; an update counts as processed when the "
        "bot asks again with a higher offset, i.e. after its handler returned (is a handler "
        "stuck, or is the dispatcher using handle_as_tasks=True?)"
    )


async def _finish(
    request: web.Request, body: dict[str, Any], update: QueuedUpdate | None, **extra: Any
) -> dict[str, Any]:
    """Common tail of user actions: wait for processing unless ``wait`` is false, report."""
    sandbox = _sandbox(request)
    sandbox.touch()
    result: dict[str, Any] = {"update_id": update.update_id if update else None, **extra}
    if update is not None and body.get("wait", True):
        timeout = _number(body, "timeout", DEFAULT_WAIT_TIMEOUT)
        await wait_processed(sandbox, update.update_id, timeout)
    result["status"] = sandbox.updates.status(update.update_id) if update else None
    return result


# -- users ------------------------------------------------------------------------------------


async def create_user(request: web.Request) -> web.Response:
    """``POST /control/users`` {first_name?, language_code?, ..., role?}: role "staff" also
    gives the user staff rights when a bot is linked (``Sandbox.on_new_staff``)."""
    body = await _body(request)
    sandbox = _sandbox(request)
    user = sandbox.create_user(**body)
    if user.role == "staff" and sandbox.on_new_staff is not None:
        await sandbox.on_new_staff(user.id)
    return _reply(user.control_view(), 201)


async def list_users(request: web.Request) -> web.Response:
    """``GET /control/users``."""
    return _reply([user.control_view() for user in _sandbox(request).users.values()])


async def user_text(request: web.Request) -> web.Response:
    """``POST /control/users/{id}/text`` {text, wait?, timeout?}."""
    body = await _body(request)
    sandbox = _sandbox(request)
    update, _ = actions.send_text(sandbox, _user_id(request), _string(body, "text"))
    return _reply(await _finish(request, body, update, message=update.payload["message"]))


async def user_sticker(request: web.Request) -> web.Response:
    """``POST /control/users/{id}/sticker`` {emoji?}."""
    body = await _body(request)
    update, _ = actions.send_sticker(_sandbox(request), _user_id(request), body.get("emoji", "👍"))
    return _reply(await _finish(request, body, update, message=update.payload["message"]))


async def user_photo(request: web.Request) -> web.Response:
    """``POST /control/users/{id}/photo`` {caption?}."""
    body = await _body(request)
    update, _ = actions.send_photo(_sandbox(request), _user_id(request), body.get("caption"))
    return _reply(await _finish(request, body, update, message=update.payload["message"]))


async def user_message(request: web.Request) -> web.Response:
    """``POST /control/users/{id}/message`` {text | document | photo | poll, caption?,
    reply_to?}."""
    body = await _body(request)
    update, _ = user_messages.send(_sandbox(request), _user_id(request), body)
    return _reply(await _finish(request, body, update, message=update.payload["message"]))


async def user_edit_caption(request: web.Request) -> web.Response:
    """``POST /control/users/{id}/edit_caption`` {message_id, caption}."""
    body = await _body(request)
    update, _ = user_messages.edit_caption(
        _sandbox(request), _user_id(request), _integer(body, "message_id"),
        _string(body, "caption"))
    return _reply(await _finish(request, body, update, message=update.payload["edited_message"]))


async def user_edit(request: web.Request) -> web.Response:
    """``POST /control/users/{id}/edit`` {message_id, text}."""
    body = await _body(request)
    update, _ = actions.edit_text(
        _sandbox(request), _user_id(request), _integer(body, "message_id"), _string(body, "text")
    )
    return _reply(await _finish(request, body, update, message=update.payload["edited_message"]))


async def user_press(request: web.Request) -> web.Response:
    """``POST /control/users/{id}/press`` {message_id, data? | text?}."""
    body = await _body(request)
    update, record = actions.press(
        _sandbox(request),
        _user_id(request),
        _integer(body, "message_id"),
        data=body.get("data"),
        text=body.get("text"),
    )
    result = await _finish(request, body, update, callback_query_id=record.id)
    # Only meaningful after waiting: the answer arrives while the bot handles the press.
    result["answer"] = record.answer
    return _reply(result)


async def user_callback(request: web.Request) -> web.Response:
    """``POST /control/users/{id}/callback`` {message_id, data}: any data, button or not."""
    body = await _body(request)
    update, record = actions.forge_callback(
        _sandbox(request), _user_id(request), _integer(body, "message_id"), _string(body, "data")
    )
    result = await _finish(request, body, update, callback_query_id=record.id)
    result["answer"] = record.answer
    return _reply(result)


async def user_block(request: web.Request) -> web.Response:
    """``POST /control/users/{id}/block`` (sends my_chat_member, if the bot wants those)."""
    body = await _body(request)
    update = actions.set_blocked(_sandbox(request), _user_id(request), True)
    return _reply(await _finish(request, body, update))


async def user_unblock(request: web.Request) -> web.Response:
    """``POST /control/users/{id}/unblock``."""
    body = await _body(request)
    update = actions.set_blocked(_sandbox(request), _user_id(request), False)
    return _reply(await _finish(request, body, update))


async def transcript(request: web.Request) -> web.Response:
    """``GET /control/users/{id}/transcript``."""
    return _reply(_sandbox(request).transcript(_user_id(request)))


# -- what people on the chat page send besides plain text ---------------------------------


async def user_upload(request: web.Request) -> web.Response:
    """``POST /control/users/{id}/upload``, multipart: ``file``, and ``caption``,
    ``reply_to``, ``wait`` as fields: the chat page's file button."""
    if request.content_type != "multipart/form-data":
        raise ControlError(400, "send the file as multipart/form-data, in a field named file")
    form = await request.post()
    upload = form.get("file")
    if not isinstance(upload, web.FileField):
        raise ControlError(400, "send the file as multipart/form-data, in a field named file")
    caption = form.get("caption")
    reply_to = form.get("reply_to")
    body = {"wait": form.get("wait", "true") != "false"}
    try:
        reply_id = int(str(reply_to)) if reply_to not in (None, "") else None
    except ValueError:
        raise ControlError(400, "reply_to must be a message id") from None
    update, _ = send_file(
        # aiohttp clients percent-encode non-ASCII names; browsers send them as UTF-8.
        _sandbox(request), _user_id(request), upload.file.read(), unquote(upload.filename),
        upload.content_type, caption=str(caption) if caption else None, reply_to=reply_id)
    return _reply(await _finish(request, body, update, message=update.payload["message"]))


async def user_reply(request: web.Request) -> web.Response:
    """``POST /control/users/{id}/reply`` {reply_to, text}: the chat page's reply action."""
    body = await _body(request)
    update, _ = send_reply(
        _sandbox(request), _user_id(request), body.get("reply_to"), body.get("text"))
    return _reply(await _finish(request, body, update, message=update.payload["message"]))


async def user_location(request: web.Request) -> web.Response:
    """``POST /control/users/{id}/location`` {latitude, longitude, reply_to?}."""
    body = await _body(request)
    update, _ = send_location(
        _sandbox(request), _user_id(request), body.get("latitude"), body.get("longitude"),
        reply_to=body.get("reply_to"))
    return _reply(await _finish(request, body, update, message=update.payload["message"]))



# -- the rest ---------------------------------------------------------------------------------


async def get_file(request: web.Request) -> web.Response:
    """``GET /control/files/{file_id}``: raw bytes."""
    stored = _sandbox(request).files.get(request.match_info["file_id"])
    if stored is None:
        raise ControlError(404, f"no file {request.match_info['file_id']!r}")
    content_type = stored.mime_type or "application/octet-stream"
    return web.Response(body=stored.data, content_type=content_type)


RANDOM_FAULT_OPTIONS = ("kinds", "seed", "methods", "retry_after", "slow_delay",
                        "timeout_delay", "timeout_applied")


async def add_fault(request: web.Request) -> web.Response:
    """``POST /control/faults`` {method, kind, count?, retry_after?, delay?, chat_id?,
    description?, applied?} (``description`` is what a "400" says after "Bad Request: "):
    the next calls of one method misbehave; or {rate, kinds?, seed?, methods?,
    retry_after?, slow_delay?, timeout_delay?, timeout_applied?}: a fraction ``rate`` of all
    calls does (``rate`` 0 stops it)."""
    body = await _body(request)
    if "rate" in body:
        return _random_faults(request, body)
    method, kind = body.get("method"), str(body.get("kind", ""))
    if not isinstance(method, str) or not method:
        raise ControlError(400, "method is required (a Bot API method name such as sendMessage)")
    options = {k: body.get(k) for k in ("retry_after", "delay", "chat_id", "description",
                                        "applied")}
    try:
        fault = _sandbox(request).faults.add(method, kind, int(body.get("count", 1)), **options)
    except (TypeError, ValueError) as error:
        raise ControlError(400, str(error)) from None
    return _reply(fault.describe(), 201)


def _random_faults(request: web.Request, body: dict[str, Any]) -> web.Response:
    unknown = set(body) - {"rate", *RANDOM_FAULT_OPTIONS}
    if unknown:
        raise ControlError(400, f"unknown fault options: {', '.join(sorted(unknown))}")
    rate = body["rate"]
    if isinstance(rate, bool) or not isinstance(rate, int | float):
        raise ControlError(400, "rate must be a number between 0 and 1")
    options = {k: body[k] for k in RANDOM_FAULT_OPTIONS if body.get(k) is not None}
    try:
        faults = _sandbox(request).faults.randomly(rate, **options)
    except (TypeError, ValueError) as error:
        raise ControlError(400, str(error)) from None
    return _reply(faults.describe() if faults is not None else {"rate": 0}, 201)


async def list_faults(request: web.Request) -> web.Response:
    """``GET /control/faults``: scripted faults still pending, and the random ones with
    what they served so far."""
    faults = _sandbox(request).faults
    random_faults = faults.random.describe() if faults.random is not None else None
    return _reply({"scripted": [f.describe() for f in faults.active()], "random": random_faults})


async def clear_faults(request: web.Request) -> web.Response:
    """``DELETE /control/faults``."""
    _sandbox(request).faults.clear()
    return _reply({"ok": True})


async def set_limits(request: web.Request) -> web.Response:
    """``POST /control/limits``: a null or 0 ``global_rate``/``chat_burst`` disables it."""
    body = await _body(request)
    unknown = set(body) - set(LIMIT_NAMES)
    if unknown:
        raise ControlError(400, f"unknown limits: {', '.join(sorted(unknown))}")
    for name, value in body.items():
        # Only the two on/off limits can be nulled; a window or refill rate must be a number.
        if value is None and name in ("global_rate", "chat_burst"):
            continue
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise ControlError(400, f"{name} must be a non-negative number")
    limiter = _sandbox(request).limiter
    limiter.configure(**body)
    return _reply(limiter.settings())


async def clock(request: web.Request) -> web.Response:
    """``GET /control/clock`` and ``POST /control/clock`` {advance_seconds}."""
    sandbox = _sandbox(request)
    if request.method == "POST":
        body = await _body(request)
        sandbox.advance_clock(_number(body, "advance_seconds", 0))
    return _reply({"now": sandbox.now(), "offset": sandbox.clock_offset})


async def time_travel(request: web.Request) -> web.Response:
    """``POST /control/time-travel`` {seconds? | days? | to? (ISO 8601 with a zone)}: move the
    clock forward, then let a linked bot run its scheduler at the new time."""
    body = await _body(request)
    sandbox = _sandbox(request)
    target = _travel_target(sandbox, body)
    sandbox.advance_clock(max(0.0, target - sandbox.now()))
    at = datetime.fromtimestamp(sandbox.now(), UTC)
    ticked = await sandbox.on_time_travel(at) if sandbox.on_time_travel is not None else None
    sandbox.touch()
    return _reply({"now": sandbox.now(), "offset": sandbox.clock_offset, "ticked": ticked})


def _travel_target(sandbox: Sandbox, body: dict[str, Any]) -> float:
    given = [name for name in ("seconds", "days", "to") if body.get(name) is not None]
    if len(given) != 1:
        raise ControlError(400, "give exactly one of seconds, days or to")
    if given[0] == "to":
        try:
            moment = datetime.fromisoformat(str(body["to"]))
        except ValueError:
            raise ControlError(
                400, "to must be an ISO 8601 time, e.g. 2026-12-01T10:00+01:00") from None
        if moment.tzinfo is None:
            raise ControlError(400, "to needs a time zone, e.g. 2026-12-01T10:00+01:00")
        target = moment.timestamp()
    else:
        amount = _number(body, given[0], 0)
        target = sandbox.now() + amount * (86400 if given[0] == "days" else 1)
    if target < sandbox.now() - 1:
        raise ControlError(400, "the clock only moves forward")
    return target


async def people(request: web.Request) -> web.Response:
    """``GET /control/people?since=REVISION&wait=SECONDS&q=TEXT``: what the chat page lists.

    Answers at once unless ``since`` is the current revision; then waits up to ``wait`` s
    for a change (a long poll). Seeded (grouped) users are only counted, and searched by
    ``q``, so hundreds of them never flood the list."""
    sandbox = _sandbox(request)
    try:
        since = int(request.query.get("since", "-1"))
        seconds = min(float(request.query.get("wait", "0")), 60.0)
    except ValueError:
        raise ControlError(400, "since and wait must be numbers") from None
    if since == sandbox.revision and seconds > 0:
        await sandbox.changed_since(since, seconds)
    query = _folded(request.query.get("q", "").strip())
    listed, grouped = [], []
    for user in sandbox.users.values():
        if user.group is None:
            listed.append(_person(sandbox, user.id))
        elif query and (query in _folded(user.first_name) or query == str(user.id)):
            grouped.append(user.id)
    demo_count = sum(1 for user in sandbox.users.values() if user.group is not None)
    return _reply({
        "revision": sandbox.revision,
        "now": sandbox.now(),
        "offset": sandbox.clock_offset,
        "time_travel": sandbox.on_time_travel is not None,
        "people": listed,
        "demo": {"count": demo_count, "matches": [_person(sandbox, i) for i in grouped[:50]]},
        "commands": _commands(sandbox),
    })


def _folded(text: str) -> str:
    """Lower case without accents, so "lea" finds "Léa"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _person(sandbox: Sandbox, user_id: int) -> dict[str, Any]:
    chat = sandbox.chats[user_id]
    visible = list(chat.messages.values())
    last = visible[-1] if visible else None
    preview = last.preview() if last is not None else None
    return {**chat.user.control_view(), "messages": len(visible),
            "last": {"text": preview, "date": last.date, "from": last.sender} if last else None}


def _commands(sandbox: Sandbox) -> dict[str, list[dict[str, Any]]]:
    """The private-chat command menus by language ("" for the default), and those set for
    one chat as "chat:<id>" (Telegram shows a chat's own menu first)."""
    menus: dict[str, list[dict[str, Any]]] = {}
    for (scope, language), commands in sandbox.commands.items():
        if json.loads(scope).get("type") == "chat" and not language:
            menus[f"chat:{json.loads(scope).get('chat_id')}"] = commands
        elif json.loads(scope).get("type") in ("default", "all_private_chats"):
            if language not in menus or json.loads(scope).get("type") == "all_private_chats":
                menus[language] = commands
    return menus


async def bot(request: web.Request) -> web.Response:
    """``GET /control/bot``: commands, webhook, counters, users."""
    return _reply(_sandbox(request).summary())


async def log(request: web.Request) -> web.Response:
    """``GET /control/log?since=N``: Bot API calls after sequence number N."""
    try:
        since = int(request.query.get("since", "0"))
    except ValueError:
        raise ControlError(400, "since must be an integer") from None
    return _reply(_sandbox(request).log_since(since))


async def wait(request: web.Request) -> web.Response:
    """``POST /control/wait`` {update_id, timeout?}."""
    body = await _body(request)
    update_id = body.get("update_id")
    if not isinstance(update_id, int):
        raise ControlError(400, "update_id must be an integer")
    timeout = _number(body, "timeout", DEFAULT_WAIT_TIMEOUT)
    status = await wait_processed(_sandbox(request), update_id, timeout)
    return _reply({"update_id": update_id, "status": status})


def add_control_routes(app: web.Application) -> None:
    """Register every ``/control`` route."""
    user = "/control/users/{user_id}"
    app.router.add_post("/control/users", create_user)
    app.router.add_get("/control/users", list_users)
    app.router.add_post(f"{user}/text", user_text)
    app.router.add_post(f"{user}/sticker", user_sticker)
    app.router.add_post(f"{user}/photo", user_photo)
    app.router.add_post(f"{user}/edit", user_edit)
    app.router.add_post(f"{user}/message", user_message)
    app.router.add_post(f"{user}/edit_caption", user_edit_caption)
    app.router.add_post(f"{user}/press", user_press)
    app.router.add_post(f"{user}/callback", user_callback)
    app.router.add_post(f"{user}/block", user_block)
    app.router.add_post(f"{user}/unblock", user_unblock)
    app.router.add_get(f"{user}/transcript", transcript)
    app.router.add_get("/control/files/{file_id}", get_file)
    app.router.add_post("/control/faults", add_fault)
    app.router.add_delete("/control/faults", clear_faults)
    app.router.add_get("/control/faults", list_faults)
    app.router.add_post("/control/limits", set_limits)
    app.router.add_route("GET", "/control/clock", clock)
    app.router.add_route("POST", "/control/clock", clock)
    app.router.add_get("/control/bot", bot)
    app.router.add_get("/control/log", log)
    app.router.add_post("/control/wait", wait)
    app.router.add_post("/control/time-travel", time_travel)
    app.router.add_get("/control/people", people)
    app.router.add_post(f"{user}/upload", user_upload)
    app.router.add_post(f"{user}/location", user_location)
    app.router.add_post(f"{user}/reply", user_reply)
