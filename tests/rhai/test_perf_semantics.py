"""Semantics the optimising compiler must not change: static types of variables,
array element types, typed fast paths, function specialisation, limits."""

import pytest

import rhai

from .conftest import error_of, make_engine, run, same

# (script, expected value)
CASES = [
    # typed array indexing: Python's negative indices match Rhai's
    ("let a = [1, 2, 3]; a[-1]", 3),
    ("let a = [1, 2, 3]; a[0] + a[-3]", 2),
    ("let a = [[1, 2], [3, 4]]; a[1][0] * a[-1][-1]", 12),
    # element types change through every kind of mutation
    ('let a = [1]; a.push("x"); a[1] + 1', "x1"),
    ('let a = [[1]]; a[0].push("s"); a[0][1] + "t"', "st"),
    ('let a = [1]; push(a, "s"); a[1] + "t"', "st"),
    ('fn f() { this.push("s") } let a = [1]; a.f(); a[1] + "t"', "st"),
    ('let a = [1, 2]; a[0] = "x"; a[0] + "y"', "xy"),
    ('let a = [[1, 2]]; a[0][1] = "x"; a[0][1] + "y"', "xy"),
    ('let a = [1, 2]; a += "x"; a[2] + "y"', "xy"),
    ('let a = [1, 2]; a.insert(0, "x"); a[0] + "y"', "xy"),
    ('let a = [1, 2]; a.clear(); a.push("x"); a[0] + "y"', "xy"),
    ("let a = [1, 2]; a[0] += 5; a[0]", 6),
    ("let a = []; for i in 0..3 { a.push(i) } let s = 0; for x in a { s += x } s", 3),
    ('let a = []; for i in 0..3 { a.push(i) } a.push(1.5); let s = 0.0; for x in a { s += x } s', 4.5),
    ("let a = []; let s = 0; for x in a { s += x } s", 0),
    # value semantics of typed arrays
    ("let a = [1, 2]; let b = a; b.push(3); a.len()", 2),
    ("let a = [[1]]; let b = a; b[0].push(2); a[0].len()", 1),
    ("let a = [[1]]; let r = [5]; a.push(r); r.push(6); a[1].len()", 1),
    ("fn f(x) { x.push(9); x.len() } let a = [1]; f(a) + a.len()", 3),
    ("let a = [1]; let b = [a, a]; b[0].push(2); a.len() + b[1].len()", 2),
    # typed booleans in conditions
    ("let f = [true, false]; if f[1] { 1 } else { 2 }", 2),
    # integer accumulation through typed elements
    ("let m = [[2, 3], [4, 5]]; let s = 0; for i in 0..2 { for j in 0..2 { s += m[i][j] * m[j][i] } } s", 2 * 2 + 3 * 4 + 4 * 3 + 5 * 5),
]


@pytest.mark.parametrize("src,want", CASES)
def test_typed_values(src, want):
    assert same(run(src), want)


ERRORS = [
    ("let a = [1, 2]; a[2]", "ErrorArrayBounds"),
    ("let a = [1, 2]; a[-3]", "ErrorArrayBounds"),
    ("let a = [[1, 2]]; a[0][5]", "ErrorArrayBounds"),
    ("let a = []; a[0]", "ErrorArrayBounds"),
    ("let a = [9223372036854775807]; a[0] + 1", "ErrorArithmetic"),
    ("let a = [[3037000500]]; a[0][0] * a[0][0]", "ErrorArithmetic"),
    ("let a = [1]; a[0] = true; a[0] + 1", "ErrorFunctionNotFound"),
    ("let s = 9223372036854775807; let a = [1]; s += a[0]", "ErrorArithmetic"),
]


@pytest.mark.parametrize("src,kind", ERRORS)
def test_typed_errors(src, kind):
    assert error_of(src).kind == kind


def test_bounds_error_position():
    e = error_of("let a = [1, 2];\nlet x = a[7];")
    assert e.kind == "ErrorArrayBounds"
    assert e.position.line == 2


def test_nested_array_size_limit():
    src = "let a = []; let r = [1, 2, 3, 4]; a.push(r); a.push(r); %s a.len()"
    assert run(src % "", set_max_array_size=10) == 2
    assert error_of(src % "a.push(r);", set_max_array_size=10).kind == "ErrorDataTooLarge"
    src = "let a = [[1, 2, 3, 4, 5, 6, 7, 8]]; a.push([1]);"
    assert error_of(src, set_max_array_size=10).kind == "ErrorDataTooLarge"
