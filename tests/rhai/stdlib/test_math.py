"""Reference sections 6, 8.4 and 9: numbers, math and integer bit-fields."""

import math

import pytest

from ..conftest import error_of, run, same

VALUES = [
    # parsing and conversion
    ('parse_int("42")', 42), ('parse_int("  -42 ")', -42), ('parse_int("+7")', 7), ('parse_int("ff", 16)', 255),
    ('parse_int("-101", 2)', -5), ('parse_int("zz", 36)', 1295), ('parse_int("9223372036854775807")', 2**63 - 1),
    ('parse_int("-9223372036854775808")', -2**63),
    ('parse_float("1.5")', 1.5), ('parse_float(" .5 ")', 0.5), ('parse_float("5.")', 5.0), ('parse_float("1e3")', 1000.0),
    ('parse_float("-inf")', -math.inf), ('parse_float("Infinity")', math.inf), ('parse_float("3")', 3.0),
    ('parse_float("NaN").is_nan', True),
    ("to_int(3.9)", 3), ("to_int(-3.9)", -3), ("(-3.9).to_int()", -3), ("to_int(5)", 5), ("to_int('a')", 97),
    ("to_float(3)", 3.0), ("to_float(2.5)", 2.5), ("type_of(to_float(1))", "f64"),
    ("to_string(1.0)", "1.0"), ("to_string(1e14)", "1e14"), ("to_string(0.1 + 0.2)", "0.30000000000000004"),
    ("to_debug(1e-5)", "1e-5"), ("to_debug(1e15)", "1000000000000000.0"), ("to_string(-0.0)", "0.0"),
    ("to_debug(-0.0)", "-0.0"), ("to_string(1.0 / 0.0)", "inf"), ("to_string(-1.0 / 0.0)", "-inf"),
    ("to_string(0.0 / 0.0)", "NaN"), ("to_string(-7)", "-7"), ("to_string(true)", "true"),
    ("(-1).to_hex()", "ffffffffffffffff"), ("255.to_hex()", "ff"), ("8.to_octal()", "10"), ("5.to_binary()", "101"),
    # basic numeric helpers
    ("abs(-5)", 5), ("(-5).abs()", 5), ("abs(-2.5)", 2.5), ("sign(-9)", -1), ("sign(0)", 0), ("sign(3)", 1),
    ("sign(-2.5)", -1), ("sign(0.0)", 0), ("sign(-0.0)", 0), ("type_of(sign(1.5))", "i64"),
    ("min(1, 2)", 1), ("max(1, 2)", 2), ("min(1, 2.0)", 1.0), ("max(1.5, 2)", 2.0), ("type_of(min(1, 2.0))", "f64"),
    ("min(2, 2.0)", 2.0), ("max(-1.0, -1)", -1.0),
    ("3.7.floor()", 3.0), ("(-3.2).floor()", -4.0), ("3.2.ceiling()", 4.0), ("2.5.round()", 3.0),
    ("(-2.5).round()", -3.0), ("2.4.round()", 2.0), ("0.49999999999999994.round()", 0.0), ("3.7.int()", 3.0),
    ("(-3.7).int()", -3.0), ("3.75.fraction()", 0.75), ("3.7.floor", 3.0), ("2.5.round", 3.0),
    ("7.is_odd()", True), ("(-3).is_odd", True), ("4.is_even", True), ("0.is_zero", True), ("0.0.is_zero()", True),
    ("(1.0 / 0.0).is_infinite", True), ("1.0.is_finite", True), ("(0.0 / 0.0).is_nan()", True),
    # math
    ("sqrt(16.0)", 4.0), ("exp(0.0)", 1.0), ("ln(E())", 1.0), ("log(1000.0)", 3.0), ("log(8.0, 2.0)", 3.0),
    ("sin(0.0)", 0.0), ("cos(0.0)", 1.0), ("tan(0.0)", 0.0), ("asin(1.0) == PI() / 2.0", True),
    ("acos(1.0)", 0.0), ("atan(1.0, 1.0) == PI() / 4.0", True), ("atan(0.0)", 0.0), ("sinh(0.0)", 0.0),
    ("cosh(0.0)", 1.0), ("tanh(0.0)", 0.0), ("asinh(0.0)", 0.0), ("acosh(1.0)", 0.0), ("atanh(0.0)", 0.0),
    ("hypot(3.0, 4.0)", 5.0), ("PI().to_degrees()", 180.0), ("180.0.to_radians() == PI()", True),
    ("PI()", math.pi), ("E()", math.e), ("sqrt(-1.0).is_nan", True), ("ln(0.0)", -math.inf),
    ("exp(1000.0)", math.inf), ("acos(2.0).is_nan", True), ("atanh(1.0)", math.inf),
    # operators (section 6)
    ("7 / -2", -3), ("-7 / 2", -3), ("-7 % 2", -1), ("7 % -2", 1), ("-5.5 % 2.0", -1.5), ("2 ** 10", 1024),
    ("0 ** 0", 1), ("2.0 ** -1", 0.5), ("2 ** 0.5", 2 ** 0.5), ("2 ** 3 ** 2", 512), ("1 << 63", -2**63),
    ("1 << 64", 0), ("-8 >> 1", -4), ("-8 >> 99", -1), ("8 >> -1", 16), ("1 << -1", 0), ("5 & 3", 1), ("5 | 3", 7),
    ("5 ^ 3", 6), ("10 / 4", 2), ("10 / 4.0", 2.5), ("0.1 + 0.2 == 0.3", True), ("1 == 1.0", True),
    # bit-fields
    ("let x = 5; x[0]", True), ("let x = 5; x[1]", False), ("let x = -1; x[63]", True), ("let x = 1 << 63; x[-1]", True),
    ("let x = 0b110110; x[1..=3]", 0b011), ("let x = 0b110110; x[1..4]", 0b011), ("let x = 0; x[3] = true; x", 8),
    ("let x = 15; x[0] = false; x", 14), ("let x = 0; x[4..=7] = 15; x", 240), ("let x = 0; x[63] = true; x", -2**63),
    ("5.get_bit(2)", True), ("let x = 0; x.set_bit(2, true); x", 4), ("0xF0.get_bits(4, 4)", 15),
    ("0xF0.get_bits(4..8)", 15), ("0xF0.get_bits(2..=5)", 12), ("let x = 0; x.set_bits(4, 4, 15); x", 240),
    ("let x = 0; x.set_bits(0..2, 3); x", 3), ("let r = []; for b in 5.bits() { r.push(b) } r.len()", 64),
    ("let r = []; for b in 5.bits(0, 3) { r.push(b) } r", [True, False, True]),
    ("let r = []; for b in 6.bits(1..3) { r.push(b) } r", [True, True]),
    ("let r = 0; for b in (-1).bits { if b { r += 1 } } r", 64),
]


@pytest.mark.parametrize("src,want", VALUES)
def test_values(src, want):
    got = run(src)
    assert same(got, want), got


ERRORS = [
    ('parse_int("1_000")', "ErrorArithmetic"), ('parse_int("0x10", 16)', "ErrorArithmetic"),
    ('parse_int("")', "ErrorArithmetic"), ('parse_int("1 2")', "ErrorArithmetic"), ('parse_int("12", 1)', "ErrorArithmetic"),
    ('parse_int("12", 37)', "ErrorArithmetic"), ('parse_int("9223372036854775808")', "ErrorArithmetic"),
    ('parse_int("٣")', "ErrorArithmetic"), ('parse_float("1_0")', "ErrorArithmetic"), ('parse_float("x")', "ErrorArithmetic"),
    ('parse_float("")', "ErrorArithmetic"), ("to_int(1e20)", "ErrorArithmetic"), ("to_int(0.0 / 0.0)", "ErrorArithmetic"),
    ("abs(-9223372036854775807 - 1)", "ErrorArithmetic"), ("sign(0.0 / 0.0)", "ErrorArithmetic"),
    ("sqrt(4)", "ErrorFunctionNotFound"), ("4.floor()", "ErrorFunctionNotFound"), ('to_int("12")', "ErrorFunctionNotFound"),
    ("2 ** -1", "ErrorArithmetic"), ("2 ** 64", "ErrorArithmetic"), ("1 / 0", "ErrorArithmetic"), ("1 % 0", "ErrorArithmetic"),
    ("9223372036854775807 + 1", "ErrorArithmetic"), ("let x = 1; x[64]", "ErrorBitFieldBounds"),
    ("let x = 1; x[-65]", "ErrorBitFieldBounds"), ("1.get_bit(64)", "ErrorBitFieldBounds"), ("min(1, \"a\")", "ErrorFunctionNotFound"),
]


@pytest.mark.parametrize("src,kind", ERRORS)
def test_errors(src, kind):
    assert error_of(src).kind == kind


MESSAGES = [
    ('parse_int("abc")', "Error parsing integer number 'abc': invalid digit found in string"),
    ('parse_int("")', "Error parsing integer number '': cannot parse integer from empty string"),
    ('parse_int("99999999999999999999")',
     "Error parsing integer number '99999999999999999999': number too large to fit in target type"),
    ('parse_int("1", 40)', "Invalid radix: '40'"),
    ('parse_float("x")', "Error parsing floating-point number 'x': invalid float literal"),
    ("sign(0.0 / 0.0)", "Sign of NaN is undefined"),
    ("sqrt(4)", "Function not found: sqrt (i64)"),
    ("let x = 1; x[64]", "Bit-field index 64 out of bounds: only 64 bits in bit-field"),
]


@pytest.mark.parametrize("src,msg", MESSAGES)
def test_messages(src, msg):
    assert error_of(src).message == msg
