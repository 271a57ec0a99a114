"""Closures given literally to map/filter/some/all/reduce run in place (compiled into a
loop in the caller). Every script here must behave exactly as with the closure called
by the native: same values, same errors (kind, message, position, chain), same limits."""

import pytest

import rhai
from rhai import _compiler

from .conftest import make_engine, same

SCRIPTS = [
    "[1, 2, 3].map(|x| x * 2)",
    "[1, 2, 3].map(|x, i| x * i)",
    "[1, 2, 3].filter(|x| x > 1)",
    "[1, 2, 3].filter(|x, i| i != 1)",
    "[1, 2, 3].filter(|x| 1)",
    "[1, 2, 3].some(|x| x == 2)",
    "[1, 2, 3].some(|x| x == 9)",
    "[1, 2, 3].all(|x| x > 0)",
    "[1, 2, 3].all(|x| x > 1)",
    "[1, 2, 3].all(|x| 5)",
    "[1, 2, 3].reduce(|s, x| s + x, 10)",
    "[1, 2, 3].reduce(|s, x, i| s + x * i, 0)",
    "[1, 2, 3].reduce(|s, x| if s == () { x } else { s + x })",
    "[].reduce(|s, x| s + x, 7)",
    "[].map(|x| x + 1)",
    '["a", "bb", "ccc"].map(|s| s.len())',
    '["a,b", "c,d"].map(|s| s.split(","))',
    '"a,b,,c".split(",").filter(|s| s != "").map(|s| s.to_upper())',
    "let t = 2; [1, 2, 3].filter(|x| x >= t)",
    "let t = 2; let r = [1, 2, 3].map(|x| { let y = x * t; y + 1 }); r",
    "let a = [[1], [2]]; let b = a.map(|x| { x.push(9); x }); [a, b]",
    "let a = [[1], [2]]; let b = a.filter(|x| { x.push(9); true }); [a, b]",
    "let a = [#{n: 1}, #{n: 2}]; let b = a.filter(|r| r.n > 1); b[0].n = 5; [a, b]",
    "let a = [#{n: 1, t: [1]}]; let b = a.map(|r| r.t); b[0].push(3); [a, b]",
    "let a = [1, 2]; let b = a.map(|x| a); b[0].push(3); [a, b]",
    "let c = 0; [1, 2].map(|x| { c += x; c }); c",
    "let a = [1, 2]; a.map(|x| { a.push(x); x }); a",
    "let x = 5; [1, 2].map(|x| x + 1); x",
    "fn f(a) { a.map(|x| x + 1) } f([1, 2])",
    "fn f(a, k) { a.filter(|x| x % k == 0).len() } f([1, 2, 3, 4], 2)",
    "let s = 0; for i in 0..3 { s += [i, i].map(|x| x * 2).reduce(|a, b| a + b, 0); } s",
    "#{a: 1, b: 2}.map(|v| v)",
    "#{a: 1, b: 2}.filter(|k, v| v > 1)",
    "let m = #{a: 1}; let t = 3; m.map(|v| t)",
    '"abc".map(|x| x)',
    "5.filter(|x| true)",
    "[1, 0].map(|x| 10 / x)",
    "[1, 2].map(|x| x.foo())",
    "[1, 2].map(|x| y)",
    "[1, 2].filter(|x| { throw 5; true })",
    "try { [1, 2].map(|x| { throw x; 1 }) } catch (e) { e }",
    "[1, 2].map(|x| this)",
    "[1, 2].map(|a, b, c| 5)",
    "[1, 2].map(|| 5)",
    "let s = 0; [1, 2, 3].some(|x| { s += x; x == 2 }); s",
    "let a = [1, 2, 3]; a.map(|x| a.len())",
    "const K = 4; [1, 2].map(|x| x + K)",
    "let big = 9223372036854775807; [1].map(|x| x + big)",
    '["x", "y"].map(|s| s + "!").reduce(|a, b| a + b, "")',
    '["aXb", "cd"].map(|s| s.index_of("X") + s.sub_string(1, 1).len())',
    '["hello world"].map(|s| [s.contains("o w"), s.starts_with("he"), s.ends_with("x")])',
    '["a", "b"].map(|s| s.sub_string(5))',
    '[#{n: "a"}].map(|r| r.n.contains("a"))',
    '[#{n: 1}].map(|r| r.n.contains("a"))',
    "[1, 2].map(|x| [1, 2].map(|y| x + y))",
]


def outcome(script, inline, **limits):
    saved = _compiler.Compiler.inline_callbacks
    if not inline:
        _compiler.Compiler.inline_callbacks = False
    try:
        return ("ok", make_engine(**limits).eval(script))
    except rhai.EvalAltResult as e:
        chain = []
        while e is not None:
            chain.append((e.kind, str(e), e.position))
            e = getattr(e, "inner", None)
        return ("error", chain)
    finally:
        _compiler.Compiler.inline_callbacks = saved


def assert_same(a, b):
    assert a[0] == b[0], (a, b)
    if a[0] == "ok":
        assert same(a[1], b[1]) or (a[1] == b[1] and type(a[1]) is type(b[1])), (a, b)
    elif a[1][0][0] == "ErrorTooManyOperations":
        # operation counts are approximate (docs/rhai.md): which charge trips may differ
        assert b[1][0][0] == "ErrorTooManyOperations"
    else:
        assert a[1] == b[1]


@pytest.mark.parametrize("script", SCRIPTS)
def test_in_place_callbacks_behave_like_closure_calls(script):
    assert_same(outcome(script, True), outcome(script, False))


@pytest.mark.parametrize("limits", [
    {"set_max_operations": 50}, {"set_max_operations": 200}, {"set_max_call_levels": 2},
    {"set_max_call_levels": 3}, {"set_max_array_size": 5},
])
def test_in_place_callbacks_keep_the_limits(limits):
    scripts = [
        "let a = []; for i in 0..40 { a.push(i) } a.map(|x| x + 1).filter(|x| x > 3).len()",
        "fn f(n) { if n == 0 { [0] } else { [n].map(|x| f(x - 1)) } } f(3)",
        "fn g() { [1, 2].map(|x| x) } fn h() { g() } h()",
        "[1, 2, 3, 4].map(|x| [x, x])",
    ]
    for script in scripts:
        assert_same(outcome(script, True, **limits), outcome(script, False, **limits))


def test_a_host_function_of_the_same_name_is_still_called():
    e = make_engine()
    e.register_fn("map", lambda a, f: "host", (list, None))
    assert e.eval("[1].map(|x| x)") == "host"


def test_hostile_callbacks_in_place_stop_at_the_limits():
    import time

    heavy = "let a = []; a.pad(200000, 1); a.map(|x| { let s = 0; for i in 0..100 { s += i } s }).len()"
    e = make_engine(set_max_operations=1_000_000)
    with pytest.raises(rhai.EvalAltResult) as ei:
        e.eval(heavy)
    assert ei.value.kind == "ErrorTooManyOperations" or ei.value.inner.kind == "ErrorTooManyOperations"
    # a deadline stops a long in-place loop too (the loop checks it every chunk)
    e = make_engine(set_max_operations=10**12, set_time_limit=0.3)
    t = time.monotonic()
    with pytest.raises(rhai.EvalAltResult) as ei:
        e.eval("let a = []; a.pad(1000000, 1); loop { a = a.map(|x| x + 1).filter(|x| x > 0); }")
    assert ei.value.kind == "ErrorTerminated"
    assert time.monotonic() - t < 3
