"""The cached native dispatch (``_cmN``/``_ctN``) must behave exactly like the
generic ``callm``/``callt`` path, on first and repeated calls."""

import pytest

from .conftest import error_of, make_engine, run, same

LOOP = "let r = []; for i in 0..3 {{ r.push({expr}); }} r"

CASES = [
    # same site, changing receiver / argument types
    ('let xs = ["ab", [1, 2], "xyz"]; let r = []; for x in xs { r.push(x.len()) } r', [2, 2, 3]),
    ('let xs = ["abc", "hello"]; let r = []; for x in xs { r.push(x.index_of("l")) } r', [-1, 2]),
    ('let r = []; for x in ["a,b", "c"] { r.push(x.split(",").len()) } r', [2, 1]),
    ('let r = []; for x in ["12", "7"] { r.push(parse_int(x) + 1) } r', [13, 8]),
    # a map property holding a function pointer wins over the native of that name
    ('let r = []; for m in [#{a: 1}, #{len: |x| x * 10}, #{b: 2}] { r.push(m.len(1)) } r', None),
    ('let m = #{a: 1, b: 2}; let r = []; for i in 0..2 { r.push(m.len()) } m.len = || 7; r.push(m.len()); r',
     [2, 2, 7]),
    # write-back natives keep working (not cached)
    ('let r = []; for x in ["  a ", " b"] { let y = x; y.trim(); r.push(y) } r', ["a", "b"]),
    # ctx natives (callbacks)
    ('let r = []; for i in 0..3 { r.push([1, 2, 3].map(|x| x + i)) } r', [[1, 2, 3], [2, 3, 4], [3, 4, 5]]),
    ('let r = []; for i in 0..3 { r.push([3, 1, 2].reduce(|s, x| s + x * i, 0)) } r', [0, 6, 12]),
]


@pytest.mark.parametrize("script,want", CASES)
def test_dispatch(script, want):
    if want is None:
        e = error_of(script)
        assert e.kind == "ErrorFunctionNotFound"
        return
    for _ in range(2):
        assert same(run(script), want)


def test_nonpure_cached_still_checks_sizes():
    e = error_of("let a = [[1, 2, 3]]; for i in 0..10 { let b = a; b.append([1, 2, 3]); a = b; } a.len()",
                 set_max_array_size=8)
    assert e.kind == "ErrorDataTooLarge"


def test_host_function_errors_still_wrapped():
    e = make_engine()
    e.register_fn("boom", lambda x: 1 // 0)
    for _ in range(2):
        with pytest.raises(Exception) as ei:
            e.eval("let r = 0; for i in 0..3 { r += boom(i) } r")
        assert getattr(ei.value, "kind", None) == "ErrorRuntime"


def test_registered_after_first_run_is_seen():
    e = make_engine()
    ast = e.compile('let r = 0; for i in 0..3 { r = "x".to_upper() } r')
    assert e.eval_ast(ast) == "X"
    e.register_fn("to_upper", lambda s: "host", types=(str,))
    assert e.eval_ast(ast) == "host"


@pytest.mark.parametrize("script,want", [
    ('let s = ""; for w in ["a", "bc", "d"] { s += w; s += ","; } s', "a,bc,d,"),
    ('let s = "x"; let t = s; s += "y"; t + s', "xxy"),
    ('let s = "x"; let a = [s]; s += "y"; a[0] + s', "xxy"),
    ('let s = "é"; for i in 0..2 { s += "é"; } s', "ééé"),
])
def test_inplace_string_append(script, want):
    assert run(script) == want
    assert run(script, set_max_string_size=100) == want


def test_inplace_string_append_limit():
    e = error_of('let s = "é"; for i in 0..6 { s += "é"; } s', set_max_string_size=10)
    assert e.kind == "ErrorDataTooLarge"


@pytest.mark.parametrize("script,want", [
    # callbacks called directly (closure / named function of the preferred arity)
    ("[1, 2, 3].map(|x| x * 2)", [2, 4, 6]),
    ("fn dbl(x) { x * 2 } [1, 2, 3].map(dbl)", [2, 4, 6]),
    ("fn dbl(x) { x * 2 } [1, 2, 3].map(Fn(\"dbl\"))", [2, 4, 6]),
    ("[1, 2, 3].map(|x, i| x * i)", [0, 2, 6]),
    ("let k = 3; [1, 2].map(|x| x + k)", [4, 5]),
    ("[1, 2, 3].filter(|x| x != 2)", [1, 3]),
    ("let a = [[1], [2]]; let b = a.filter(|x| true); b[0].push(9); a[0].len()", 1),
    ("let a = [[1], [2]]; let b = a.map(|x| { x.push(5); x }); a[0].len() * 10 + b[0].len()", 12),
    ("let a = [#{v: 1}]; let b = a.filter(|m| m.v == 1); b[0].v = 7; a[0].v", 1),
    ("[1, 2, 3].reduce(|s, x| s + x, 10)", 16),
    ("[[1], [2, 3]].reduce(|s, x| { x.push(0); s + x.len() }, 0)", 5),
    ("let a = [[1]]; a.reduce(|s, x| { x.push(0); s + x.len() }, 0); a[0].len()", 1),
    ("fn add(s, x) { s + x } [1, 2, 3].reduce(add, 0)", 6),
    ("[1, 2, 3].reduce(|s| s + this, 0)", 6),
])
def test_direct_callbacks(script, want):
    assert same(run(script), want)


def test_direct_callback_errors_and_depth():
    e = error_of("[1, 2].map(|x| x / 0)")
    assert e.kind == "ErrorInFunctionCall"
    e = error_of("fn f(x) { [x].map(f) } f(1)", set_max_call_levels=10)
    assert e.kind in ("ErrorStackOverflow", "ErrorInFunctionCall")


@pytest.mark.parametrize("script,want", [
    ("let a = [#{v: 1, w: [1]}]; let b = a.filter(|m| m.v == 1); b[0].w.push(2); a[0].w.len()", 1),
    ("let a = [#{v: 1}]; let b = a.filter(|m| { m.v = 5; true }); a[0].v * 10 + b[0].v", 11),
    ("let a = [#{v: 1}, 3]; let b = a.map(|m| m); b[0].v = 4; a[0].v", 1),
    ("let a = [#{v: [1]}]; let b = a.map(|m| m.v); b[0].push(4); a[0].v.len()", 1),
    ("let a = [#{v: 1}, #{v: 2}]; a.filter(|m| m.v > 1).map(|m| m.v)", [2]),
])
def test_flat_map_elements(script, want):
    assert same(run(script), want)


@pytest.mark.parametrize("script,want", [
    ('let r = []; for x in ["a", \'a\', 1, (), "b"] { r.push(x == "a"); r.push("a" != x) } r',
     [True, False, True, False, False, True, False, True, False, True]),
    ('let a = ["x", [1]]; (a[0] == "x") && ("y" != a[0])', True),
    ('let f = "a,b".split(","); f[0] == "a" && f[1] != "a"', True),
    # copies of values read from elements / properties keep value semantics
    ("let a = [[1], 2]; let m = #{x: a[0], y: a[1]}; m.x.push(5); a[0].len() * 10 + m.x.len()", 12),
    ('let a = ["s", #{k: [1]}]; let b = a[1].k; b.push(2); a[1].k.len()', 1),
])
def test_str_compare_and_copies(script, want):
    assert same(run(script), want)


@pytest.mark.parametrize("script,want", [
    # call-site lookups with constant arguments of every kind
    ('let r = []; for s in ["abc", "xbz"] { r.push(s.index_of("b")); r.push(s.sub_string(1, 1)); '
     'r.push(s.contains(\'z\')); r.push(s.starts_with("x")) } r',
     [1, "b", False, False, 1, "b", True, True]),
    ("let r = []; for x in [1, 2.5] { r.push(max(x, 2)); r.push(x.to_string()) } r", [2, "1", 2.5, "2.5"]),
    ("let r = []; for m in [#{a: 1}, #{b: 2}] { r.push(m.contains(\"a\")); r.push(m.keys().len()) } r",
     [True, 1, False, 1]),
    ("let r = []; for x in [(), 1] { r.push(type_of(x)) } r", ["()", "i64"]),
])
def test_call_site_lookup(script, want):
    assert same(run(script), want)


def test_long_method_chain_still_compiles():
    # the call-site lookup must not nest chains deeper in the Python AST
    e = make_engine(set_max_expr_depths=(0, 0))
    assert e.eval('"a"' + ".to_upper()" * 300 + ".len()") == 1


def test_charged_natives_still_charge():
    e = error_of('let t = ""; for i in 0..200 { t += "x" } let n = 0; '
                 'for i in 0..100 { n += t.index_of("y") } n', set_max_operations=5000)
    assert e.kind == "ErrorTooManyOperations"


@pytest.mark.parametrize("script,want", [
    ('let r = ""; for i in 0..3 { r += "x" + (i % 2 == 0) } r', "xtruexfalsextrue"),
    ('let b = false; let s = "x" + b; s + true', "xfalsetrue"),
    ('let b = true; b + "y"', "truey"),
])
def test_bool_concat(script, want):
    assert run(script) == want
    assert run(script, set_max_string_size=1000) == want


def test_native_call_argument_order():
    out = []
    e = make_engine()
    e.on_print(out.append)
    r = e.eval('fn f(x) { print(x); x } let a = f("abc").index_of(f("b")); '
               'let b = sub_string(f("hello"), f(1), f(2)); '
               'let m = #{s: "xyz"}; let c = m.s.sub_string(f(1)).index_of(f("z")); [a, b, c]')
    assert r == [1, "el", 1]
    assert out == ["abc", "b", "hello", "1", "2", "1", "z"]
