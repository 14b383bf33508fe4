"""Log records as the service writes them: each with the id of the request it belongs to, as text or as
JSON lines, and without secrets."""

from __future__ import annotations

import logging
import logging.config
import re
from contextvars import ContextVar
from typing import Any

REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)
"""The id of the request being served (X-Request-ID), for every log line written while serving it."""

_TOKEN_IN_QUERY = re.compile(r"([?&]token=)[^&\s\"']+")
_TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
_JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s"


def current_request_id() -> str | None:
    return REQUEST_ID.get()


class WithRequestId(logging.Filter):
    """Gives every record the `request_id` of the request being served ("-" outside of one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get() or "-"
        return True


class RedactTokens(logging.Filter):
    """Replaces the value of a `token` query parameter in a log record by [redacted].

    uvicorn logs every WebSocket upgrade with its query string (`"WebSocket /web?token=eyJ..." [accepted]`),
    and a client that cannot set headers puts its access token there.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = _TOKEN_IN_QUERY.sub(r"\1[redacted]", record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(
                _TOKEN_IN_QUERY.sub(r"\1[redacted]", arg) if isinstance(arg, str) else arg for arg in record.args
            )
        return True


def redact_server_logs() -> None:
    """Put the filter on the loggers the server writes requests to."""
    for name in ("uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        if not any(isinstance(existing, RedactTokens) for existing in logger.filters):
            logger.addFilter(RedactTokens())


def configure_logging(level: str, fmt: str) -> None:
    """One handler on stderr for the service and the server (uvicorn's loggers propagate to it)."""
    formatter: dict[str, Any] = (
        {"()": "pythonjsonlogger.json.JsonFormatter", "format": _JSON_FIELDS, "rename_fields": {"levelname": "level"}}
        if fmt == "json"
        else {"format": _TEXT_FORMAT}
    )
    logging.config.dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "filters": {"request_id": {"()": WithRequestId}},
            "formatters": {"default": formatter},
            "handlers": {
                "stderr": {
                    "class": "logging.StreamHandler",
                    "formatter": "default",
                    "filters": ["request_id"],
                    "stream": "ext://sys.stderr",
                }
            },
            "root": {"level": level, "handlers": ["stderr"]},
            "loggers": {
                name: {"handlers": [], "propagate": True} for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
            },
        }
    )
