"""Log output: one JSON object per line on stderr, or plain text for a terminal.

``configure_logging(level)`` is called once by the command line. The format
comes from ``PICLOUD_LOG_FORMAT`` (``json`` or ``text``); unset, it is
``json`` when stderr is not a terminal (a service manager, a container, a
pipe) and ``text`` when it is. See docs/observability.md.

A JSON line carries ``time`` (UTC, ISO 8601 with milliseconds), ``level``,
``logger`` and ``message``, then every field given with ``extra=``::

    log.info("execution finished", extra={"execution_id": ..., "script": "hello"})
    -> {"time": "2026-01-02T03:04:05.678Z", "level": "info", "logger": "picloud.executions",
        "message": "execution finished", "execution_id": "...", "script": "hello"}

and ``exception`` (the formatted traceback) when the record has one. The text
format appends the same extra fields as ``key=value``.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import sys
from typing import Any, TextIO

FORMATS = ("json", "text")
ENV_VAR = "PICLOUD_LOG_FORMAT"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# Attributes every LogRecord has; anything else on a record came from ``extra=``.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}


def extra_fields(record: logging.LogRecord) -> dict[str, Any]:
    """The fields a caller attached with ``extra=``, in the order given."""
    return {key: value for key, value in vars(record).items() if key not in _STANDARD and not key.startswith("_")}


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return str(value)  # UUIDs, enums, paths, ...


def _timestamp(created: float) -> str:
    moment = dt.datetime.fromtimestamp(created, dt.timezone.utc)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line (newlines inside values are escaped)."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "time": _timestamp(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in extra_fields(record).items():
            if key not in payload:
                payload[key] = _jsonable(value)
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            payload["exception"] = record.exc_text
        if record.stack_info:
            payload["stack"] = self.formatStack(record.stack_info)
        return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=str)


class TextFormatter(logging.Formatter):
    """The classic one-line format, with ``extra=`` fields appended as ``key=value``."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        extras = extra_fields(record)
        if not extras:
            return text
        first, newline, rest = text.partition("\n")
        pairs = " ".join(f"{key}={_jsonable(value)}" for key, value in extras.items())
        return f"{first} {pairs}{newline}{rest}"


def choose_format(stream: TextIO | None = None, environ: dict[str, str] | None = None) -> str:
    """``PICLOUD_LOG_FORMAT`` if valid, else json unless ``stream`` is a terminal."""
    value = (os.environ if environ is None else environ).get(ENV_VAR, "").strip().lower()
    if value in FORMATS:
        return value
    stream = sys.stderr if stream is None else stream
    try:
        return "text" if stream.isatty() else "json"
    except (AttributeError, ValueError):
        return "json"


def make_formatter(fmt: str) -> logging.Formatter:
    if fmt not in FORMATS:
        raise ValueError(f"log format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    return JsonFormatter() if fmt == "json" else TextFormatter()


def configure_logging(level: str = "info", fmt: str | None = None, stream: TextIO | None = None) -> str:
    """Send the root logger to ``stream`` (stderr) in ``fmt``; returns the format used.

    Replaces handlers installed by an earlier call, so it can be called again.
    """
    stream = sys.stderr if stream is None else stream
    invalid = os.environ.get(ENV_VAR, "").strip().lower()
    fmt = fmt or choose_format(stream)
    handler = logging.StreamHandler(stream)
    handler.setFormatter(make_formatter(fmt))
    handler._picloud = True  # type: ignore[attr-defined]
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "_picloud", False):
            root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(getattr(logging, level.upper()))
    if invalid and invalid not in FORMATS:
        logging.getLogger("picloud").warning(
            "ignoring %s=%r: use json or text", ENV_VAR, invalid, extra={"setting": ENV_VAR})
    return fmt
