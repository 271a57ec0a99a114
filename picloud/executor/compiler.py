"""Compiling script sources: the one place the platform turns text into code.

Scripts are compiled at upload (so a syntax error is refused with its
position and nothing is stored) and the compiled form is cached per script
version, so the first call is as fast as later ones.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import attrs
import rhai

from .limits import ScriptLimits


class CompileError(ValueError):
    def __init__(self, message: str, line: int | None, column: int | None):
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column

    def to_json(self) -> dict:
        return {"kind": "compile_error", "message": self.message, "line": self.line, "column": self.column}


def _position(error: BaseException) -> tuple[int | None, int | None]:
    position = getattr(error, "position", None)
    if not position or position[0] == 0:  # Rhai's Position.NONE is (0, 0)
        return None, None
    return position[0], position[1]


def new_engine(limits: ScriptLimits) -> rhai.Engine:
    """An engine with a script's limits applied (used to compile and to run)."""
    engine = rhai.Engine()
    engine.set_max_operations(limits.max_operations)
    engine.set_max_call_levels(limits.max_call_levels)
    engine.set_max_expr_depths(limits.max_expr_depth, limits.max_expr_depth)
    engine.set_max_string_size(limits.max_string_size)
    engine.set_max_array_size(limits.max_array_size)
    engine.set_max_map_size(limits.max_map_size)
    return engine


def compile_source(source: str, limits: ScriptLimits) -> rhai.AST:
    """Compile or raise :class:`CompileError` with Rhai's message and position."""
    try:
        return new_engine(limits).compile(source)
    except rhai.EvalAltResult as error:
        line, column = _position(error)
        raise CompileError(getattr(error, "message", None) or str(error), line, column) from error


@attrs.frozen
class ScriptKey:
    name: str
    version: int


class CompiledCache:
    """Compiled ASTs by script version, least recently used evicted.

    Thread-safe: executor worker threads read it while uploads fill it.
    """

    def __init__(self, capacity: int = 512):
        self._capacity = capacity
        self._items: OrderedDict[ScriptKey, rhai.AST] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: ScriptKey) -> rhai.AST | None:
        with self._lock:
            ast = self._items.get(key)
            if ast is not None:
                self._items.move_to_end(key)
            return ast

    def put(self, key: ScriptKey, ast: rhai.AST) -> None:
        with self._lock:
            self._items[key] = ast
            self._items.move_to_end(key)
            while len(self._items) > self._capacity:
                self._items.popitem(last=False)
