"""Logging set-up: plain lines for a terminal, or JSON lines (``LOG_FORMAT=json``) for a log
collector. Each record carries the id of the update being handled, if any. What people wrote
and their names are logged only at ``LOG_LEVEL=DEBUG``: the code logs ids, never text, above
that level."""

from __future__ import annotations

import logging
from typing import TextIO

from pythonjsonlogger.json import JsonFormatter

from bot.metrics import update_id

PLAIN = "%(asctime)s %(levelname)s %(name)s%(update)s: %(message)s"
CHATTY = ("aiohttp.access", "alembic.runtime.plugins", "alembic.runtime.migration",
          "apscheduler")


class UpdateId(logging.Filter):
    """Adds ``update_id`` (None outside an update) and, for plain lines, `` [update N]``."""

    def filter(self, record: logging.LogRecord) -> bool:
        current = update_id.get()
        record.update_id = current
        record.update = f" [update {current}]" if current is not None else ""
        return True


def configure(level: str, form: str = "plain", stream: TextIO | None = None) -> None:
    handler = logging.StreamHandler(stream)
    handler.addFilter(UpdateId())
    if form == "json":
        handler.setFormatter(JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(update_id)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"}))
    else:
        handler.setFormatter(logging.Formatter(PLAIN))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for chatty in CHATTY:
        logging.getLogger(chatty).setLevel(max(logging.WARNING, root.level))
