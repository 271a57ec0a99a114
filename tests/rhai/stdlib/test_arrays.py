"""Reference section 8.1: array functions and callback conventions."""

import pytest

from ..conftest import error_of, run, same

VALUES = [
    ("[1, 2, 3].len()", 3), ("[1, 2, 3].len", 3), ("[].is_empty()", True), ("[1].is_empty", False),
    ("let a = [1]; a.push(2); a", [1, 2]), ("let a = [1]; push(a, 2); a", [1, 2]),
    ("let a = [1]; a.append([2, 3]); a", [1, 2, 3]), ("let a = [1]; a += 2; a", [1, 2]),
    ("let a = [1]; a += [2, 3]; a", [1, 2, 3]), ("[1] + [2]", [1, 2]), ("let a = [1]; let b = a + [2]; a", [1]),
    ("let a = [1, 2]; a.insert(0, 0); a", [0, 1, 2]), ("let a = [1, 2]; a.insert(9, 3); a", [1, 2, 3]),
    ("let a = [1, 2]; a.insert(-1, 9); a", [1, 9, 2]), ("let a = [1, 2]; a.insert(-9, 0); a", [0, 1, 2]),
    ("let a = [1, 2]; a.pop()", 2), ("let a = []; a.pop()", None), ("let a = [1, 2]; a.shift()", 1),
    ("let a = [1, 2]; a.shift(); a", [2]), ("let a = []; a.shift()", None),
    ("let a = [1, 2, 3]; a.remove(1)", 2), ("let a = [1, 2, 3]; a.remove(-1); a", [1, 2]),
    ("let a = [1, 2, 3]; a.remove(5)", None), ("let a = [1, 2]; a.clear(); a", []),
    ("let a = [1, 2, 3]; a.truncate(1); a", [1]), ("let a = [1, 2, 3]; a.truncate(-1); a", []),
    ("let a = [1, 2, 3]; a.chop(2); a", [2, 3]), ("let a = [1, 2, 3]; a.chop(9); a", [1, 2, 3]),
    ("let a = [1, 2, 3]; a.chop(0); a", []), ("let a = [1, 2, 3]; a.reverse(); a", [3, 2, 1]),
    ("let a = [1, 2, 3]; a.reverse()", None),
    ("let a = [1]; a.pad(3, 0); a", [1, 0, 0]), ("let a = [1, 2]; a.pad(1, 0); a", [1, 2]),
    ("let a = []; a.pad(2, []); a[0].push(1); a", [[1], []]),
    ("[1, 2, 3, 4].extract(1, 2)", [2, 3]), ("[1, 2, 3, 4].extract(2)", [3, 4]), ("[1, 2, 3].extract(-2)", [2, 3]),
    ("[1, 2, 3].extract(9)", []), ("[1, 2, 3].extract(1, 0)", []), ("[1, 2, 3].extract(1..3)", [2, 3]),
    ("[1, 2, 3].extract(0..=1)", [1, 2]), ("[1, 2, 3].extract(1, 99)", [2, 3]),
    ("let a = [1, 2, 3, 4]; let b = a.split(1); [a, b]", [[1], [2, 3, 4]]),
    ("let a = [1, 2, 3]; let b = a.split(-1); [a, b]", [[1, 2], [3]]),
    ("let a = [1, 2, 3]; let b = a.split(9); [a, b]", [[1, 2, 3], []]),
    ("let a = [1, 2, 3, 4]; a.splice(1, 2, [9]); a", [1, 9, 4]),
    ("let a = [1, 2, 3]; a.splice(1, 0, [8, 9]); a", [1, 8, 9, 2, 3]),
    ("let a = [1, 2, 3]; a.splice(9, 1, [9]); a", [1, 2, 3, 9]),
    ("let a = [1, 2, 3]; a.splice(-1, 1, []); a", [1, 2]),
    ("let a = [1, 2, 3]; a.splice(0..2, [7]); a", [7, 3]),
    ("let a = [1, 2, 3, 4]; let d = a.drain(1, 2); [a, d]", [[1, 4], [2, 3]]),
    ("let a = [1, 2, 3, 4]; let d = a.drain(1..=2); [a, d]", [[1, 4], [2, 3]]),
    ("let a = [1, 2, 3, 4]; let d = a.drain(|x| x % 2 == 0); [a, d]", [[1, 3], [2, 4]]),
    ("let a = [1, 2, 3, 4]; let d = a.drain(|x, i| i < 1); [a, d]", [[2, 3, 4], [1]]),
    ("let a = [1, 2, 3, 4]; let d = a.retain(|x| x % 2 == 0); [a, d]", [[2, 4], [1, 3]]),
    ("let a = [1, 2, 3, 4]; let d = a.retain(1, 2); [a, d]", [[2, 3], [1, 4]]),
    ("let a = [1, 2, 3, 4]; let d = a.retain(2..); [a, d]", [[3, 4], [1, 2]]),
    # get / set
    ("[1, 2, 3].get(-1)", 3), ("[1, 2, 3].get(3)", None), ("[1, 2, 3].get(-4)", None),
    ("let a = [1, 2, 3]; a.set(-1, 9); a", [1, 2, 9]), ("let a = [1, 2]; a.set(5, 9); a", [1, 2]),
    ("let a = [1, 2, 3]; a[-1]", 3), ("let a = [[1]]; let b = a.get(0); b.push(2); a", [[1]]),
    # search
    ("[1, 2, 3].contains(2)", True), ("2 in [1, 2, 3]", True), ("[1, 2].contains(2.0)", True),
    ("[1, 2].contains(\"2\")", False), ("[[1]].contains([1])", True),
    ("[1, 2, 3, 2].index_of(2)", 1), ("[1, 2, 3, 2].index_of(2, 2)", 3), ("[1, 2].index_of(5)", -1),
    ("[1, 2, 3, 2].index_of(2, -1)", 3), ("[\"a\", \"b\"].index_of(\"b\")", 1), ("[1, 2].index_of(\"1\")", -1),
    ("[1, 2, 3].index_of(|x| x > 1)", 1), ("[1, 2, 3].index_of(|x| x > 5)", -1),
    ("[1, 5, 3, 7].find(|x| x > 4)", 5), ("[1, 5, 3, 7].find(|x| x > 4, 2)", 7), ("[1].find(|x| x > 4)", None),
    ("[1, 5, 3].find_map(|x| if x > 2 { x * 10 })", 50), ("[1].find_map(|x| if x > 2 { x })", None),
    # callbacks
    ("[1, 2, 3].map(|x| x * 2)", [2, 4, 6]), ("[1, 2, 3].map(|x, i| x * i)", [0, 2, 6]),
    ("[1, 2, 3].map(|| this + 1)", [2, 3, 4]), ("fn dbl(x) { x * 2 } [1, 2].map(Fn(\"dbl\"))", [2, 4]),
    ("fn dbl(x) { x * 2 } [1, 2].map(\"dbl\")", [2, 4]), ("fn dbl(x) { x * 2 } [1, 2].map(dbl)", [2, 4]),
    ("fn f(x, i) { x + i } [1, 2].map(f)", [1, 3]), ("fn add(a, b) { a + b } [1, 2].map(Fn(\"add\").curry(10))", [11, 12]),
    ("let k = 3; [1, 2].map(|x| x * k)", [3, 6]), ("[1, -2].map(Fn(\"abs\"))", [1, 2]),
    ("[1, 2, 3, 4].filter(|x| x % 2 == 0)", [2, 4]), ("[1, 2, 3].filter(|x, i| i != 1)", [1, 3]),
    ("[1, 2, 3].filter(|| this > 1)", [2, 3]), ("[1, 2, 3].filter(|x| 1)", []),
    ("[1, 2, 3].some(|x| x > 2)", True), ("[1, 2, 3].some(|x| x > 5)", False), ("[].all(|x| false)", True),
    ("[1, 2, 3].all(|x| x > 0)", True), ("[1, 2, 3].all(|x| x > 1)", False),
    ("[1, 2, 3].reduce(|s, x| s + x, 0)", 6), ("[1, 2, 3].reduce(|s, x, i| s + x * i, 0)", 8),
    ("[1, 2, 3].reduce(|s| s + this, 10)", 16), ("[].reduce(|s, x| s + x)", None),
    ("[1, 2, 3].reduce(|s, x| if s == () { x } else { s + x })", 6),
    ("[\"a\", \"b\"].reduce_rev(|s, x| s + x, \"\")", "ba"), ("[1, 2, 3].reduce_rev(|s, x, i| s + `${i}`, \"\")", "210"),
    ("[1, 2, 3].zip([10, 20], |a, b| a + b)", [11, 22]), ("[1, 2].zip([3, 4], |a, b, i| i)", [0, 1]),
    ("let a = [1, 2, 3]; a.for_each(|| this *= 10); a", [10, 20, 30]),
    ("let a = [1, 2, 3]; a.for_each(|i| this += i); a", [1, 3, 5]),
    ("let a = [1, 2]; let s = 0; a.for_each(|| s += this); s", 3),
    ("let a = [1, 1, 2, 2, 1]; a.dedup(); a", [1, 2, 1]), ("let a = [1, 2, 4, 7]; a.dedup(|p, c| c - p < 2); a", [1, 4, 7]),
    ("let a = []; a.dedup(); a", []),
    # sorting
    ("let a = [3, 1, 2]; a.sort(); a", [1, 2, 3]), ("let a = [3, 1, 2]; a.sort()", None),
    ("let a = [3, 1, 2]; a.sort_desc(); a", [3, 2, 1]), ("let a = [\"b\", \"a\"]; a.sort(); a", ["a", "b"]),
    ("let a = [2.5, -1.0]; a.sort(); a", [-1.0, 2.5]), ("let a = [true, false]; a.sort(); a", [False, True]),
    ("let a = ['b', 'a']; a.sort(); a", ["a", "b"]), ("let a = [(), ()]; a.sort(); a", [None, None]),
    ("let a = []; a.sort(); a", []),
    ("let a = [3, 1, 2]; a.sort(|x, y| y - x); a", [3, 2, 1]), ("let a = [3, 1, 2]; a.sort(|x, y| x < y); a", [1, 2, 3]),
    ("let a = [3, 1, 2]; a.sort_by(|x, y| x - y); a", [1, 2, 3]),
    ("let a = [3, 1, 2]; let b = a.order(); [a, b]", [[3, 1, 2], [1, 2, 3]]),
    ("[3, 1, 2].order_desc()", [3, 2, 1]), ("[1, 3, 2].order(|x, y| y - x)", [3, 2, 1]),
    ("[1, 2] == [1, 2]", True), ("[1] == [1.0]", True), ("[1] == [\"1\"]", False), ("[1, [2]] != [1, [2]]", False),
    ("let a = [1, 2]; for x in a { x += 1 } a", [1, 2]),
]


@pytest.mark.parametrize("src,want", VALUES)
def test_values(src, want):
    got = run(src)
    assert same(got, want), got


ERRORS = [
    ("[1, 2][2]", "ErrorArrayBounds"), ("[1, 2][-3]", "ErrorArrayBounds"), ("let a = []; a[0] = 1", "ErrorArrayBounds"),
    ("let a = [1]; a[\"a\"]", "ErrorMismatchDataType"),
    ("let a = [1, \"a\"]; a.sort()", "ErrorFunctionNotFound"), ("let a = [[1], [2]]; a.sort()", "ErrorFunctionNotFound"),
    ("[1, 2, 3].reduce(|s, x| s + x)", "ErrorInFunctionCall"), ("[1].map(|x| x.nope())", "ErrorInFunctionCall"),
    ("const A = [1]; A.push(2)", "ErrorNonPureMethodCallOnConstant"),
    ("const A = [2, 1]; A.sort()", "ErrorNonPureMethodCallOnConstant"),
    ("[1].map(|a, b, c| a)", "ErrorFunctionNotFound"), ("[1].map(Fn(\"nope\"))", "ErrorFunctionNotFound"),
    ("[1].map(1)", "ErrorFunctionNotFound"), ("let a = [1]; a.for_each(|| throw 5); a", "ErrorInFunctionCall"),
]


@pytest.mark.parametrize("src,kind", ERRORS)
def test_errors(src, kind):
    assert error_of(src).kind == kind


def test_bounds_messages():
    assert error_of("[1, 2][5]").message == "Array index 5 out of bounds: only 2 elements in array"
    assert error_of("[][0]").message == "Array index 0 out of bounds: array is empty"
    assert error_of("[1][3]").message == "Array index 3 out of bounds: only 1 element in array"
    e = error_of("let a = [1, \"a\"]; a.sort()")
    assert e.message == "Function not found: elements of different types cannot be sorted"


def test_comparator_errors_are_ignored():
    assert same(run("let a = [3, 1, 2]; a.sort(|x, y| x.nope()); a.len()"), 3)


LIMITS = [
    ("let a = []; a.pad(1000000000000, 0); a", dict(set_max_array_size=100)),
    ("let a = [1]; a.append([1, 2, 3]); a", dict(set_max_array_size=3)),
    ("let a = [1, 2]; a.splice(0, 0, [3, 4]); a", dict(set_max_array_size=3)),
]


@pytest.mark.parametrize("src,limits", LIMITS)
def test_size_limits(src, limits):
    assert error_of(src, **limits).kind == "ErrorDataTooLarge"


OPS = [
    "let a = []; a.pad(100000, 1); for i in 0..1000 { a.sort(); } 0",
    "let a = []; a.pad(100000, 1); for i in 0..1000 { a.index_of(2); a.contains(2); } 0",
    "let a = []; a.pad(100000, 1); for i in 0..1000 { a.dedup(); a.pad(100000, 1); } 0",
    "let a = []; a.pad(10000000, 1); 0",
]


@pytest.mark.parametrize("src", OPS)
def test_work_is_charged(src):
    assert error_of(src, set_max_operations=20_000).kind == "ErrorTooManyOperations"
