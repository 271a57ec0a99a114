"""Reference sections 3.2, 3.9 and 9: timestamp operators (``t ± secs``,
``t1 - t2``, ``+=``/``-=``, comparisons) and ``elapsed``.  No test sleeps:
past timestamps are made with ``timestamp() - secs``."""

import pytest

from ..conftest import error_of, run, same

T = "let t = timestamp(); "

VALUES = [
    # t ± INT/FLOAT seconds -> timestamp; t1 - t2 -> FLOAT seconds (may be negative)
    ("(t + 5) - t", 5.0), ("(t - 3) - t", -3.0), ("(t + 2.5) - t", 2.5), ("(t - 1.25) - t", -1.25),
    ("t - (t + 4)", -4.0), ("t - t", 0.0), ("(t + (-2)) - t", -2.0), ("(t - (-1.5)) - t", 1.5),
    ("(t + 123456789) - t", 123456789.0), ("(t + 1) - (t - 1)", 2.0),
    ("type_of(t + 1)", "timestamp"), ("type_of(t - 1.5)", "timestamp"), ("type_of(t - t)", "f64"),
    ("to_string(t + 1)", "<timestamp>"),
    # FLOAT seconds have millisecond resolution (truncated)
    ("(t + 0.0015) - t", 0.001), ("(t + 1.2345) - t", 1.234), ("(t - 1.2345) - t", -1.234),
    ("(t + 0.999) - t", 0.999), ("t + 0.0009 == t", True), ("t - 0.0009 == t", True), ("t + 0.001 == t", False),
    # compound assignment makes a new value: the original is unchanged
    ("let u = t; u += 5; u - t", 5.0), ("let u = t; u -= 1.5; u - t", -1.5),
    ("let u = t; u += 1; u -= 0.25; u - t", 0.75), ("let u = t; u += 5; t == u", False),
    ("let a = [t]; a[0] += 3; a[0] - t", 3.0), ("let m = #{a: t}; m.a -= 0.5; m.a - t", -0.5),
    ("fn later(x) { x += 2; x } later(t) - t", 2.0), ("let f = || t + 1; f.call() - t", 1.0),
    # comparisons between timestamps
    ("t < t + 1", True), ("t + 1 < t", False), ("t <= t", True), ("t + 1 <= t", False), ("t > t - 1", True),
    ("t > t", False), ("t >= t", True), ("t - 1 >= t", False), ("t == t + 0", True), ("t == t + 1", False),
    ("t != t + 1", True), ("t != t", False), ("let u = t; u == t", True), ("t + 1 - 1 == t", True),
    ("t - 0.5 < t", True), ("[t].contains(t + 0)", True), ("(t + 1) in [t]", False),
    ("switch t { 1 => 1, _ => 2 }", 2),
    # a timestamp and another type: == false, != true, ordering false
    ("t == 5", False), ("t != 5", True), ('t == "x"', False), ("t == ()", False), ("() != t", True),
    ("t < 5", False), ("t >= 5.0", False), ("5 > t", False), ('t <= "x"', False),
    # elapsed of a timestamp in the past
    ("let p = t - 10; let e = p.elapsed; e >= 10.0 && e < 20.0", True),
    ("let e = elapsed(t - 2.5); e >= 2.5 && e < 12.5", True),
    ("t -= 10; t.elapsed >= 10.0", True), ("type_of(elapsed(t - 1))", "f64"),
]


@pytest.mark.parametrize("src,want", VALUES)
def test_values(src, want):
    got = run(T + src)
    assert same(got, want), got


ERRORS = [
    ("5 + t", "ErrorFunctionNotFound"), ("2.5 - t", "ErrorFunctionNotFound"), ("t + t", "ErrorFunctionNotFound"),
    ("t * 2", "ErrorFunctionNotFound"), ("t / 2", "ErrorFunctionNotFound"), ("t + true", "ErrorFunctionNotFound"),
    ("t - 'c'", "ErrorFunctionNotFound"), ('t - "x"', "ErrorFunctionNotFound"), ("t + ()", "ErrorFunctionNotFound"),
    ("let u = 1; u += t", "ErrorFunctionNotFound"), ("t += [1]", "ErrorFunctionNotFound"),
    ("(t + 1).elapsed", "ErrorArithmetic"), ("elapsed(t + 0.5)", "ErrorArithmetic"),
    ("t + 9223372036854775807", "ErrorArithmetic"), ("t - 9223372036854775807 - 9223372036854775807", "ErrorArithmetic"),
    ("t + (-9223372036854775807 - 1) + (-9223372036854775807 - 1)", "ErrorArithmetic"), ("t + 1e300", "ErrorArithmetic"),
    ("t - 1e19", "ErrorArithmetic"), ("t + 1.0 / 0.0", "ErrorArithmetic"), ("t - (-1.0 / 0.0)", "ErrorArithmetic"),
    ("t + 0.0 / 0.0", "ErrorArithmetic"), ("t -= 0.0 / 0.0", "ErrorArithmetic"), ("t += 1e19", "ErrorArithmetic"),
]


@pytest.mark.parametrize("src,kind", ERRORS)
def test_errors(src, kind):
    assert error_of(T + src).kind == kind


MESSAGES = [
    ("5 + t", "Function not found: + (i64, timestamp)"),
    ("t * 2", "Function not found: * (timestamp, i64)"),
    ("t + 9223372036854775807", "Timestamp overflow when adding 9223372036854775807 second(s)"),
    ("t + -9223372036854775807 + -9223372036854775807",
     "Timestamp overflow when subtracting 9223372036854775807 second(s)"),
    ("t + 0.0 / 0.0", "Invalid number of seconds for timestamp add: NaN"),
    ("t - 1.0 / 0.0", "Invalid number of seconds for timestamp subtract: inf"),
]


@pytest.mark.parametrize("src,msg", MESSAGES)
def test_messages(src, msg):
    assert error_of(T + src).message == msg


def test_arithmetic_error_is_catchable():
    assert run(T + "let r = 0; try { t + 1e300; r = 1 } catch (e) { r = 2 } r") == 2
