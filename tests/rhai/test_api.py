"""Reference section 12: the embedding API."""

import threading

import pytest

import rhai

from .conftest import make_engine


def test_eval_run_compile_reuse():
    e = make_engine()
    assert e.eval("1 + 2") == 3
    assert e.run("let x = 1;") is None
    ast = e.compile("fn sq(x) { x * x } sq(7)")
    assert e.eval_ast(ast) == 49
    assert e.eval_ast(ast) == 49


def test_ast_shared_across_threads():
    e = make_engine(set_max_operations=10_000_000)
    ast = e.compile("let s = 0; for i in 0..20000 { s += i; } s")
    out = []
    ts = [threading.Thread(target=lambda: out.append(e.eval_ast(ast))) for _ in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert out == [sum(range(20000))] * 4


def test_expression_api():
    e = make_engine()
    assert e.eval_expression("1 + 2 * 3") == 7
    with pytest.raises(rhai.EvalAltResult) as ei:
        e.eval_expression("let x = 1;")
    assert ei.value.kind == "ErrorParsing"
    with pytest.raises(rhai.EvalAltResult):
        e.compile_expression("if true { 1 } else { 2 }")


def test_scope_roundtrip():
    e = make_engine()
    scope = rhai.Scope()
    scope.push("x", 40)
    scope.push_constant("K", 2)
    assert e.eval_with_scope(scope, "x + K") == 42
    e.eval_with_scope(scope, "x = 10; let y = x * 2;")
    assert scope.get_value("x") == 10
    assert scope.get_value("y") == 20
    assert e.eval_with_scope(scope, "y + 1") == 21
    with pytest.raises(rhai.EvalAltResult) as ei:
        e.eval_with_scope(scope, "K = 5;")
    assert ei.value.kind == "ErrorAssignmentToConstant"
    assert e.eval_with_scope(scope, "global::K") == 2


def test_call_fn():
    e = make_engine()
    ast = e.compile("fn add(a, b) { a + b } fn hello() { `hi` }")
    assert e.call_fn(ast, "add", 2, 3) == 5
    assert e.call_fn(ast, "hello") == "hi"
    with pytest.raises(rhai.EvalAltResult) as ei:
        e.call_fn(ast, "nope", 1)
    assert ei.value.kind == "ErrorFunctionNotFound"


def test_register_fn():
    e = make_engine()
    e.register_fn("triple", lambda x: x * 3)
    assert e.eval("triple(14)") == 42
    assert e.eval("14.triple()") == 42
    e.register_fn("fail", lambda: 1 / 0)
    with pytest.raises(rhai.EvalAltResult) as ei:
        e.eval("fail()")
    assert ei.value.kind == "ErrorRuntime"
    e.register_fn("pair", lambda a, b: [a, b])
    assert e.eval("pair(1, \"x\")") == [1, "x"]
    e.register_fn("typed", lambda x: "int", types=(int,))
    e.register_fn("typed", lambda x: "str", types=(str,))
    assert e.eval("[typed(1), typed(\"a\")]") == ["int", "str"]


def test_print_and_debug_hooks():
    e = rhai.Engine()
    printed, debugged = [], []
    e.on_print(printed.append)
    e.on_debug(lambda text, src, pos: debugged.append((text, pos)))
    e.eval('print("a"); print(1.0); print([1, "b"]); debug("s"); debug(\'c\')')
    assert printed == ["a", "1.0", '[1, "b"]']
    assert debugged[0] == ('"s"', (1, 42))
    assert debugged[1][0] == "c"


def test_strict_variables():
    e = make_engine(set_strict_variables=True)
    with pytest.raises(rhai.EvalAltResult) as ei:
        e.compile("let x = 1; y")
    assert ei.value.parse_error_type == "VariableUndefined"
    scope = rhai.Scope().push("y", 1)
    assert e.eval_with_scope(scope, "y + 1") == 2


def test_setters_return_engine_and_optimization_level_accepted():
    e = rhai.Engine()
    assert e.set_max_operations(10) is e
    e.set_optimization_level("none")
    e.set_max_expr_depths(10, 5)


def test_value_mapping():
    e = make_engine()
    assert e.eval("()") is None
    assert e.eval("true") is True
    r = e.eval("'x'")
    assert isinstance(r, str) and len(r) == 1 and rhai.type_of(r) == "char"
    assert e.eval("[1, 2.0]") == [1, 2.0]
    assert e.eval("#{a: 1}") == {"a": 1}
    assert isinstance(e.eval("Fn(\"f\")"), rhai.FnPtr)
    assert isinstance(e.eval("blob(2, 1)"), bytearray)


def test_error_hierarchy():
    e = make_engine()
    with pytest.raises(rhai.EvalAltResult) as ei:
        e.eval("1 +")
    assert isinstance(ei.value, rhai.ParseError)
    assert str(ei.value).startswith("Syntax error: ")
    with pytest.raises(rhai.EvalAltResult) as ei:
        e.eval("let a = 1;\nlet b = a / 0;")
    assert ei.value.position == (2, 11)
    assert str(ei.value) == "Division by zero: 1 / 0 (line 2, position 11)"


def test_engine_parse_json_gives_a_map_with_the_engine_limits():
    e = rhai.Engine()
    assert e.parse_json('{"a": 1, "b": [1.5, null, "x"], "c": {"d": true}}') == \
        {"a": 1, "b": [1.5, None, "x"], "c": {"d": True}}
    with pytest.raises(rhai.EvalAltResult) as ei:
        e.parse_json("[1]")
    assert ei.value.kind == "ErrorMismatchOutputType"
    with pytest.raises(rhai.EvalAltResult) as ei:
        e.parse_json("{bad")
    assert ei.value.kind == "ErrorParsing"
    e.set_max_string_size(3)
    with pytest.raises(rhai.EvalAltResult) as ei:
        e.parse_json('{"a": "abcdef"}')
    assert ei.value.kind == "ErrorDataTooLarge"
