"""A tiny router: (method, path template) -> handler, with 404 and 405.

Patterns use the same template syntax as user routes
(:mod:`picloud.shared.paths`), matched against the request path with the
``/_picloud/api/v1`` prefix removed. Trailing slashes are significant: API
paths have none.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Awaitable, Callable
from typing import Any

import attrs

from picloud.shared.paths import Segment, match, parse_template
from .responses import ApiError, Response, bad_request, not_found


@attrs.frozen
class Request:
    method: str
    path: str
    """The path below the API prefix, e.g. ``/scripts/hello``."""
    params: dict[str, str]
    """Path parameters."""
    query_string: bytes
    headers: dict[str, str]
    """Lower-case names; repeated headers joined with ``, ``."""
    body: bytes

    @property
    def content_type(self) -> str:
        """The media type without parameters, lower-case ('' when absent)."""
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()

    def query(self, allowed: set[str]) -> dict[str, str]:
        """Query parameters, each at most once and all of them in ``allowed``."""
        try:
            pairs = urllib.parse.parse_qsl(
                self.query_string.decode("ascii"), keep_blank_values=True, strict_parsing=False,
                errors="strict",
            )
        except (UnicodeDecodeError, ValueError):
            raise bad_request("the query string is not valid") from None
        values: dict[str, str] = {}
        for key, value in pairs:
            if key not in allowed:
                known = ", ".join(sorted(allowed)) or "none"
                raise bad_request(f"unknown query parameter {key!r}; known parameters: {known}")
            if key in values:
                raise bad_request(f"query parameter {key!r} given more than once")
            values[key] = value
        return values


Handler = Callable[[Any, Request], Awaitable[Response]]


class Router:
    def __init__(self) -> None:
        self._routes: list[tuple[list[Segment], dict[str, Handler]]] = []

    def add(self, method: str, pattern: str, handler: Handler) -> None:
        segments = parse_template(pattern)
        for existing, handlers in self._routes:
            if existing == segments:
                handlers[method] = handler
                return
        self._routes.append((segments, {method: handler}))

    def resolve(self, method: str, path: str) -> tuple[Handler, dict[str, str]]:
        """The handler and path parameters; :class:`ApiError` 404 or 405."""
        allowed: list[str] = []
        for segments, handlers in self._routes:
            params = match(segments, path)
            if params is None:
                continue
            handler = handlers.get(method)
            if handler is not None:
                return handler, params
            allowed.extend(m for m in handlers if m not in allowed)
        if allowed:
            raise ApiError(
                405, "method_not_allowed", f"{method} is not allowed here; use {', '.join(allowed)}",
                headers=[(b"allow", ", ".join(allowed).encode())],
            )
        raise not_found(f"no API endpoint at {path}")
