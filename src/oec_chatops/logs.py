"""Structured logs: JSON lines when not on a terminal, and a filter that redacts secrets.

Call sites log a dotted event name with flat fields::

    log.info("approval.decided", extra={"approval_id": a.approval_id, "decision": "approve"})

Two lines of defence keep secrets out: callers never pass one, and `RedactingFilter` replaces
every configured secret value, and any value under a secret-looking key, with `[redacted]`
before a record is formatted, as sentry's scrubber does.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, TextIO

import orjson

from oec_chatops.context import request_id_var

REDACTED = "[redacted]"
_SECRET_KEY = re.compile(r"(token|secret|signature|authorization|api[_-]?key|password)", re.I)
# Shapes of credentials, redacted even when nobody told us the value.
_SECRET_SHAPES = re.compile(
    r"(xox[abposr]-[A-Za-z0-9-]{8,}|xapp-[A-Za-z0-9-]{8,}|oec_live_[A-Za-z0-9_-]{16,}|whsec_[A-Za-z0-9+/=]{8,})"
)
# Attributes every LogRecord has; everything else came in through `extra=`. uvicorn adds a
# terminal-coloured copy of its message, which is noise in JSON.
_STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {
    "message",
    "asctime",
    "taskName",
    "color_message",
}


def _scrub_text(text: str, secrets: tuple[str, ...]) -> str:
    for s in secrets:
        if s in text:
            text = text.replace(s, REDACTED)
    return _SECRET_SHAPES.sub(REDACTED, text)


def _scrub(value: Any, secrets: tuple[str, ...], key: str = "") -> Any:
    if key and _SECRET_KEY.search(key):
        return REDACTED
    if isinstance(value, str):
        return _scrub_text(value, secrets)
    if isinstance(value, dict):
        return {k: _scrub(v, secrets, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub(v, secrets) for v in value]
    return value


class RedactingFilter(logging.Filter):
    """Replaces secret values in a record's message, arguments and extra fields."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = tuple(sorted({s for s in secrets if s}, key=len, reverse=True))

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = _scrub_text(str(record.msg), self.secrets)
        if record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            record.args = tuple(_scrub(a, self.secrets) for a in args)
        for key, value in list(record.__dict__.items()):
            if key not in _STANDARD:
                record.__dict__[key] = _scrub(value, self.secrets, key)
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = _scrub_text(
                logging.Formatter().formatException(record.exc_info), self.secrets
            )
            record.exc_info = None
        if not getattr(record, "request_id", None):
            rid = request_id_var.get()
            if rid:
                record.request_id = rid
        return True


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in record.__dict__.items() if k not in _STANDARD}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, event and the extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
            **_fields(record),
        }
        if record.exc_text:
            out["exception"] = record.exc_text
        return orjson.dumps(out, default=str).decode()


class TextFormatter(logging.Formatter):
    """Readable lines for a terminal: `12:00:01 info  event key=value ...`."""

    def format(self, record: logging.LogRecord) -> str:
        at = datetime.fromtimestamp(record.created).strftime("%H:%M:%S")
        extra = " ".join(f"{k}={v}" for k, v in _fields(record).items())
        line = f"{at} {record.levelname.lower():<7} {record.getMessage()} {extra}".rstrip()
        if record.exc_text:
            line += "\n" + record.exc_text
        return line


_NOISY = ("httpx", "httpcore", "uvicorn.access", "slack_bolt", "slack_sdk", "aiohttp")


def configure_logging(
    *,
    level: str = "INFO",
    fmt: str = "auto",
    secrets: Iterable[str] = (),
    stream: TextIO | None = None,
) -> logging.Handler:
    """Install one handler on the root logger (stderr unless `stream` is given) with the
    redacting filter, replacing the one a previous call installed; return it.

    The handler has the configured level itself, so a logger that lets more through for
    another handler (the API-call metrics read the client's INFO records) prints no more.
    """
    out = stream or sys.stderr
    use_json = fmt == "json" or (fmt == "auto" and not out.isatty())
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter() if use_json else TextFormatter())
    handler.setLevel(level)
    handler.addFilter(RedactingFilter(secrets))
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "_oec_chatops", False):
            root.removeHandler(old)
    handler._oec_chatops = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    # Libraries that narrate every request at DEBUG/INFO (Bolt lists each middleware it applies;
    # slack_sdk and httpx echo request lines): their warnings and errors still come through.
    for noisy in (*_NOISY, "oec_chatops.bolt"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    return handler
