"""User routes: HTTP request in, script outcome out (design notes, sections 3-5).

Sync route: take an executor slot (none free: 503 at once), run the script,
map the outcome to a response by the status table, record the execution
(group-committed) and answer. The executions row is written once, when the
outcome is known, which keeps the sync path at one database write.

Async route: record a pending execution (the outbox row), wake the
dispatcher and answer 202 once the row is durable.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

import attrs
import trio

from picloud.executor.kv_session import KvSession
from picloud.executor.pool import ExecutorPool, Job, PoolFull
from picloud.shared import observe
from picloud.shared.clock import SystemClock, WallClock
from picloud.shared.executions import NewExecution
from picloud.shared.kv import KvEffects, KvReader
from picloud.shared.http import (
    BodyTooLarge, Receive, Scope, Send, answer_then_discard, read_body, send_json, send_response,
)
from picloud.shared.outcome import Outcome, OutcomeKind
from picloud.shared.protocols import ExecutionWriter, RequestAuthenticator

from .responses import ResponseError, render_value
from .routes import MethodNotAllowed, RouteMatch, RouteTable

log = logging.getLogger(__name__)

DEFAULT_MAX_BODY_BYTES = 1 << 20
EXTRA_WAIT_SECONDS = 2.0  # the ingress waits timeout + this, then answers 504
MAX_STORED_RESULT_CHARS = 64 * 1024
RETRY_AFTER_SECONDS = b"1"


class Ingress:
    def __init__(
        self,
        routes: RouteTable,
        pool: ExecutorPool,
        writer: ExecutionWriter,
        wake_dispatcher: Callable[[], None],
        kv_reader: KvReader | None = None,
        *,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        clock: WallClock | None = None,
        auth: RequestAuthenticator | None = None,
    ):
        self._auth = auth  # for routes with auth = 'token'; None refuses them
        self._routes = routes
        self._pool = pool
        self._writer = writer
        self._wake_dispatcher = wake_dispatcher
        self._kv_reader = kv_reader
        self._max_body_bytes = max_body_bytes
        self._clock = clock or SystemClock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        execution_id = uuid.uuid4()
        id_header = (b"x-picloud-execution-id", str(execution_id).encode())
        match = self._routes.match(scope["method"], scope["path"])
        if match is None:
            await _error(send, 404, "not_found", f"no route for {scope['path']}", execution_id, id_header)
            return
        if isinstance(match, MethodNotAllowed):
            await _error(send, 405, "method_not_allowed", f"{scope['method']} is not allowed here",
                         execution_id, id_header, (b"allow", ", ".join(match.allowed).encode()))
            return
        scope["picloud.route"] = match.route.path  # the metrics label (docs/observability.md)
        if match.route.auth != "none" and not await self._authorized(scope, send, execution_id, id_header):
            return
        try:
            body = await self._read_body(scope, receive)
        except BodyTooLarge:
            message = f"request body exceeds {self._max_body_bytes} bytes"
            await answer_then_discard(
                receive, send, lambda held: _error(held, 413, "body_too_large", message, execution_id, id_header))
            return
        request = build_request(scope, match, body)
        if match.route.auth != "none":
            # The PiCloud token was for us: the script (and the execution
            # record anyone with dashboard access reads) must never see it.
            request["headers"].pop("authorization", None)
        if match.route.dispatch_mode == "async":
            await self._accept_async(scope, match, request, execution_id, send)
        else:
            await self._run_sync(match, request, execution_id, id_header, send)

    async def _authorized(self, scope: Scope, send: Send, execution_id: uuid.UUID,
                          id_header: tuple[bytes, bytes]) -> bool:
        try:
            ok = self._auth is not None and await self._auth.check_request(scope) is not None
        except Exception:
            log.exception("could not check the token of %s %s", scope["method"], scope["path"])
            await _error(send, 503, "unavailable", "could not check the token; try again", execution_id,
                         id_header, (b"retry-after", RETRY_AFTER_SECONDS))
            return False
        if not ok:
            await _error(send, 401, "unauthorized", "a valid token is required", execution_id, id_header,
                         (b"www-authenticate", b"Bearer"))
        return ok

    async def _read_body(self, scope: Scope, receive: Receive) -> bytes:
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > self._max_body_bytes:
                raise BodyTooLarge()
        return await read_body(receive, self._max_body_bytes)

    # -- sync ------------------------------------------------------------------

    async def _run_sync(self, match: RouteMatch, request: dict, execution_id: uuid.UUID,
                        id_header: tuple[bytes, bytes], send: Send) -> None:
        script = match.route.script
        try:
            slot = self._pool.try_reserve()
        except PoolFull as exc:
            await _error(send, 503, "unavailable", str(exc), execution_id, id_header,
                         (b"retry-after", RETRY_AFTER_SECONDS))
            return
        outcome: Outcome | None = None
        kv = KvSession(self._kv_reader) if self._kv_reader is not None else None
        job = Job(script.ast, script.limits, script.timeout_seconds, {"request": request}, kv)
        with trio.move_on_after(script.timeout_seconds + EXTRA_WAIT_SECONDS):
            outcome = await self._pool.run(slot, job)
        if outcome is None:
            outcome = Outcome(OutcomeKind.TIMEOUT, error={"kind": "timeout", "message": "no result in time"})
        # Render first: a malformed response turns the run into a failure,
        # and a failed run's writes must not commit.
        outcome, (status, headers, body) = _respond(outcome, execution_id)
        effects = kv.effects if kv is not None and outcome.succeeded and kv.effects else None
        recorded = await self._record_sync(match, request, execution_id, outcome, status, effects)
        observe.execution_finished(execution_id, script.name, "http", outcome,
                                   "succeeded" if outcome.succeeded else "failed")
        if not recorded and effects is not None:
            # The script's writes did not commit: answering with its success would lie.
            _, (status, headers, body) = _respond(Outcome(OutcomeKind.INTERNAL, error={
                "kind": "internal", "message": "the execution's effects could not be committed"}), execution_id)
        await send_response(send, status, body, [*headers, id_header])

    async def _record_sync(self, match: RouteMatch, request: dict, execution_id: uuid.UUID,
                           outcome: Outcome, status: int, effects: KvEffects | None) -> bool:
        script = match.route.script
        started = _timestamp(outcome.started_at) if outcome.started_at else self._clock.now()
        finished = _timestamp(outcome.finished_at) if outcome.finished_at else self._clock.now()
        row = NewExecution(
            id=execution_id, trigger="http", route_id=match.route.id, script_name=script.name,
            script_version=script.version, dispatch_mode="sync",
            status="succeeded" if outcome.succeeded else "failed", input=request, created_at=started,
            max_attempts=1, attempts=1, http_status=status, result=cap_result(outcome.value),
            error=outcome.error, logs=outcome.logs, started_at=started, finished_at=finished,
            effects=effects,
        )
        try:
            await self._writer.insert([row])
        except Exception:
            log.exception("could not record execution %s", execution_id)
            return False
        return True

    # -- async -----------------------------------------------------------------

    async def _accept_async(self, scope: Scope, match: RouteMatch, request: dict,
                            execution_id: uuid.UUID, send: Send) -> None:
        now = self._clock.now()
        key = _header(scope, b"idempotency-key")
        script = match.route.script
        row = NewExecution(
            id=execution_id, trigger="http", route_id=match.route.id, script_name=script.name,
            script_version=script.version, dispatch_mode="async", status="pending", input=request,
            created_at=now, max_attempts=match.route.max_attempts, next_attempt_at=now,
            idempotency_key=key[:200] if key else None,
        )
        try:
            [stored_id] = await self._writer.insert([row])
        except Exception:
            log.exception("could not accept async execution %s", execution_id)
            await _error(send, 503, "unavailable", "could not store the request; try again",
                         execution_id, (b"x-picloud-execution-id", str(execution_id).encode()),
                         (b"retry-after", RETRY_AFTER_SECONDS))
            return
        if stored_id == execution_id:
            self._wake_dispatcher()
        await send_json(
            send, 202, {"execution_id": str(stored_id), "accepted_at": now.isoformat()},
            [(b"x-picloud-execution-id", str(stored_id).encode())],
        )


def build_request(scope: Scope, match: RouteMatch, body: bytes) -> dict[str, Any]:
    """The ``request`` map a route script sees (design notes, section 5)."""
    headers: dict[str, str] = {}
    for name, value in scope["headers"]:
        key = name.decode("latin-1").lower()
        text = value.decode("latin-1")
        headers[key] = f"{headers[key]}, {text}" if key in headers else text
    query: dict[str, str] = {}
    for name, value in parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True):
        query.setdefault(name, value)
    text = body.decode("utf-8", errors="replace")
    parsed = None
    if "json" in headers.get("content-type", "") and text.strip():
        try:
            from picloud.executor.convert import from_json_value

            parsed = from_json_value(json.loads(text))
        except ValueError:
            parsed = None
    return {
        "method": scope["method"],
        "path": scope["path"],
        "params": dict(match.params),
        "query": query,
        "headers": headers,
        "body": text,
        "json": parsed,
    }


def _respond(outcome: Outcome, execution_id: uuid.UUID) -> tuple[Outcome, tuple[int, list, bytes]]:
    """The HTTP response for an outcome, and the outcome as it finally stands."""
    if outcome.succeeded:
        try:
            return outcome, render_value(outcome.value)
        except ResponseError as exc:
            outcome = attrs.evolve(outcome, kind=OutcomeKind.SCRIPT_FAILURE, value=None, error={
                "kind": "script_failure", "message": f"malformed response: {exc}", "line": None, "column": None})
    return outcome, _error_response(outcome, execution_id)


def _error_response(outcome: Outcome, execution_id: uuid.UUID) -> tuple[int, list, bytes]:
    error = dict(outcome.error or {"kind": outcome.kind.value})
    error["execution_id"] = str(execution_id)
    headers = [(b"content-type", b"application/json")]
    if outcome.kind is OutcomeKind.UNAVAILABLE:
        headers.append((b"retry-after", RETRY_AFTER_SECONDS))
    return outcome.kind.http_status, headers, json.dumps({"error": error}).encode()


async def _error(send: Send, status: int, kind: str, message: str, execution_id: uuid.UUID,
                 *headers: tuple[bytes, bytes]) -> None:
    await send_json(send, status, {"error": {"kind": kind, "message": message,
                                             "execution_id": str(execution_id)}}, list(headers))


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return None


def _timestamp(seconds: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, dt.timezone.utc)


def cap_result(value: Any) -> Any:
    """Results are stored for inspection, not as a data store: big ones are cut."""
    if value is None:
        return None
    text = json.dumps(value)
    if len(text) <= MAX_STORED_RESULT_CHARS:
        return value
    return {"truncated": True, "preview": text[:1000], "size": len(text)}
