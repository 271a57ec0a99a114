"""Reference sections 2.2 and 9: print/debug hooks, formatting, timestamps."""

import pytest

import rhai

from ..conftest import error_of, run, same


def capture(src):
    out = []
    e = rhai.Engine()
    e.on_print(lambda s: out.append(("print", s)))
    e.on_debug(lambda s, src_, pos: out.append(("debug", s, src_, tuple(pos) if pos is not None else None)))
    r = e.eval(src)
    return r, out


PRINTS = [
    ('print("hi")', "hi"), ("print(42)", "42"), ("print(1.0)", "1.0"), ("print(1e20)", "1e20"), ("print(())", ""),
    ("print('c')", "c"), ("print(true)", "true"), ('print([1, "a", \'c\', (), 1.5])', '[1, "a", c, (), 1.5]'),
    ("print(#{b: 1, a: [()]})", '#{"a": [()], "b": 1}'), ("print([1e20, 0.00001])", "[1e20, 1e-5]"),
    ("print(blob(3, 0x21))", "[212121]"), ("print(1..=3)", "1..=3"), ('print(Fn("f"))', "Fn(f)"),
    ("print(-0.0)", "0.0"), ("print(0.1 + 0.2)", "0.30000000000000004"), ("print(`x${1 + 1}`)", "x2"),
]


@pytest.mark.parametrize("src,text", PRINTS)
def test_print(src, text):
    r, out = capture(src)
    assert r is None
    assert out == [("print", text)]


DEBUGS = [
    ('debug("hi")', '"hi"'), ("debug(42)", "42"), ("debug('c')", "c"), ("debug(())", "()"), ("debug(1e16)", "1e16"),
    ("debug(-0.0)", "-0.0"), ('debug("a\\tb\\"")', '"a\\tb\\""'), ('debug(["x"])', '["x"]'),
]


@pytest.mark.parametrize("src,text", DEBUGS)
def test_debug(src, text):
    r, out = capture(src)
    assert r is None
    assert out == [("debug", text, None, (1, 1))]


def test_debug_position_is_the_call():
    _, out = capture('let x = 1;\n  debug(x);')
    assert out == [("debug", "1", None, (2, 3))]


def test_print_order_and_functions():
    _, out = capture('fn f(x) { print(x); x } let a = f(1) + f(2); print(a); debug(a)')
    assert [o[1] for o in out] == ["1", "2", "3", "3"]


def test_default_print_and_debug_go_to_stdout(capsys):
    e = rhai.Engine()
    e.run('print("hello"); debug("dbg")')
    captured = capsys.readouterr()
    assert captured.out == 'hello\n1:17 | "dbg"\n'


CONVERSIONS = [
    ("to_string(42)", "42"), ('to_debug("s")', '"s"'), ("to_string([1, [2]])", "[1, [2]]"), ("to_debug(())", "()"),
    ("`${[1.0]}`", "[1.0]"), ('"" + #{a: "x"}', '#{"a": "x"}'), ("42.to_string()", "42"), ("'x'.to_debug()", "x"),
    ("let t = timestamp(); type_of(t)", "timestamp"), ("to_string(timestamp())", "<timestamp>"),
    ("let t = timestamp(); t.elapsed >= 0.0 && elapsed(t) < 5.0", True), ("sleep(0); 1", 1), ("sleep(0.001); 1", 1),
]


@pytest.mark.parametrize("src,want", CONVERSIONS)
def test_conversions(src, want):
    got = run(src)
    assert same(got, want), got


def test_sleep_respects_time_limit():
    assert error_of("sleep(10)", set_time_limit=0.05).kind == "ErrorTerminated"
