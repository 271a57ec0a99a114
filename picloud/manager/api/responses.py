"""Responses and errors of the control-plane API (on top of picloud.shared.http)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs

from picloud.shared.http import Headers, Send, send_json

PREFIX = "/_picloud/api/v1"


@attrs.frozen
class Response:
    status: int
    payload: Any = None
    """JSON-serialisable body; ``None`` sends no body (204)."""
    headers: tuple[tuple[bytes, bytes], ...] = ()

    async def send(self, send: Send) -> None:
        if self.payload is None and self.status in (204, 304):
            await send({"type": "http.response.start", "status": self.status, "headers": list(self.headers)})
            await send({"type": "http.response.body", "body": b""})
            return
        await send_json(send, self.status, self.payload, self.headers)


class ApiError(Exception):
    """An error answer: ``{"error": {"kind", "message", **extra}}``."""

    def __init__(self, status: int, kind: str, message: str, *, headers: Headers = (), **extra: Any):
        super().__init__(message)
        self.status = status
        self.kind = kind
        self.message = message
        self.headers = tuple(headers)
        self.extra = extra

    def response(self) -> Response:
        return Response(self.status, {"error": {"kind": self.kind, "message": self.message, **self.extra}},
                        self.headers)


def bad_request(message: str) -> ApiError:
    return ApiError(400, "bad_request", message)


def not_found(message: str) -> ApiError:
    return ApiError(404, "not_found", message)


def conflict(message: str, **extra: Any) -> ApiError:
    return ApiError(409, "conflict", message, **extra)


def iso(value: dt.datetime | None) -> str | None:
    """ISO 8601 in UTC with millisecond precision, e.g. ``2026-01-02T03:04:05.678Z``."""
    if value is None:
        return None
    return value.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def location(path: str) -> tuple[bytes, bytes]:
    return b"location", (PREFIX + path).encode()
