"""Minimal ASGI plumbing shared by the ingress and the control plane.

PiCloud speaks raw ASGI with no framework in the hot path (design notes,
section 8): these helpers are the whole of its HTTP vocabulary.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

Headers = Iterable[tuple[bytes, bytes]]


async def send_response(
    send: Send, status: int, body: bytes, headers: Headers = (), content_type: bytes | None = None
) -> None:
    all_headers = [(b"content-length", str(len(body)).encode())]
    if content_type is not None:
        all_headers.append((b"content-type", content_type))
    all_headers.extend(headers)
    await send({"type": "http.response.start", "status": status, "headers": all_headers})
    await send({"type": "http.response.body", "body": body})


async def send_json(send: Send, status: int, payload: Any, headers: Headers = ()) -> None:
    body = json.dumps(payload, separators=(",", ":")).encode()
    await send_response(send, status, body, headers, content_type=b"application/json")


async def send_error(send: Send, status: int, kind: str, message: str, headers: Headers = ()) -> None:
    await send_json(send, status, {"error": {"kind": kind, "message": message}}, headers)
