"""The Jinja2 environment: autoescaping on for everything, strict undefined, a few filters."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import jinja2

TEMPLATE_DIR = Path(__file__).parent / "templates"


def _parse(value: Any) -> dt.datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    try:
        return dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def when(value: Any) -> str:
    """``2026-01-02 03:04:05 UTC`` (or an em dash)."""
    moment = _parse(value)
    if moment is None:
        return "—"
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def ago(value: Any, now: dt.datetime | None = None) -> str:
    """``5 s ago``, ``3 min ago``, ``in 2 h``..."""
    moment = _parse(value)
    if moment is None:
        return "—"
    seconds = ((now or dt.datetime.now(dt.UTC)) - moment).total_seconds()
    future = seconds < 0
    seconds = abs(seconds)
    if seconds < 60:
        text = f"{int(seconds)} s"
    elif seconds < 3600:
        text = f"{int(seconds // 60)} min"
    elif seconds < 86400 * 2:
        text = f"{int(seconds // 3600)} h"
    else:
        text = f"{int(seconds // 86400)} days"
    return f"in {text}" if future else f"{text} ago"


def pretty_json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False)


def compact_json(value: Any, limit: int = 120) -> str:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def error_message(value: Any) -> str:
    """The message of an execution's error object, else its JSON."""
    if isinstance(value, dict):
        message = value.get("message")
        kind = value.get("kind")
        if message:
            return f"{kind}: {message}" if kind else str(message)
    return "" if value is None else compact_json(value)


def make_environment(ui_prefix: str) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=True,  # every template, whatever its extension
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["ui"] = ui_prefix
    env.filters.update(when=when, ago=ago, pretty_json=pretty_json, compact_json=compact_json,
                       error_message=error_message)
    return env
