"""Typed methods: fn int.double() { ... } (reference section 5.1)."""

import pytest

from .conftest import error_of, run


@pytest.mark.parametrize("src, want", [
    ("fn int.double() { this * 2 } 21.double()", 42),
    ("fn float.half() { this / 2.0 } 3.0.half()", 1.5),
    ('fn "string".shout() { this.to_upper() + "!" } "hi".shout()', "HI!"),
    ("fn map.total() { this.a + this.b } #{a: 1, b: 2}.total()", 3),
    ("fn array.second() { this[1] } [5, 6].second()", 6),
    ("fn int.f(a) { this + a } fn float.f(a) { this * a } [1.f(2), 1.5.f(2.0)]", [3, 3.0]),
    # an untyped method of the same name and arity is the fallback
    ('fn int.d() { this * 2 } fn d() { "any" } [21.d(), "x".d()]', [42, "any"]),
    # this is passed by reference
    ("fn int.inc() { this += 1 } let x = 1; x.inc(); x.inc(); x", 3),
    ("fn array.add(v) { this.push(v) } let a = [1]; a.add(2); a", [1, 2]),
    # a typed method does not hide the built-in of the same name for other types
    ("fn int.push(x) { 99 } let a = [1]; a.push(2); [a, 3.push(1)]", [[1, 2], 99]),
    ('fn i.x() { 1 } fn int.len() { 7 } [5.len(), "abc".len(), [1].len()]', [7, 3, 1]),
])
def test_typed_methods_are_chosen_by_the_receiver_type(src, want):
    assert run(src) == want


def test_typed_methods_are_for_method_calls_on_their_type_only():
    e = error_of('fn int.double() { this * 2 } "x".double()')
    assert e.kind == "ErrorFunctionNotFound"
    e = error_of("fn int.double() { this * 2 } double(3)")
    assert e.kind == "ErrorFunctionNotFound"


def test_is_def_fn_and_metadata_know_typed_methods():
    src = "fn int.d() { this * 2 } "
    assert run(src + '[is_def_fn("i64", "d", 0), is_def_fn("int", "d", 0), is_def_fn("d", 0)]') == \
        [True, False, False]
    assert run(src + "get_fn_metadata_list()") == [
        {"name": "d", "access": "public", "is_anonymous": False, "params": [], "this_type": "i64"}]


def test_typed_method_errors_and_duplicates():
    e = error_of("fn int.bad() { this / 0 }\n1.bad()")
    assert e.kind == "ErrorInFunctionCall" and "in call to function 'bad'" in str(e)
    assert e.position.line == 2
    assert error_of("fn int.x() { 1 } fn int.x() { 2 }").parse_error_type == "FnDuplicatedDefinition"
    assert run("fn int.x() { 1 } fn float.x() { 2 } fn x() { 3 } [1.x(), 1.0.x(), true.x()]") == [1, 2, 3]


def test_a_typed_method_named_like_a_builtin_keeps_element_sharing_sound():
    # sort is a method that never changes elements; a typed sort may
    src = ("fn array.sort() { this[0].n = 9 } let a = [#{n: 1}]; "
           "let b = a.filter(|r| true); b.sort(); [a[0].n, b[0].n]")
    assert run(src) == [1, 9]
    src = 'fn array.map(f) { "mine" } [1, 2].map(|x| x * 2)'
    assert run(src) == "mine"
