"""Reference section 5: functions, methods, pointers, closures."""

import pytest

from .conftest import error_of, run, same

VALUES = [
    ("fn add(a, b) { a + b } add(1, 2)", 3),
    ("fn add(a, b) { a + b } fn add(a) { a + 100 } add(1, 2) + add(1)", 104),
    ("fn f() { 42; } f()", 42),
    ("fn f() { } f()", None),
    ("fn f(x,) { x } f(1,)", 1),
    ("f(); fn f() { 7 }", 7),
    ("fn fib(n) { if n < 2 { n } else { fib(n - 1) + fib(n - 2) } } fib(20)", 6765),
    ("fn f(n) { if n == 0 { return 0; } n + f(n - 1) } f(10)", 55),
    ("fn f(a) { a.push(1); a } let x = []; f(x); x", []),
    ("fn f(a) { a = 5; } let x = 1; f(x); x", 1),
    ("fn inc() { this += 1; } let x = 5; x.inc(); x", 6),
    ("fn add(n) { this.push(n); } let a = []; a.add(1); a.add(2); a", [1, 2]),
    ("fn set_v(v) { this.v = v; } let m = #{}; m.set_v(3); m.v", 3),
    ("fn name() { this + \"!\" } \"hi\".name()", "hi!"),
    ("fn len(x) { 99 } len([1, 2])", 99),
    ("let a = [1, 2]; push(a, 3); a", [1, 2, 3]),
    ("const A = [1]; push(A, 2); A", [1]),
    # function pointers
    ("let f = Fn(\"abs\"); f.call(-3)", 3),
    ("fn dbl(x) { x * 2 } let f = dbl; f.call(4)", 8),
    ("fn dbl(x) { x * 2 } call(Fn(\"dbl\"), 5)", 10),
    ("fn add(a, b) { a + b } let f = Fn(\"add\").curry(10); f.call(5)", 15),
    ("fn add(a, b) { a + b } let f = curry(Fn(\"add\"), 1); call(f, 2)", 3),
    ("Fn(\"foo\").name", "foo"),
    ("type_of(Fn(\"foo\"))", "Fn"),
    ("to_string(Fn(\"foo\"))", "Fn(foo)"),
    ("fn m() { this * 2 } let f = Fn(\"m\"); 21.call(f)", 42),
    # closures
    ("let f = |x| x + 1; f.call(1)", 2),
    ("let f = || 5; f.call()", 5),
    ("let f = |a, b| { let c = a * b; c + 1 }; f.call(2, 3)", 7),
    ("let x = 10; let f = |y| x + y; x = 20; f.call(1)", 21),
    ("let x = 10; let f = || { x += 1; x }; f.call(); x", 11),
    ("let a = []; for i in 0..3 { a.push(|| i); } a.map(|f| f.call())", [2, 2, 2]),
    ("let a = []; for i in 0..3 { let y = i; a.push(|| y); } a.map(|f| f.call())", [0, 1, 2]),
    ("fn mk() { let n = 0; || { n += 1; n } } let c = mk(); c.call(); c.call()", 2),
    ("let x = 1; let f = || { let g = || x * 10; g.call() }; f.call()", 10),
    ("let f = |x| x; f.is_anonymous", True),
    ("let m = #{v: 1, bump: |n| this.v += n}; m.bump(5); m.v", 6),
    ("[1, 2, 3].map(|x| x * 2)", [2, 4, 6]),
    ("[1, 2, 3].map(|x, i| x * i)", [0, 2, 6]),
    ("[1, 2, 3, 4].filter(|x| x % 2 == 0)", [2, 4]),
    ("[1, 2, 3].reduce(|s, x| s + x, 0)", 6),
    ("let a = [1, 2]; a.for_each(|| this *= 10); a", [10, 20]),
    ("let x = 1; let f = || x; let x = 2; f.call()", 1),
    ("is_shared(1)", False),
]


@pytest.mark.parametrize("src,want", VALUES)
def test_values(src, want):
    assert same(run(src), want)


ERRORS = [
    ("fn f() { x } let x = 1; f()", "ErrorInFunctionCall"),
    ("let f = |x| x; f(1)", "ErrorFunctionNotFound"),
    ("fn f(a) { a } f(1, 2)", "ErrorFunctionNotFound"),
    ("undefined_fn(1, \"a\")", "ErrorFunctionNotFound"),
    ("Fn(\"1abc\")", "ErrorFunctionNotFound"),
    ("[1,2,3].reduce(|s, x| s + x)", "ErrorInFunctionCall"),
    ("let f = |x| x; f.call()", "ErrorFunctionNotFound"),
    ("const A = [1]; A.push(2);", "ErrorNonPureMethodCallOnConstant"),
    ("let f = || missing_var; f.call()", "ErrorInFunctionCall"),
]


@pytest.mark.parametrize("src,kind", ERRORS)
def test_errors(src, kind):
    assert error_of(src).kind == kind


def test_function_not_found_signature():
    e = error_of("undefined_fn(1, \"a\")")
    assert e.message == "Function not found: undefined_fn (i64, &str | ImmutableString | String)"


def test_in_function_call_message():
    e = error_of("fn f(x) { x / 0 }\nf(1)")
    assert e.kind == "ErrorInFunctionCall"
    assert e.message.startswith("Division by zero: 1 / 0 (line 1, position")
    assert e.message.endswith("in call to function 'f'")
    assert e.position[0] == 2
    assert e.inner.kind == "ErrorArithmetic"


def test_thrown_value_unwrapped_through_calls():
    assert run("fn f() { throw 7; } let r = 0; try { f(); } catch (e) { r = e; } r") == 7


FN_PARSE_ERRORS = [
    ("fn f() {} fn f() {}", "FnDuplicatedDefinition"),
    ("fn f(a, a) {}", "FnDuplicatedParam"),
    ("{ fn f() {} }", "WrongFnDefinition"),
    ("fn f() { fn g() {} }", "WrongFnDefinition"),
    ("fn () {}", "FnMissingName"),
    ("fn f {}", "FnMissingParams"),
    ("fn f()", "FnMissingBody"),
    ("fn print() {}", "Reserved"),
    ("let Fn = 1;", "Reserved"),
]


@pytest.mark.parametrize("src,kind", FN_PARSE_ERRORS)
def test_parse_errors(src, kind):
    e = error_of(src)
    assert e.parse_error_type == kind


def test_duplicate_message():
    assert error_of("fn f(x) {} fn f(y) {}").message == "Function f with 1 parameter already exists"
