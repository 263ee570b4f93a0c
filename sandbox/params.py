"""Reading Bot API parameters the way Telegram accepts them.

Telegram takes the query string, url-encoded forms, multipart forms (files either as a
field of their own or referenced with ``attach://<name>``) and JSON bodies. Form values
are strings, so numbers, booleans and nested objects (JSON text) are decoded on access.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from sandbox.errors import ApiError, bad_request

_TRUE = {"true", "1", "yes", "on"}


@dataclass
class Upload:
    """A file sent in a multipart request."""

    data: bytes
    filename: str
    content_type: str | None


class Params:
    """The parameters of one Bot API call, with typed accessors."""

    def __init__(self, values: dict[str, Any], uploads: dict[str, Upload] | None = None):
        self.values = values
        self.uploads = uploads or {}

    def raw(self, name: str) -> Any:
        """The value as received (string for forms, any JSON type for JSON bodies)."""
        return self.values.get(name)

    def text(self, name: str) -> str | None:
        """A string parameter; numbers given in JSON bodies are accepted as text."""
        value = self.values.get(name)
        if value is None:
            return None
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float):
            return str(value)
        if not isinstance(value, str):
            raise bad_request(f'field "{name}" must be of type String')
        return value

    def integer(self, name: str, default: int | None = None) -> int | None:
        """An integer parameter, or ``default`` when absent or empty."""
        value = self.values.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            raise bad_request(f'field "{name}" must be a valid Number')
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(f'field "{name}" must be a valid Number') from None

    def flag(self, name: str) -> bool:
        """A boolean parameter (``true``/``false`` in forms, JSON booleans in JSON)."""
        value = self.values.get(name)
        if isinstance(value, bool):
            return value
        return str(value).lower() in _TRUE if value is not None else False

    def json(self, name: str, error: str) -> Any:
        """A nested object or array, given as JSON text in forms or natively in JSON bodies."""
        value = self.values.get(name)
        if not isinstance(value, str):
            return value
        if value == "":
            return None
        try:
            return json.loads(value)
        except ValueError:
            raise bad_request(error) from None

    def upload(self, name: str) -> Upload | str | None:
        """A file parameter: an uploaded file, or a string (file id or URL), or None."""
        if name in self.uploads:
            return self.uploads[name]
        value = self.text(name)
        if value and value.startswith("attach://"):
            attached = self.uploads.get(value[len("attach://") :])
            if attached is None:
                raise bad_request(f"{name} must be attached as a file: {value} is missing")
            return attached
        return value or None


async def read_params(request: web.Request) -> Params:
    """Collect query, form, multipart or JSON parameters of a Bot API request."""
    values: dict[str, Any] = dict(request.query)
    uploads: dict[str, Upload] = {}
    if request.method != "POST" or not request.can_read_body:
        return Params(values)
    try:
        if request.content_type == "application/json":
            values.update(await _json_body(request))
        elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    data = value.file.read()
                    uploads[key] = Upload(data, value.filename, value.content_type)
                else:
                    values[key] = value
    except web.HTTPRequestEntityTooLarge:
        raise ApiError(413, "Request Entity Too Large") from None
    return Params(values, uploads)


async def _json_body(request: web.Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.text() or "{}")
    except ValueError:
        raise bad_request("can't parse JSON encoded request body") from None
    if not isinstance(body, dict):
        raise bad_request("JSON encoded request body must be an object")
    return body
