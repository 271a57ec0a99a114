"""A route script's last value as an HTTP response (design notes, section 5).

- a map with an INT ``status`` (and optional ``headers``, ``body``) is used as is;
- a string is ``200 text/plain``;
- ``()`` is ``204``;
- anything else is ``200`` with the value as JSON.
"""

from __future__ import annotations

import json
from typing import Any

TEXT = b"text/plain; charset=utf-8"
JSON = b"application/json"


class ResponseError(ValueError):
    """The script's value looks like a response but is not a valid one."""


def render_value(value: Any) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    if value is None:
        return 204, [], b""
    if isinstance(value, str):
        return 200, [(b"content-type", TEXT)], value.encode()
    if isinstance(value, dict) and "status" in value:
        return _render_response_map(value)
    return 200, [(b"content-type", JSON)], json.dumps(value).encode()


def _render_response_map(value: dict) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    status = value["status"]
    if type(status) is not int or not 100 <= status <= 599:
        raise ResponseError(f"status must be an integer from 100 to 599, got {status!r}")
    unknown = sorted(set(value) - {"status", "headers", "body"})
    if unknown:
        raise ResponseError(f"unknown response field {unknown[0]!r} (use status, headers, body)")
    headers = value.get("headers") or {}
    if not isinstance(headers, dict):
        raise ResponseError("headers must be a map of names to strings")
    encoded = []
    for name, header_value in headers.items():
        if not isinstance(header_value, (str, int, float, bool)):
            raise ResponseError(f"header {name!r} must be a string")
        text = str(header_value).lower() if type(header_value) is bool else str(header_value)
        if any(c in name + text for c in "\r\n\0") or not name:
            raise ResponseError(f"header {name!r} contains an invalid character")
        if name.lower() == "content-length":
            continue  # computed from the body
        encoded.append((name.lower().encode("latin-1", "replace"), text.encode("latin-1", "replace")))
    body = value.get("body")
    has_type = any(name == b"content-type" for name, _ in encoded)
    if body is None:
        payload = b""
    elif isinstance(body, str):
        payload = body.encode()
        if not has_type:
            encoded.append((b"content-type", TEXT))
    else:
        payload = json.dumps(body).encode()
        if not has_type:
            encoded.append((b"content-type", JSON))
    if status in (204, 304) or status < 200:
        payload = b""
    return status, encoded, payload
