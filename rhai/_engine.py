"""``Engine`` and ``AST``: the embedding API."""

from __future__ import annotations

import threading

from ._builtins import default_registry
from ._compiler import compile_program
from ._context import RunCtx
from ._errors import EvalAltResult, ParseError, Position, err
from ._parser import parse, parse_expression
from ._registry import ANY, Registry
from ._runtime import fix_pos
from ._scope import Scope
from ._values import INT_MAX, INT_MIN, Char, FnPtr, Range

__all__ = ["Engine", "AST"]


class AST:
    """A compiled script. Holds no per-run state; safe to share across threads."""

    def __init__(self, program, source_text=None):
        self._program = program
        self._codes = {}
        self._lock = threading.Lock()
        self.source = source_text

    def _code(self, engine, scope_names=()):
        key = engine._codegen_key(scope_names)
        code = self._codes.get(key)
        if code is None:
            code = engine._compile_program(self._program, scope_names)
            with self._lock:
                self._codes[key] = code
        return code

    def iter_functions(self):
        return [(fd.name, list(fd.params)) for fd in self._program.fns.values() if "\0" not in fd.name]


class FileModuleResolver:
    """Module sources from ``<base>/<path>.rhai``; a path leaving ``base`` (``..``,
    absolute paths, links out) is not found."""

    def __init__(self, base, extension=".rhai"):
        import os
        self.base = os.path.realpath(base)
        self.extension = extension

    def __call__(self, path):
        import os
        full = os.path.realpath(os.path.join(self.base, path + self.extension))
        if not full.startswith(self.base + os.sep) or not os.path.isfile(full):
            return None
        with open(full, encoding="utf-8") as fh:
            return fh.read()


def _default_print(text):
    print(text)


def _default_debug(text, source, pos):
    print(f"{pos} | {text}" if pos is not None else text)


class Engine:
    def __init__(self):
        self._registry = Registry(default_registry())
        self._max_operations = 0
        self._max_call_levels = 64
        self._max_expr_depth = 64
        self._max_fn_expr_depth = 32
        self._max_string_size = 0
        self._max_array_size = 0
        self._max_map_size = 0
        self._max_variables = None
        self._max_functions = None
        self._max_modules = None
        self._module_resolver = None  # path -> source text (None: no module can be imported)
        self._modules = {}  # (path, source) -> compiled module script
        self._strict = False
        self._time_limit = None
        self._on_progress = None
        self._print = _default_print
        self._debug = _default_debug
        self._optimization_level = "simple"

    # ------------------------------------------------------------ options
    def set_max_operations(self, n):
        self._max_operations = int(n or 0)
        return self

    def set_max_call_levels(self, n):
        self._max_call_levels = int(n)
        return self

    def set_max_expr_depths(self, expr, fn_expr):
        self._max_expr_depth = int(expr or 0)
        self._max_fn_expr_depth = int(fn_expr or 0)
        return self

    def set_max_string_size(self, n):
        self._max_string_size = int(n or 0)
        return self

    def set_max_array_size(self, n):
        self._max_array_size = int(n or 0)
        return self

    def set_max_map_size(self, n):
        self._max_map_size = int(n or 0)
        return self

    def set_max_variables(self, n):
        self._max_variables = None if n is None else int(n)
        return self

    def set_max_functions(self, n):
        self._max_functions = None if n is None else int(n)
        return self

    def set_max_modules(self, n):
        """At most ``n`` different modules imported by one run (``ErrorTooManyModules``)."""
        self._max_modules = None if n is None else int(n)
        return self

    def set_module_resolver(self, resolver):
        """``resolver(path) -> str | None``: the source of the module script ``import path``
        names (None: ``ErrorModuleNotFound``). Without one, no script can import anything;
        :class:`FileModuleResolver` reads ``<path>.rhai`` files below a folder."""
        self._module_resolver = resolver
        return self

    def set_strict_variables(self, flag):
        self._strict = bool(flag)
        return self

    def set_optimization_level(self, level):
        self._optimization_level = level
        return self

    def set_time_limit(self, seconds):
        """Wall-clock budget per run (None = unlimited); exceeding it raises ErrorTerminated."""
        self._time_limit = seconds
        return self

    def max_operations(self):
        return self._max_operations

    def max_call_levels(self):
        return self._max_call_levels

    # ------------------------------------------------------------ callbacks
    def on_print(self, fn):
        self._print = fn
        return self

    def on_debug(self, fn):
        self._debug = fn
        return self

    def parse_json(self, text, has_null=True):
        """A JSON object as a Rhai map, as the script function ``parse_json`` gives it
        (same size limits; ``null`` is ``()`` whatever ``has_null`` says)."""
        from ._builtins.json import parse_json
        ctx = RunCtx(self)
        ctx.make_globals()  # (sets up the operation counter the parser charges)
        try:
            return _guard(lambda: parse_json(ctx, 0, text))
        except EvalAltResult as e:
            raise e.with_traceback(None) from None

    def on_progress(self, fn):
        self._on_progress = fn
        return self

    def register_fn(self, name, fn, types=None, *, by_ref=False, pure=True):
        """Register a Python callable. ``types``: tuple of Python types per parameter
        (``None`` = any); default: any type, arity from the signature."""
        if types is None:
            import inspect
            try:
                params = [p for p in inspect.signature(fn).parameters.values()
                          if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
                types = (ANY,) * len(params)
            except (TypeError, ValueError):
                types = (ANY,)
        types = tuple(_host_type(t) for t in types)
        self._registry.register(name, types, fn, by_ref=by_ref, pure=pure, host=True, first=True)
        return self

    # ------------------------------------------------------------ compile
    def _limits(self):
        return dict(max_expr_depth=self._max_expr_depth, max_fn_expr_depth=self._max_fn_expr_depth,
                    max_functions=self._max_functions, max_string_size=self._max_string_size,
                    max_array_size=self._max_array_size, max_map_size=self._max_map_size)

    def _compile_program(self, program, scope_names=()):
        """A parsed program as a code object, with this engine's settings."""
        return compile_program(
            program, self._registry, strict=self._strict, scope_names=scope_names,
            max_variables=self._max_variables, max_array_size=self._max_array_size,
            max_string_size=self._max_string_size, max_map_size=self._max_map_size,
            max_call_levels=self._max_call_levels)

    def _codegen_key(self, scope_names):
        return (self._strict, tuple(sorted(scope_names)) if self._strict else (), self._max_variables,
                self._max_array_size, self._max_string_size, self._max_map_size, self._max_call_levels,
                self._registry.codegen_names)

    def compile(self, script, scope=None):
        prog = _guard(lambda: parse(script, **self._limits()))
        ast = AST(prog, script)
        names = _scope_names(scope)
        _guard(lambda: ast._code(self, names))
        return ast

    compile_with_scope = lambda self, scope, script: self.compile(script, scope)  # noqa: E731

    def compile_expression(self, script, scope=None):
        prog = _guard(lambda: parse_expression(script, **self._limits()))
        ast = AST(prog, script)
        _guard(lambda: ast._code(self, _scope_names(scope)))
        return ast

    # ------------------------------------------------------------ run
    def eval(self, script, scope=None):
        return self.eval_ast(self.compile(script, scope), scope)

    def run(self, script, scope=None):
        self.eval(script, scope)

    def eval_with_scope(self, scope, script):
        return self.eval(script, scope)

    def run_with_scope(self, scope, script):
        self.eval(script, scope)

    def eval_expression(self, script, scope=None):
        return self.eval_ast(self.compile_expression(script, scope), scope)

    eval_expression_with_scope = lambda self, scope, script: self.eval_expression(script, scope)  # noqa: E731

    def eval_ast(self, ast, scope=None):
        return self._run(ast, scope)

    def eval_ast_with_scope(self, scope, ast):
        return self._run(ast, scope)

    def run_ast(self, ast, scope=None):
        self._run(ast, scope)

    def run_ast_with_scope(self, scope, ast):
        self._run(ast, scope)

    def call_fn(self, ast, name, *args, scope=None, eval_ast=True, rewind_scope=True, this=None):
        if scope is None:
            scope = Scope()
        mark = len(scope)
        try:
            def go(ctx, g):
                if eval_ast:
                    _finish(ctx, g["_main"](0), scope)
                fn = ctx.fns.get((name, len(args)))
                if fn is None:
                    raise err("ErrorFunctionNotFound",
                              f"Function not found: {name} ({', '.join(_sig(a) for a in args)})", function=name)
                ctx.fn_scope, _ = scope._snapshot()
                from ._runtime import UNB, WB
                r = fn(1, UNB if this is None else self._to_rhai(this), *[self._to_rhai(a) for a in args])
                return r.r if type(r) is WB else r
            return self._execute(ast, scope, go)
        finally:
            if rewind_scope:
                scope.rewind(mark)

    def _run(self, ast, scope):
        def go(ctx, g):
            return _finish(ctx, g["_main"](0), scope)
        return self._execute(ast, scope, go)

    def _execute(self, ast, scope, go):
        names = _scope_names(scope)
        code = _guard(lambda: ast._code(self, names))
        if scope is not None:
            dyn, consts = scope._snapshot()
            dyn = {k: self._to_rhai(v) for k, v in dyn.items()}
        else:
            dyn, consts = {}, set()
        ctx = RunCtx(self, dyn, consts)
        ctx.scope = scope
        ctx.program_fns = ast._program.fns
        g = ctx.make_globals()
        try:
            exec(code, g)
            ctx.fns = g["_FNS"]
            result = go(ctx, g)
        except EvalAltResult as e:
            if e.kind == "Exit":  # exit(value): the run's result (no scope write-back)
                return e.value
            fix_pos(e)
            raise e.with_traceback(None) from None
        except RecursionError:
            raise err("ErrorStackOverflow", "Stack overflow", Position.NONE) from None
        except MemoryError:
            raise err("ErrorDataTooLarge", "Memory exhausted", Position.NONE, type="Memory") from None
        except Exception as ex:  # an engine bug must not leak a Python exception
            raise err("ErrorSystem", f"System error: {type(ex).__name__}: {ex}", Position.NONE) from None
        return result

    # ------------------------------------------------------------ conversions
    def _to_rhai(self, v):
        t = type(v)
        if t in (int, float, str, Char, type(None), FnPtr, Range, bytearray):
            if t is int and not INT_MIN <= v <= INT_MAX:
                raise err("ErrorArithmetic", f"Integer overflow: {v}")
            return v
        if t is bool:
            return v
        if isinstance(v, bool):
            return bool(v)
        if isinstance(v, int):
            return int(v)
        if isinstance(v, float):
            return float(v)
        if isinstance(v, str):
            return str(v)
        if isinstance(v, (list, tuple)):
            return [self._to_rhai(x) for x in v]
        if isinstance(v, dict):
            return {str(k): self._to_rhai(x) for k, x in v.items()}
        if isinstance(v, (bytes, bytearray)):
            return bytearray(v)
        return v

    _from_host = _to_rhai


def _finish(ctx, res, scope):
    value, top, consts = res
    top = {k: v for k, v in top.items() if not k.endswith("::")}  # (module aliases)
    if scope is not None:
        for k, v in ctx.dyn.items():
            if scope.contains(k) and not scope.is_constant(k):
                scope.set_value(k, v)
        for k, v in top.items():
            if type(v).__name__ == "Shared":
                v = v.v
            if k in consts:
                scope.push_constant(k, v)
            else:
                scope.push(k, v)
    return value


def _host_type(t):
    if t is None or t is ANY:
        return None
    if t is str:
        return (str,)
    if t is int:
        return int
    return t


def _sig(v):
    from ._registry import sig_name
    return sig_name(v)


def _scope_names(scope):
    if scope is None:
        return ()
    return tuple(n for n, _, _ in scope.iter())


def _guard(fn):
    """Run a compile step so that Python recursion limits surface as Rhai errors."""
    try:
        return fn()
    except EvalAltResult:
        raise
    except RecursionError:
        raise ParseError("ExprTooDeep", "Expression exceeds maximum complexity", Position.NONE) from None
    except MemoryError:
        raise ParseError("ExprTooDeep", "Expression exceeds maximum complexity", Position.NONE) from None
    except Exception as ex:  # an engine bug must not leak a Python exception
        raise err("ErrorSystem", f"System error: {type(ex).__name__}: {ex}", Position.NONE) from None
