"""Reference sections 3 and 6: operators, precedence, arithmetic."""

import pytest

from .conftest import error_of, run, same

VALUES = [
    # precedence / associativity
    ("1 + 2 * 3", 7),
    ("2 ** 3 ** 2", 512),
    ("1 << 2 + 1", 5),
    ("2 * 1 << 2", 8),
    ("-2 ** 2", 4),
    ("let x = 2; -x ** 2", 4),
    ("let x = -5; -x.abs()", -5),
    ("1 < 2 == true", True),
    ("1 < 2 < 3", False),
    ("true || false && false", True),
    ("5 & 3 | 8", 9),
    ("1 | 2 ^ 3", 0),
    ("2 in [1, 2] == true", True),
    ("10 - 2 - 3", 5),
    ("100 / 10 / 5", 2),
    # checked integer arithmetic
    ("-7 / 2", -3),
    ("7 / -2", -3),
    ("-7 % 2", -1),
    ("7 % -2", 1),
    ("0 ** 0", 1),
    ("2 ** 62", 4611686018427387904),
    ("1 << 63", -9223372036854775808),
    ("1 << 64", 0),
    ("-8 >> 1", -4),
    ("-1 >> 100", -1),
    ("1 << -1", 0),
    ("8 >> -1", 16),
    ("-1 & 0xFF", 255),
    ("6 ^ 3", 5),
    # floats and mixing
    ("41.0 + 1", 42.0),
    ("10 / 4.0", 2.5),
    ("10 / 4", 2),
    ("2 ** 0.5", 1.4142135623730951),
    ("2.0 ** -1", 0.5),
    ("-5.5 % 2", -1.5),
    ("1.0 / 0 > 1e300", True),
    ("0.1 + 0.2 == 0.3", True),
    ("1 == 1.0", True),
    ("1.0 < 2", True),
    ("let n = 0.0 / 0.0; n != n", False),
    ("let n = 0.0 / 0.0; n == n", False),
    # strings and chars
    ("'a' + 'b'", "ab"),
    ("'a' + \"b\"", "ab"),
    ("\"a\" + 1", "a1"),
    ("1 + \"a\"", "1a"),
    ("\"a\" + 1.5", "a1.5"),
    ("\"a\" + ()", "a"),
    ("\"x\" + [1, 2]", "x[1, 2]"),
    ("\"hello\" - 'l'", "heo"),
    ("\"hello\" - \"ll\"", "heo"),
    ("\"abc\" < \"abd\"", True),
    ("'a' == \"a\"", True),
    ("'a' < 'b'", True),
    # mixed types compare false
    ("1 == \"1\"", False),
    ("1 != \"1\"", True),
    ("1 == true", False),
    ("() == 0", False),
    ("() == ()", True),
    ("() < ()", False),
    ("false < true", True),
    ("[1] == [1.0]", True),
    ("[1] == [\"1\"]", False),
    ("#{a: 1} == #{a: 1}", True),
    ("[1, 2] + [3]", [1, 2, 3]),
    ("#{a: 1} + #{a: 2, b: 3}", {"a": 2, "b": 3}),
    # logic
    ("true && false", False),
    ("false || true", True),
    ("!true", False),
    ("true & false", False),
    ("true ^ true", False),
    ("let x = 0; false && { x = 1; true }; x", 0),
    # ?? ?. ?[ in
    ("() ?? 5", 5),
    ("1 ?? 5", 1),
    ("() ?? () ?? 3", 3),
    ("let x = (); x?.foo", None),
    ("let x = (); x?[0]", None),
    ("let x = (); x?.len()", None),
    ("let x = #{a: 1}; x?.a", 1),
    ("2 in [1, 2]", True),
    ("3 !in [1, 2]", True),
    ("\"b\" in \"abc\"", True),
    ("'b' in \"abc\"", True),
    ("\"z\" in #{z: 1}", True),
    ("3 in 1..5", True),
    ("5 in 1..5", False),
    ("5 in 1..=5", True),
    ("let t = 0; for x in [1, 2, 3] { t += x ?? break; } t", 6),
    # ranges
    ("type_of(1..5)", "range"),
    ("type_of(1..=5)", "range="),
    ("to_string(1..5)", "1..5"),
    ("(1..5).start", 1),
    ("(1..=5).is_inclusive", True),
    # compound assignment
    ("let x = 5; x += 1.5; x", 6.5),
    ("let x = 10; x -= 3; x *= 2; x /= 4; x", 3),
    ("let x = 7; x %= 4; x **= 2; x", 9),
    ("let x = 1; x <<= 3; x >>= 1; x", 4),
    ("let x = 6; x &= 3; x |= 8; x ^= 1; x", 11),
    ("let s = \"a\"; s += 1; s += 'c'; s", "a1c"),
    ("let a = [1]; a += 2; a += [3, 4]; a", [1, 2, 3, 4]),
    ("let m = #{a: 1}; m += #{b: 2}; m", {"a": 1, "b": 2}),
    ("let b = true; b &= false; b", False),
]


@pytest.mark.parametrize("src,want", VALUES)
def test_values(src, want):
    assert same(run(src), want)


ERRORS = [
    ("9223372036854775807 + 1", "ErrorArithmetic", "Addition overflow: 9223372036854775807 + 1"),
    ("let x = -9223372036854775807; x - 2", "ErrorArithmetic", "Subtraction overflow: -9223372036854775807 - 2"),
    ("let x = 4611686018427387904; x * 2", "ErrorArithmetic", "Multiplication overflow: 4611686018427387904 * 2"),
    ("1 / 0", "ErrorArithmetic", "Division by zero: 1 / 0"),
    ("let x = -9223372036854775808; x / -1", "ErrorArithmetic", "Division overflow: -9223372036854775808 / -1"),
    ("5 % 0", "ErrorArithmetic", "Modulo division by zero or overflow: 5 % 0"),
    ("2 ** -1", "ErrorArithmetic", "Integer raised to a negative power: 2 ** -1"),
    ("2 ** 64", "ErrorArithmetic", "Exponential overflow: 2 ** 64"),
    ("let x = -9223372036854775808; -x", "ErrorArithmetic", "Negation overflow: --9223372036854775808"),
    ("\"a\" * 3", "ErrorFunctionNotFound", None),
    ("'a' + 1", "ErrorFunctionNotFound", None),
    ("1 & 1.0", "ErrorFunctionNotFound", None),
    ("!5", "ErrorFunctionNotFound", None),
    ("-\"x\"", "ErrorFunctionNotFound", None),
    ("true + 1", "ErrorFunctionNotFound", None),
    ("let x = 1; x && true", "ErrorMismatchDataType", "Data type incorrect: i64 (expecting bool)"),
    ("1.5 in 1..3", "ErrorFunctionNotFound", "Function not found: contains (range, f64)"),
    ("Fn(\"a\") == Fn(\"a\")", "ErrorFunctionNotFound", "Function not found: == (Fn, Fn)"),
    ("() + 1", "ErrorFunctionNotFound", "Function not found: + ((), i64)"),
]


@pytest.mark.parametrize("src,kind,msg", ERRORS)
def test_errors(src, kind, msg):
    e = error_of(src)
    assert e.kind == kind
    if msg is not None:
        assert e.message == msg


def test_literal_non_bool_in_logic_is_parse_error():
    e = error_of("1 && true")
    assert e.parse_error_type == "MismatchedType"


def test_assignment_is_not_an_expression():
    assert error_of("let a = 1; let b = (a = 2);").kind == "ErrorParsing"


def test_no_ternary():
    assert error_of("true ? 1 : 2").kind == "ErrorParsing"
