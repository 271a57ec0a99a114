"""Reference section 11: sandbox limits against hostile scripts."""

import threading
import time

import pytest

import rhai

from .conftest import error_of, make_engine, run

HOSTILE = [
    ("loop {}", dict(set_max_operations=10_000), "ErrorTooManyOperations"),
    ("while true {}", dict(set_max_operations=10_000), "ErrorTooManyOperations"),
    ("let i = 0; do { i += 1; } while true;", dict(set_max_operations=10_000), "ErrorTooManyOperations"),
    ("for i in 0..1000000000 {}", dict(set_max_operations=10_000), "ErrorTooManyOperations"),
    ("fn f(n) { f(n + 1) } f(0)", {}, "ErrorStackOverflow"),
    ("fn f(n) { f(n + 1) + f(n + 2) } f(0)", dict(set_max_call_levels=10), "ErrorStackOverflow"),
    ("let f = |g| g.call(g); f.call(f)", {}, "ErrorStackOverflow"),
    ("fn f(n) { if n == 0 { 0 } else { f(n - 1) + f(n - 1) } } f(40)", dict(set_max_operations=50_000),
     "ErrorTooManyOperations"),
    ("let s = \"x\"; loop { s += s }", dict(set_max_string_size=100_000), "ErrorDataTooLarge"),
    ("let s = \"x\"; loop { s = s + s }", dict(set_max_string_size=100_000), "ErrorDataTooLarge"),
    ("let a = []; loop { a.push(1) }", dict(set_max_array_size=1000), "ErrorDataTooLarge"),
    ("let a = [1]; loop { a += a }", dict(set_max_array_size=1000), "ErrorDataTooLarge"),
    ("let a = [1]; loop { a = a + a }", dict(set_max_array_size=1000), "ErrorDataTooLarge"),
    ("let m = #{}; let i = 0; loop { m[`k${i}`] = 1; i += 1; }", dict(set_max_map_size=100), "ErrorDataTooLarge"),
    ("loop {}", dict(set_time_limit=0.2), "ErrorTerminated"),
    ("fn f() { loop {} } f()", dict(set_time_limit=0.2), "ErrorTerminated"),
]


@pytest.mark.parametrize("src,limits,kind", HOSTILE)
def test_hostile_scripts_end_quickly(src, limits, kind):
    t0 = time.monotonic()
    e = error_of(src, **limits)
    assert e.kind == kind
    assert time.monotonic() - t0 < 5


def test_exact_operation_budget():
    e = make_engine(set_max_operations=100)
    assert e.eval("let n = 0; for i in 0..50 { n += 1; } n") == 50
    with pytest.raises(rhai.EvalAltResult) as ei:
        e.eval("let n = 0; for i in 0..500 { n += 1; } n")
    assert ei.value.kind == "ErrorTooManyOperations"


def test_call_levels_boundary():
    e = make_engine(set_max_call_levels=10)
    src = "fn f(n) { if n == 0 { 0 } else { 1 + f(n - 1) } } f(%d)"
    assert e.eval(src % 9) == 9
    with pytest.raises(rhai.EvalAltResult) as ei:
        e.eval(src % 12)
    assert ei.value.kind == "ErrorStackOverflow"


def test_deep_recursion_limit_never_leaks_recursion_error():
    e = make_engine(set_max_call_levels=1_000_000)
    with pytest.raises(rhai.EvalAltResult) as ei:
        e.eval("fn f(n) { f(n + 1) } f(0)")
    assert ei.value.kind == "ErrorStackOverflow"


def test_expression_depth_at_parse_time():
    e = error_of("(" * 100 + "1" + ")" * 100)
    assert e.parse_error_type == "ExprTooDeep"
    assert run("(" * 20 + "1" + ")" * 20) == 1
    e = error_of("(" * 100000 + "1" + ")" * 100000, set_max_expr_depths=(0, 0))
    assert e.kind == "ErrorParsing"


def test_fn_expression_depth():
    e = error_of("fn f() { " + "(" * 40 + "1" + ")" * 40 + " }")
    assert e.parse_error_type == "ExprTooDeep"


def test_max_variables_and_functions():
    assert error_of("let a = 1; let b = 2; let c = 3;", set_max_variables=2).kind == "ErrorTooManyVariables"
    assert error_of("fn a() {} fn b() {}", set_max_functions=1).parse_error_type == "TooManyFunctions"
    assert error_of("let f = || 1; let g = || 2;", set_max_functions=1).parse_error_type == "TooManyFunctions"


def test_literal_too_large():
    assert error_of('"' + "x" * 50 + '"', set_max_string_size=10).parse_error_type == "LiteralTooLarge"
    assert error_of("[1, 2, 3]", set_max_array_size=2).parse_error_type == "LiteralTooLarge"


def test_limit_errors_are_not_catchable():
    e = error_of("try { loop {} } catch { 1 }", set_max_operations=1000)
    assert e.kind == "ErrorTooManyOperations"
    e = error_of("fn f() { f() } try { f() } catch { 1 }")
    assert e.kind == "ErrorStackOverflow"


def test_progress_callback_terminates():
    e = make_engine()
    seen = []

    def progress(ops):
        seen.append(ops)
        return "stop" if ops > 5000 else None

    e.on_progress(progress)
    with pytest.raises(rhai.EvalAltResult) as ei:
        e.eval("loop {}")
    assert ei.value.kind == "ErrorTerminated"
    assert ei.value.fields["token"] == "stop"
    assert seen and seen == sorted(seen)


def test_limits_hold_in_worker_threads():
    results = []

    def work():
        try:
            make_engine(set_max_operations=20_000).eval("fn f(n) { f(n + 1) } loop { }")
        except rhai.EvalAltResult as ex:
            results.append(ex.kind)

    ts = [threading.Thread(target=work) for _ in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(10)
    assert results == ["ErrorTooManyOperations"] * 4


def test_no_python_reachable():
    for src in ["__import__", "__builtins__", "type", "len", "_tick", "v_x", "this_", "_C"]:
        assert error_of(src).kind in ("ErrorVariableNotFound", "ErrorParsing", "ErrorUnboundThis")
    for src in ['let s = "a"; s.__class__', '"a".upper()', "[].append(1)", "1.__class__"]:
        assert error_of(src).kind in ("ErrorDotExpr", "ErrorFunctionNotFound", "ErrorParsing")


def test_call_levels_boundary_inlined_pairs():
    """Two inlined calls in one expression share a depth check: the boundary is the same
    as for a function that is not inlined (``return`` prevents inlining)."""
    e = make_engine(set_max_call_levels=10)
    inl = "fn f(n) { if n < 2 { n } else { f(n - 1) + f(n - 2) } } f(%d)"
    ref = "fn f(n) { if n < 2 { return n; } f(n - 1) + f(n - 2) } f(%d)"

    def outcome(src):
        try:
            return e.eval(src)
        except rhai.EvalAltResult as ex:
            while ex.kind == "ErrorInFunctionCall":
                ex = ex.inner
            return ex.kind
    got = [outcome(inl % n) for n in range(6, 14)]
    assert got == [outcome(ref % n) for n in range(6, 14)]
    assert "ErrorStackOverflow" in got and 55 in got
