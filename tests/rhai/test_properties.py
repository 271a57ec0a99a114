"""Property tests: random token soup never raises anything but a Rhai error and never hangs."""

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rhai

TOKENS = [
    "let", "const", "x", "y", "f", "fn", "if", "else", "while", "loop", "for", "in", "do", "until", "break",
    "continue", "return", "throw", "try", "catch", "switch", "_", "=>", "this", "global", "::", "Fn", "call",
    "curry", "1", "0", "-1", "2.5", "9223372036854775807", '"s"', "'c'", "`a${x}b`", "true", "false", "()",
    "(", ")", "[", "]", "{", "}", "#{", ",", ";", ":", ".", "?.", "?[", "??", "+", "-", "*", "/", "%", "**",
    "<<", ">>", "&", "|", "^", "&&", "||", "!", "==", "!=", "<", "<=", ">", ">=", "=", "+=", "-=", "..", "..=",
    "|x|", "||", "x.len()", "push", "type_of", "print", "is_def_var", "/*", "*/", "//", "\n", "0x", "1e",
]


def make():
    e = rhai.Engine()
    e.set_max_operations(20_000)
    e.set_max_call_levels(16)
    e.set_max_string_size(10_000)
    e.set_max_array_size(1_000)
    e.set_max_map_size(1_000)
    e.set_time_limit(2)
    e.on_print(lambda s: None)
    e.on_debug(lambda *a: None)
    return e


ENGINE = make()


def check(src):
    t0 = time.monotonic()
    try:
        ENGINE.eval(src)
    except rhai.EvalAltResult as ex:
        assert ex.kind.startswith("Error")
        assert ex.kind != "ErrorSystem", (src, ex)
    assert time.monotonic() - t0 < 3


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.sampled_from(TOKENS), max_size=30))
def test_token_soup(tokens):
    check(" ".join(tokens))


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.text(alphabet=st.sampled_from(list("x1(){}[];=+-*/<>!&|.\"'`$#_ \n")), max_size=40))
def test_char_soup(text):
    check(text)


STATEMENTS = [
    "let x = 1;", "x += 1;", "let a = [1, 2];", "a.push(x);", "let s = `v${x}`;", "x = x * 2;",
    "if x > 3 { x -= 1; }", "for i in 0..3 { x += i; }", "let m = #{k: x};", "m.k += 1;",
    "fn g(n) { if n < 1 { 0 } else { g(n - 1) + 1 } }", "x = g(3);", "let c = |v| v + x;",
    "x = c.call(1);", "while x > 100 { x /= 2; }", "try { throw x; } catch (e) { x = 0; }",
    "switch x { 1 => x = 2, 2..5 => x = 3, _ => () }", "let y = x ?? 5;", "x = a.len();", "loop { break; }",
    'eval("x += 1");', 'eval("let e = a;");', "a = a.map(|v| v * 2).filter(|v| v > 1);",
    "let b = a.filter(|v| true); b.push(1);", "for r in a { x += r; }", "m.k = take(x);", "exit(x);",
    "x = g!(2);", 'import "nowhere" as q;', "fn int.twice() { this * 2 }", "x = x.twice();",
]


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.sampled_from(STATEMENTS), max_size=12))
def test_statement_soup(stmts):
    check("let x = 0; let a = []; let m = #{k: 0}; let c = |v| v; " + " ".join(stmts))
