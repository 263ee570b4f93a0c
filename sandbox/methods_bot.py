"""Bot API methods about the bot itself: identity, updates, webhook, commands, files, chats."""

from __future__ import annotations

import json
import re
from typing import Any

from yarl import URL

from sandbox.errors import ApiError, bad_request
from sandbox.media import MAX_DOWNLOAD_BYTES
from sandbox.params import Params
from sandbox.registry import Described, bot_method
from sandbox.state import Sandbox

WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
UPDATE_TYPES = frozenset(
    {
        "message", "edited_message", "channel_post", "edited_channel_post",
        "business_connection", "business_message", "edited_business_message",
        "deleted_business_messages", "message_reaction", "message_reaction_count",
        "inline_query", "chosen_inline_result", "callback_query", "shipping_query",
        "pre_checkout_query", "purchased_paid_media", "poll", "poll_answer",
        "my_chat_member", "chat_member", "chat_join_request", "chat_boost", "removed_chat_boost",
    }
)
SCOPE_TYPES = frozenset(
    {
        "default", "all_private_chats", "all_group_chats", "all_chat_administrators",
        "chat", "chat_administrators", "chat_member",
    }
)
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_COMMAND = re.compile(r"^[a-z0-9_]{1,32}$")
_LANGUAGE = re.compile(r"^[a-z]{2}$")


@bot_method("getMe")
async def get_me(sandbox: Sandbox, params: Params) -> dict[str, Any]:
    """The bot's own User object."""
    return sandbox.me()


@bot_method("logOut")
async def log_out(sandbox: Sandbox, params: Params) -> bool:
    """Accepted and ignored: there is no cloud server to log out from."""
    return True


@bot_method("close")
async def close(sandbox: Sandbox, params: Params) -> bool:
    """Accepted and ignored: there is no other instance to hand over to."""
    return True


@bot_method("getUpdates")
async def get_updates(sandbox: Sandbox, params: Params) -> list[dict[str, Any]]:
    """Long polling: confirm by offset, then wait up to ``timeout`` seconds for updates."""
    if sandbox.webhook.active:
        raise ApiError(409, WEBHOOK_CONFLICT)
    offset = params.integer("offset")
    limit = min(100, max(1, params.integer("limit", 100) or 100))
    timeout = max(0, params.integer("timeout", 0) or 0)
    sandbox.updates.set_allowed(_allowed_updates(params))
    return await sandbox.updates.long_poll(offset, limit, timeout)


@bot_method("setWebhook")
async def set_webhook(sandbox: Sandbox, params: Params) -> Described:
    """Set a webhook; only loopback URLs, since the sandbox must never leave the machine."""
    url = params.text("url") or ""
    drop = params.flag("drop_pending_updates")
    if not url:
        await sandbox.webhook.delete(drop_pending=drop)
        return Described(True, "Webhook was deleted")
    _check_webhook_url(url)
    secret = params.text("secret_token")
    if secret is not None and not _SECRET.match(secret):
        raise bad_request("bad webhook: secret token contains unallowed characters")
    max_connections = min(100, max(1, params.integer("max_connections", 40) or 40))
    already = url == sandbox.webhook.url
    await sandbox.webhook.set(
        url,
        secret=secret or None,
        max_connections=max_connections,
        allowed_updates=_allowed_updates(params),
        drop_pending=drop,
    )
    return Described(True, "Webhook is already set" if already else "Webhook was set")


@bot_method("deleteWebhook")
async def delete_webhook(sandbox: Sandbox, params: Params) -> Described:
    """Remove the webhook, optionally dropping pending updates."""
    had = await sandbox.webhook.delete(drop_pending=params.flag("drop_pending_updates"))
    return Described(True, "Webhook was deleted" if had else "Webhook is already deleted")


@bot_method("getWebhookInfo")
async def get_webhook_info(sandbox: Sandbox, params: Params) -> dict[str, Any]:
    """Webhook URL, pending update count and last delivery error."""
    return sandbox.webhook.info()


@bot_method("setMyCommands")
async def set_my_commands(sandbox: Sandbox, params: Params) -> bool:
    """Store the command list for a scope and language."""
    commands = params.json("commands", "can't parse commands JSON object")
    if not isinstance(commands, list):
        raise bad_request("can't parse commands JSON object")
    if len(commands) > 100:
        raise bad_request("too many commands specified")
    checked = [_check_command(command) for command in commands]
    key = _command_key(params)
    if checked:
        sandbox.commands[key] = checked
    else:
        sandbox.commands.pop(key, None)
    return True


@bot_method("getMyCommands")
async def get_my_commands(sandbox: Sandbox, params: Params) -> list[dict[str, Any]]:
    """The commands stored for exactly this scope and language (no fallback, as Telegram)."""
    return sandbox.commands.get(_command_key(params), [])


@bot_method("deleteMyCommands")
async def delete_my_commands(sandbox: Sandbox, params: Params) -> bool:
    """Forget the commands of a scope and language."""
    sandbox.commands.pop(_command_key(params), None)
    return True


@bot_method("getFile")
async def get_file(sandbox: Sandbox, params: Params) -> dict[str, Any]:
    """File info with the ``file_path`` to download from ``/file/bot<token>/<file_path>``."""
    file_id = params.text("file_id")
    if not file_id:
        raise bad_request("file_id not specified")
    stored = sandbox.files.get(file_id)
    if stored is None:
        raise bad_request("invalid file_id")
    if stored.size > MAX_DOWNLOAD_BYTES:
        raise bad_request("file is too big")
    return stored.file_object()


@bot_method("getChat")
async def get_chat(sandbox: Sandbox, params: Params) -> dict[str, Any]:
    """ChatFullInfo of a private chat."""
    chat = sandbox.chat(params.raw("chat_id"))
    gifts = ("unlimited_gifts", "limited_gifts", "unique_gifts", "premium_subscription")
    return {
        **chat.user.chat_api(),
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": dict.fromkeys(gifts, False),
    }


def _allowed_updates(params: Params) -> list[str] | None:
    allowed = params.json("allowed_updates", "can't parse allowed_updates JSON object")
    if allowed is None:
        return None
    if not isinstance(allowed, list) or not all(isinstance(item, str) for item in allowed):
        raise bad_request("can't parse allowed_updates JSON object")
    # Telegram ignores unknown update types rather than failing.
    return [item for item in allowed if item in UPDATE_TYPES]


def _check_webhook_url(url: str) -> None:
    try:
        parsed = URL(url)
    except ValueError:
        raise bad_request("bad webhook: Failed to resolve host: invalid URL") from None
    if parsed.scheme not in ("http", "https"):
        raise bad_request("bad webhook: Unsupported URL protocol")
    if (parsed.host or "").strip("[]") not in LOOPBACK_HOSTS:
        raise bad_request(
            f"bad webhook: the sandbox delivers only to 127.0.0.1, localhost or ::1, "
            f"not {parsed.host!r}"
        )


def _command_key(params: Params) -> tuple[str, str]:
    scope = params.json("scope", "can't parse BotCommandScope JSON object") or {"type": "default"}
    if not isinstance(scope, dict) or scope.get("type") not in SCOPE_TYPES:
        raise bad_request("unsupported bot command scope type")
    if scope["type"].startswith("chat") and scope.get("chat_id") is None:
        raise bad_request("chat_id is empty")
    language = params.text("language_code") or ""
    if language and not _LANGUAGE.match(language):
        raise bad_request("invalid language code specified")
    return json.dumps(scope, sort_keys=True), language


def _check_command(command: Any) -> dict[str, str]:
    if not isinstance(command, dict):
        raise bad_request("can't parse BotCommand JSON object")
    name, description = command.get("command"), command.get("description")
    if not isinstance(name, str) or not _COMMAND.match(name.removeprefix("/")):
        raise bad_request("BOT_COMMAND_INVALID")
    if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
        raise bad_request("command description must be 1-256 characters long")
    return {"command": name.removeprefix("/"), "description": description}
