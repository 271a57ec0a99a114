"""The control-plane ASGI callable mounted at ``/_picloud/api/v1``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from picloud.executor.compiler import CompiledCache
from picloud.shared.http import BodyTooLarge, Receive, Scope, Send, answer_then_discard, read_body
from picloud.store.database import Database, DatabaseUnavailable
from picloud.store.kv import DEFAULT_MAX_CHAIN_DEPTH

from . import dead_letters, executions, kv, routes, scripts, tokens, triggers
from . import schedules
from .context import Context, log
from .responses import PREFIX, ApiError, Response, not_found
from .router import Request, Router

MAX_BODY_BYTES = 1 << 20


def build_router() -> Router:
    router = Router()
    for module in (scripts, routes, executions, dead_letters, kv, triggers, tokens):
        module.register(router)
    schedules.register(router)
    return router


class ControlPlane:
    """Plain ASGI app for ``/_picloud/api/v1/...`` (the scope's path unchanged).

    Every write that changes routes or scripts awaits ``on_routes_changed()``
    after its transaction commits; a dead-letter retry calls
    ``wake_dispatcher()``.
    """

    def __init__(
        self,
        db: Database,
        cache: CompiledCache,
        on_routes_changed: Callable[[], Awaitable[None]],
        wake_dispatcher: Callable[[], None],
        *,
        max_chain_depth: int = DEFAULT_MAX_CHAIN_DEPTH,
        on_tokens_changed: Callable[[], None] | None = None,
    ):
        self._context = Context(db, cache, on_routes_changed, wake_dispatcher)
        self._context.max_chain_depth = max_chain_depth
        if on_tokens_changed is not None:
            self._context.tokens_changed = on_tokens_changed
        self._router = build_router()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        try:
            response = await self._handle(scope, receive)
        except ApiError as exc:
            response = exc.response()
        except DatabaseUnavailable:
            log.warning("control plane: database unavailable for %s %s", scope["method"], scope["path"])
            response = ApiError(503, "unavailable", "the database is unreachable; try again shortly",
                                headers=[(b"retry-after", b"2")]).response()
        except Exception:
            log.exception("control plane: %s %s failed", scope["method"], scope["path"])
            response = ApiError(500, "internal", "internal error; see the server log").response()
        if response.status == 413:
            await answer_then_discard(receive, send, response.send)
        else:
            await response.send(send)

    async def _handle(self, scope: Scope, receive: Receive) -> Response:
        path: str = scope["path"]
        if not path.startswith(PREFIX + "/"):
            raise not_found(f"no API endpoint at {path}")
        method: str = scope["method"]
        handler, params = self._router.resolve(method, path[len(PREFIX):])
        headers: dict[str, str] = {}
        for raw_name, raw_value in scope.get("headers", ()):
            name = raw_name.decode("latin-1").lower()
            value = raw_value.decode("latin-1")
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        body = await _read_body(headers, receive)
        request = Request(method=method, path=path[len(PREFIX):], params=params,
                          query_string=scope.get("query_string", b""), headers=headers, body=body)
        return await handler(self._context, request)


def _too_large() -> ApiError:
    return ApiError(413, "payload_too_large", f"request bodies are limited to {MAX_BODY_BYTES} bytes")


async def _read_body(headers: dict[str, str], receive: Receive) -> bytes:
    declared = headers.get("content-length")
    if declared is not None and declared.strip().isdigit() and int(declared) > MAX_BODY_BYTES:
        raise _too_large()
    try:
        return await read_body(receive, MAX_BODY_BYTES)
    except BodyTooLarge:
        raise _too_large() from None
