"""Structured logging (text or JSON) with a filter that redacts secrets wherever they appear."""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
from datetime import UTC, datetime
from typing import Any

_PATTERNS = [
    # Authorization headers, bearer tokens, basic credentials.
    re.compile(r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?)(bearer|basic|token)\s+[^\s'\",}]+"),
    re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}"),
    # key=value / "key": "value" pairs with secret-looking keys.
    re.compile(
        r"(?i)(['\"]?(?:password|passwd|pwd|token|secret|api_key|access_token|encryption_key)"
        r"['\"]?\s*[:=]\s*['\"]?)([^\s'\",&}]+)"
    ),
    # user:password@host in URLs.
    re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://[^/\s:@]+:)([^@\s/]+)(@)"),
]

_REDACTED = "***"


class SecretRegistry:
    """Exact secret values (passwords, tokens) known at run time, redacted verbatim."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: set[str] = set()

    def add(self, value: str | None) -> None:
        if value and len(value) >= 4:
            with self._lock:
                self._values.add(value)

    def discard(self, value: str | None) -> None:
        if value:
            with self._lock:
                self._values.discard(value)

    def values(self) -> list[str]:
        with self._lock:
            return sorted(self._values, key=len, reverse=True)


secrets = SecretRegistry()


def redact(text: str) -> str:
    for value in secrets.values():
        if value in text:
            text = text.replace(value, _REDACTED)
    text = _PATTERNS[0].sub(lambda m: f"{m.group(1)}{m.group(2)} {_REDACTED}", text)
    text = _PATTERNS[1].sub(lambda m: f"{m.group(1)} {_REDACTED}", text)
    text = _PATTERNS[2].sub(lambda m: f"{m.group(1)}{_REDACTED}", text)
    return _PATTERNS[3].sub(lambda m: f"{m.group(1)}{_REDACTED}{m.group(3)}", text)


class RedactingFilter(logging.Filter):
    """Renders the message (args included) and the exception text once, redacted."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        if record.exc_info:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        if record.exc_text:
            entry["exc"] = record.exc_text
        for key in ("user", "event", "calendar", "duration_ms"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        return json.dumps(entry, ensure_ascii=False)


def setup_logging(level: str = "INFO", fmt: str = "text") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RedactingFilter())
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Libraries that log request details (and possibly headers) at DEBUG stay at WARNING;
    # the database drivers too: at DEBUG they log every statement with its parameters, that
    # is people's meetings (titles, places, attendees) and encrypted passwords.
    for noisy in (
        "aiohttp.access",
        "alembic",
        "radicale",
        "xandikos",
        "aiosqlite",
        "asyncpg",
        "sqlalchemy.engine",
    ):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
