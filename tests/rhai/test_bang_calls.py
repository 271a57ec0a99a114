"""foo!(args) and call!(fp, args): script functions run in the caller's scope
(reference section 5.6)."""

import pytest

from .conftest import error_of, run


@pytest.mark.parametrize("src, want", [
    ("fn inc() { x += 1 } let x = 1; inc!(); inc!(); x", 3),
    ("fn peek() { y } let y = 7; peek!()", 7),
    # its own declarations end with it
    ('fn add(n) { total += n; let tmp = 5; } let total = 0; for i in 0..4 { add!(i) } '
     '[total, is_def_var("tmp")]', [6, False]),
    ('fn inc() { x += 1 } let x = 1; let f = Fn("inc"); call!(f); x', 2),
    ('fn inc(by) { x += by } let x = 1; let f = Fn("inc").curry(10); call!(f); x', 11),
    ("fn k() { C } const C = 1; k!()", 1),
    # the caller's static facts do not survive the call (x < 10 here, then a string)
    ('fn g() { x = "s" } let x = 5; if x < 10 { g!(); x + 1 }', "s1"),
    ("fn h(a) { a.push(9); b.push(a.len()) } let a = [1]; let b = []; h!(a); [a, b]", [[1], [2]]),
])
def test_bang_calls_share_the_callers_scope(src, want):
    assert run(src) == want


def test_a_plain_call_does_not_see_the_callers_variables():
    assert error_of("fn peek() { y } let y = 7; peek()").kind == "ErrorInFunctionCall"


@pytest.mark.parametrize("src, kind", [
    ("nope!()", "ErrorFunctionNotFound"),
    ("fn k() { C = 2 } const C = 1; k!()", "ErrorInFunctionCall"),
    ("let f = |x| x; call!(f, 1)", "ErrorFunctionNotFound"),
])
def test_bang_call_errors(src, kind):
    assert error_of(src).kind == kind


def test_a_caller_variable_shadowing_a_scope_variable_keeps_the_scope_one_apart():
    import rhai

    e = rhai.Engine()
    scope = rhai.Scope().push("x", 1)
    assert e.eval_with_scope(scope, "fn f() { x += 1 } let r = 0; { let x = 10; f!(); r = x; } r") == 11
    assert scope.get_value("x") == 1
