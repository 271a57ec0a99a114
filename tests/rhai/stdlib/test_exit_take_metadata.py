"""exit(), take() and get_fn_metadata_list() (reference sections 4.8 and 9)."""

import pytest

import rhai

from ..conftest import error_of, make_engine, run


def test_exit_ends_the_run_with_its_value_from_any_depth():
    src = "fn f(x) { if x > 2 { exit(x * 10) } f(x + 1) } let r = f(0); r + 1"
    assert run(src) == 30
    assert run("exit(); 5") is None
    assert run('exit("done"); throw "not reached"') == "done"


def test_exit_is_not_caught_by_try():
    assert run("let r = 0; try { exit(7) } catch { r = -1 } r") == 7
    assert run("[1, 2, 3].map(|x| if x == 2 { exit(x) } else { x })") == 2


def test_exit_value_is_returned_by_call_fn_too():
    e = make_engine()
    ast = e.compile("fn f(x) { exit(x + 1); 0 }")
    assert e.call_fn(ast, "f", 41) == 42


def test_exit_leaves_no_scope_changes_behind():
    e = make_engine()
    scope = rhai.Scope()
    assert e.eval_with_scope(scope, "let a = 1; exit(2)") == 2
    assert not scope.contains("a")


def test_take_moves_a_value_out_leaving_unit():
    assert run("let x = [1, 2]; let y = take(x); [x, y]") == [None, [1, 2]]
    assert run("let a = [[1], 2]; let y = take(a[0]); [a, y]") == [[None, 2], [1]]
    assert run("let m = #{k: 5}; [take(m.k), m]") == [5, {"k": None}]
    assert run("take(5)") == 5
    assert run("let s = \"ab\"; let t = take(s); type_of(s) + t") == "()ab"


def test_take_of_a_constant_is_an_error_when_it_runs():
    assert error_of("const C = 1; take(C)").kind == "ErrorAssignmentToConstant"
    assert run("const C = [1]; if false { take(C) } C") == [1]


def test_take_result_is_a_value_not_an_alias():
    assert run("let a = [[1]]; let b = take(a[0]); b.push(2); [a, b]") == [[None], [1, 2]]


def test_fn_metadata_lists_script_functions():
    src = "fn a(x, y) { x } private fn b() { 1 } fn a() { 2 } "
    got = run(src + "get_fn_metadata_list()")
    assert got == [
        {"name": "a", "access": "public", "is_anonymous": False, "params": []},
        {"name": "a", "access": "public", "is_anonymous": False, "params": ["x", "y"]},
        {"name": "b", "access": "private", "is_anonymous": False, "params": []},
    ]
    assert [m["params"] for m in run(src + 'get_fn_metadata_list("a")')] == [[], ["x", "y"]]
    assert run(src + 'get_fn_metadata_list("a", 2)')[0]["params"] == ["x", "y"]
    assert run(src + 'get_fn_metadata_list("zz")') == []
    assert run("get_fn_metadata_list()") == []


@pytest.mark.parametrize("src", ['get_fn_metadata_list(1)', 'exit(1, 2)'])
def test_bad_arguments_are_function_not_found(src):
    assert error_of(src).kind == "ErrorFunctionNotFound"
