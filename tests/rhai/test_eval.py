"""eval(text): runs the text in the calling scope (reference section 5.6)."""

import pytest

from .conftest import error_of, make_engine, run


def _inner_kinds(e):
    kinds = []
    while e is not None:
        kinds.append(e.kind)
        e = e.inner
    return kinds


@pytest.mark.parametrize("src, want", [
    ('let x = 1; eval("x += 41"); x', 42),
    ('let x = 1; eval("let y = x * 10;"); y + 1', 11),
    ('eval("let z = 3; z * z")', 9),
    ('fn f(a) { a * 2 } eval("f(21)")', 42),
    ('fn h(x) { eval("x + 1") } h(4)', 5),
    ('fn h(x) { eval("x = x * 3"); x } h(4)', 12),
    ('let a = [1]; eval("a.push(2)"); a', [1, 2]),
    ('let n = 0; for i in 0..3 { eval("n += i") } n', 3),
    ('let x = 1; eval("let x = 7;"); x', 7),
    ('let m = #{a: 1}; eval("m.a = \\"s\\""); m.a + 1', "s1"),
    ('eval("let q = 2;"); is_def_var("q")', True),
    ('let s = "a"; eval("s += \\"b\\""); s.len()', 2),
])
def test_eval_sees_and_changes_the_calling_scope(src, want):
    assert run(src) == want


def test_static_facts_do_not_survive_eval():
    # x < 10 is known inside the branch; eval makes x large, and the addition must
    # still be checked for overflow
    e = error_of('let x = 5; if x < 10 { eval("x = 9223372036854775807"); x + 1 } else { 0 }')
    assert e.kind == "ErrorArithmetic"
    assert run('let a = [#{n: 1}]; let b = a.filter(|r| true); eval("b[0].n = 5"); a[0].n') == 1


def test_eval_errors_come_wrapped_as_a_call_of_eval():
    e = error_of('eval("1 / 0")')
    assert _inner_kinds(e) == ["ErrorInFunctionCall", "ErrorArithmetic"]
    assert e.fields["function"] == "eval" and e.position.line == 1
    e = error_of('eval("1 +")')
    assert _inner_kinds(e) == ["ErrorInFunctionCall", "ErrorParsing"]
    assert run('let r = 0; try { eval("1 +") } catch { r = 1 } r') == 1
    assert error_of('eval(5)').kind == "ErrorMismatchDataType"


def test_eval_cannot_define_functions_or_change_constants():
    assert _inner_kinds(error_of('eval("fn g() { 1 }")'))[-1] == "ErrorParsing"
    assert _inner_kinds(error_of('const C = 1; eval("C = 2")'))[-1] == "ErrorAssignmentToConstant"


def test_eval_shares_the_run_limits():
    e = error_of('let s = 0; eval("loop { s += 1 }")', set_max_operations=10_000)
    assert "ErrorTooManyOperations" in _inner_kinds(e)
    e = error_of('fn f(n) { eval("f(n + 1)") } f(0)', set_max_call_levels=20)
    assert "ErrorStackOverflow" in _inner_kinds(e)
    e = make_engine(set_max_string_size=10)
    with pytest.raises(Exception) as ei:
        e.eval('let s = "abcdef"; eval("s += s")')
    assert "ErrorDataTooLarge" in _inner_kinds(ei.value)


def test_a_variable_declared_by_eval_in_a_function_stays_in_the_eval():
    # documented difference: Rhai keeps it in the function's scope
    assert error_of('fn h(x) { eval("let q = x;"); q } h(4)').kind == "ErrorInFunctionCall"


def test_eval_in_a_loop_is_charged_and_stops_at_the_deadline():
    import time

    e = make_engine(set_max_operations=10**12, set_time_limit=0.3)
    t = time.monotonic()
    with pytest.raises(Exception) as ei:
        e.eval('let i = 0; loop { i += 1; eval("let x" + i + " = " + i + ";"); }')
    assert "ErrorTerminated" in _inner_kinds(ei.value)
    assert time.monotonic() - t < 3
