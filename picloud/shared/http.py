"""Minimal ASGI plumbing shared by the ingress and the control plane.

PiCloud speaks raw ASGI with no framework in the hot path (design notes,
section 8): these helpers are the whole of its HTTP vocabulary.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import trio

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

Headers = Iterable[tuple[bytes, bytes]]


async def answer_lifespan(receive: Receive, send: Send) -> None:
    """Acknowledge ASGI lifespan start-up and shutdown.

    PiCloud's start-up and shutdown are owned by its supervisor, not by the
    server, so there is nothing to do but say yes.
    """
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


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


# Refusing a body that is too large without reading it makes the server close
# a socket with unread data, which the kernel answers with a reset: the client
# (or Caddy in front) then sees a broken pipe instead of our 413. So after
# answering, read and discard what the client is still sending, within bounds;
# and keep the response open meanwhile (answer_then_discard): once a response is
# complete, the server may close the connection at once.
DISCARD_MAX_BYTES = 16 << 20
DISCARD_MAX_SECONDS = 5.0


class BodyTooLarge(Exception):
    """A request body over the limit it was read with."""


async def read_body(receive: Receive, limit: int) -> bytes:
    """The whole request body (what came before a disconnect), or BodyTooLarge as
    soon as it passes ``limit`` bytes."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge()
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def answer_then_discard(receive: Receive, send: Send, respond) -> None:
    """``await respond(send)`` at once (a client waiting for it gets all of it: the
    response has a Content-Length), but complete the response only after the rest
    of the request body has been read and dropped (``discard_body``)."""

    async def held(message: dict) -> None:
        if message["type"] == "http.response.body" and not message.get("more_body", False):
            message = {**message, "more_body": True}
        await send(message)

    await respond(held)
    await discard_body(receive)
    await send({"type": "http.response.body", "body": b"", "more_body": False})


async def discard_body(receive: Receive) -> None:
    """Read and drop the rest of a request body (bounded in bytes and time)."""
    discarded = 0
    with trio.move_on_after(DISCARD_MAX_SECONDS):
        while discarded <= DISCARD_MAX_BYTES:
            message = await receive()
            if message["type"] != "http.request":
                return
            discarded += len(message.get("body", b""))
            if not message.get("more_body", False):
                return
