"""Run one compiled script, synchronously, in the calling (worker) thread.

Everything a script can do wrong becomes an :class:`Outcome`; nothing but an
Outcome leaves :func:`run_script`. The engine enforces the limits and the
deadline itself (through its progress callback), so a hostile script cannot
keep the worker thread past its timeout.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import rhai

from picloud.shared.outcome import Outcome, OutcomeKind

from picloud.shared.kv import KvError

from .compiler import new_engine
from .convert import ConversionError, to_json_value
from .kv_session import KvSession
from .limits import ScriptLimits

MAX_LOG_LINES = 200
MAX_LOG_LINE_CHARS = 2000

# Rhai's non-catchable resource errors, and the limit each one means.
_LIMIT_ERRORS = {
    "ErrorTooManyOperations": "max_operations",
    "ErrorStackOverflow": "max_call_levels",
    "ErrorTooManyVariables": "max_variables",
    "ErrorTooManyModules": "max_modules",
}
_DATA_TOO_LARGE_LIMITS = {
    "string": "max_string_size",
    "array": "max_array_size",
    "blob": "max_array_size",
    "map": "max_map_size",
}


class LogBuffer:
    """The execution's log: print/debug lines, capped so a chatty script can't exhaust memory."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.dropped = 0

    def add(self, line: str) -> None:
        if len(self.lines) >= MAX_LOG_LINES:
            self.dropped += 1
            return
        if len(line) > MAX_LOG_LINE_CHARS:
            line = line[:MAX_LOG_LINE_CHARS] + "…"
        self.lines.append(line)

    def snapshot(self) -> tuple[str, ...]:
        if self.dropped:
            return (*self.lines, f"[{self.dropped} more log lines dropped]")
        return tuple(self.lines)


class _ThreadState(threading.local):
    """Per worker thread: engines by limits, and the running execution's context.

    Building an engine and registering host functions costs far more than a
    small script's run, so each thread keeps one engine per distinct set of
    limits. Host functions are registered once and reach the execution that is
    running on this thread through ``state.kv`` and ``state.logs``.
    """

    def __init__(self) -> None:
        self.engines: dict[ScriptLimits, rhai.Engine] = {}
        self.kv: KvSession | None = None
        self.logs = LogBuffer()


_state = _ThreadState()
_MAX_ENGINES_PER_THREAD = 32


def _engine_for(limits: ScriptLimits) -> rhai.Engine:
    engine = _state.engines.get(limits)
    if engine is None:
        if len(_state.engines) >= _MAX_ENGINES_PER_THREAD:
            _state.engines.clear()
        engine = new_engine(limits)
        engine.on_print(lambda text: _state.logs.add(text))
        engine.on_debug(lambda text, source, position: _state.logs.add(_debug_line(text, position)))
        for name, function in _HOST_FUNCTIONS:
            engine.register_fn(name, function)
        _state.engines[limits] = engine
    return engine


def _kv() -> KvSession:
    if _state.kv is None:
        raise KvError("the KV store is not available to this execution")
    return _state.kv


def _host(method: str) -> Any:
    """A host function forwarding to the running execution's KV session.

    KvError (bad key, value too large, ...) reaches the script as a runtime
    error it can catch; any other failure is the platform's (the database
    is unreachable, say) and ends the run as ErrorSystem, which is retried.
    """

    def call(*args: Any) -> Any:
        try:
            return getattr(_kv(), method)(*args)
        except KvError:
            raise
        except Exception as exc:
            raise rhai.EvalAltResult("ErrorSystem", f"KV store failure: {type(exc).__name__}") from exc

    call.__name__ = method
    return call


def _arity(fn_name: str, count: int) -> Any:
    forward = _host(fn_name)
    if count == 1:
        return lambda a: forward(a)
    if count == 2:
        return lambda a, b: forward(a, b)
    raise ValueError(count)


_HOST_FUNCTIONS = [
    ("kv_get", _arity("kv_get", 1)),
    ("kv_set", _arity("kv_set", 2)),
    ("kv_delete", _arity("kv_delete", 1)),
    ("kv_incr", _arity("kv_incr", 1)),
    ("kv_incr", _arity("kv_incr", 2)),
    ("kv_keys", _arity("kv_keys", 1)),
    ("kv_keys", _arity("kv_keys", 2)),
]


def run_script(
    ast: rhai.AST,
    limits: ScriptLimits,
    timeout_seconds: float,
    variables: dict[str, Any],
    kv: KvSession | None = None,
) -> Outcome:
    """Evaluate ``ast`` with ``variables`` in scope; return what happened.

    ``kv``'s buffered effects are left for the caller to commit with the
    outcome (only a succeeded outcome's effects are ever committed).
    """
    started = time.time()
    logs = _state.logs = LogBuffer()
    _state.kv = kv
    try:
        engine = _engine_for(limits)
        engine.set_time_limit(timeout_seconds)  # the engine polls its own deadline
        scope = rhai.Scope()
        for name, value in variables.items():
            scope.push(name, value)
        value = engine.eval_ast_with_scope(scope, ast)
        kind, payload, error = OutcomeKind.SUCCEEDED, to_json_value(value), None
    except rhai.EvalAltResult as exc:
        kind, payload, error = classify(exc)
    except ConversionError as exc:
        kind, payload, error = OutcomeKind.SCRIPT_FAILURE, None, _failure(str(exc), None)
    except Exception as exc:  # a platform fault, never the script's
        kind, payload, error = OutcomeKind.INTERNAL, None, {"kind": "internal", "message": type(exc).__name__}
    finally:
        _state.kv = None
    return Outcome(kind, payload, error, logs.snapshot(), started, time.time())


def _debug_line(text: str, position: Any) -> str:
    if position and position[0]:
        return f"[{position[0]}:{position[1]}] {text}"
    return text


def classify(exc: rhai.EvalAltResult) -> tuple[OutcomeKind, Any, dict[str, Any]]:
    """Map a Rhai error to an outcome kind, value and the JSON error body."""
    inner = _innermost(exc)
    kind = inner.kind
    position = getattr(inner, "position", None) or getattr(exc, "position", None)
    if kind == "ErrorRuntime":
        thrown = getattr(inner, "value", None)
        try:
            value = to_json_value(thrown)
        except ConversionError:
            value = str(thrown)
        message = thrown if isinstance(thrown, str) else str(inner)
        return OutcomeKind.SCRIPT_ERROR, value, {"kind": "script_error", "message": message, "value": value}
    if kind == "ErrorSystem":
        # An engine or host failure, not the script's fault: retried for async calls.
        return OutcomeKind.INTERNAL, None, {"kind": "internal", "message": str(inner)}
    if kind == "ErrorTerminated":
        return OutcomeKind.TIMEOUT, None, {"kind": "timeout", "message": "script ran past its timeout"}
    if kind in _LIMIT_ERRORS:
        limit = _LIMIT_ERRORS[kind]
        return OutcomeKind.LIMIT_EXCEEDED, None, {"kind": "limit_exceeded", "limit": limit, "message": str(inner)}
    if kind == "ErrorDataTooLarge":
        text = str(inner).lower()
        limit = next((v for k, v in _DATA_TOO_LARGE_LIMITS.items() if k in text), "max_string_size")
        return OutcomeKind.LIMIT_EXCEEDED, None, {"kind": "limit_exceeded", "limit": limit, "message": str(inner)}
    return OutcomeKind.SCRIPT_FAILURE, None, _failure(str(exc), position)


def _innermost(exc: rhai.EvalAltResult) -> rhai.EvalAltResult:
    """Errors raised inside script functions come wrapped in ErrorInFunctionCall."""
    seen = 0
    while exc.kind in ("ErrorInFunctionCall", "ErrorInModule") and seen < 256:
        inner = getattr(exc, "inner", None) or exc.__cause__
        if not isinstance(inner, rhai.EvalAltResult):
            break
        exc = inner
        seen += 1
    return exc


def _failure(message: str, position: Any) -> dict[str, Any]:
    line, column = (position[0], position[1]) if position and position[0] else (None, None)
    return {"kind": "script_failure", "message": message, "line": line, "column": column}
