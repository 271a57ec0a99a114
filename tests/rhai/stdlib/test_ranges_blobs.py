"""Reference sections 3.8, 8.3 and 9: ranges, range(...) iterators and BLOBs."""

import pytest

from ..conftest import error_of, run, same


def collect(it):
    return f"let r = []; for x in {it} {{ r.push(x) }} r"


VALUES = [
    (collect("range(0, 10, 3)"), [0, 3, 6, 9]), (collect("range(10, 0, -3)"), [10, 7, 4, 1]),
    (collect("range(0, 10, -1)"), []), (collect("range(0, 3)"), [0, 1, 2]), (collect("range(1..7, 2)"), [1, 3, 5]),
    (collect("range(1..=7, 3)"), [1, 4, 7]), (collect("range(0.0, 1.0, 0.25)"), [0.0, 0.25, 0.5, 0.75]),
    (collect("range(1.0, 0.0, -0.5)"), [1.0, 0.5]), (collect("1..4"), [1, 2, 3]), (collect("1..=3"), [1, 2, 3]),
    (collect("3..1"), []), ("let it = range(0, 4, 2); let n = 0; for x in it { n += 1 } for x in it { n += 1 } n", 4),
    ("type_of(range(0, 10, 2))", "range"), ("type_of(range(0, 10))", "range"), ("range(0, 5) == 0..5", True),
    ("(1..5).start", 1), ("(1..5).end", 5), ("(1..=5).is_inclusive", True), ("(1..5).is_exclusive()", True),
    ("(5..1).is_empty", True), ("(1..=1).is_empty()", False), ("(1..5).contains(4)", True), ("(1..5).contains(5)", False),
    ("(1..=5).contains(5)", True), ("3 in 1..5", True), ("5 !in 1..5", True), ("to_string(1..5)", "1..5"),
    ("to_string(1..=5)", "1..=5"), ("let r = 2..; r.start", 2),
    ("let s = 0; for (x, i) in range(10, 20, 5) { s += i } s", 1),
    # blobs
    ("blob()", bytearray()), ("blob(3)", bytearray(3)), ("blob(3, 0x121)", bytearray(b"\x21\x21\x21")),
    ("blob(-1)", bytearray()), ("blob(2, 7).len()", 2), ("blob(2).len", 2), ("blob().is_empty", True),
    ("let b = blob(3, 1); b[0]", 1), ("let b = blob(3, 1); b[-1] = 0x1ff; b[2]", 255), ("let b = blob(2); b.get(9)", 0),
    ("let b = blob(2); b.set(0, 5); b.get(0)", 5), ("let b = blob(); b.push(1); b.push(258); b", bytearray(b"\x01\x02")),
    ("let b = blob(); b.append('é'); b.append(\"a\"); b.append(blob(1, 7)); b.append(9); b",
     bytearray(b"\xc3\xa9a\x07\x09")), ("let b = blob(); b += 1; b += \"x\"; b", bytearray(b"\x01x")),
    ("blob(1, 1) + blob(1, 2)", bytearray(b"\x01\x02")), ("let b = blob(2, 1); b.insert(1, 9); b", bytearray(b"\x01\x09\x01")),
    ("let b = blob(2, 3); b.pop()", 3), ("blob().pop()", 0), ("let b = blob(); b.shift()", 0),
    ("let b = blob(3, 3); b.remove(1); b.len()", 2), ("let b = blob(3); b.remove(9)", 0),
    ("let b = blob(4, 1); b.truncate(1); b.len()", 1), ("let b = blob(4, 1); b.chop(3); b.len()", 3),
    ("let b = blob(); b.append(1); b.append(2); b.reverse(); b", bytearray(b"\x02\x01")),
    ("let b = blob(1); b.pad(3, 9); b", bytearray(b"\x00\x09\x09")),
    ("let b = blob(); b.append(\"abcd\"); b.extract(1, 2).as_string()", "bc"),
    ("let b = blob(); b.append(\"abcd\"); b.extract(2..).as_string()", "cd"),
    ("let b = blob(); b.append(\"abcd\"); let t = b.split(1); [b.as_string(), t.as_string()]", ["a", "bcd"]),
    ("let b = blob(); b.append(\"abcd\"); b.splice(1, 2, blob(1, 0x41)); b.as_string()", "aAd"),
    ("let b = blob(); b.append(\"abcd\"); let d = b.drain(1, 2); [b.as_string(), d.as_string()]", ["ad", "bc"]),
    ("let b = blob(); b.append(\"abcd\"); let d = b.retain(1..3); [b.as_string(), d.as_string()]", ["bc", "ad"]),
    ("blob(2, 7).contains(7)", True), ("7 in blob(2, 7)", True), ("blob(2, 7).contains(8)", False),
    ("blob(2, 7).to_array()", [7, 7]), ("let b = blob(); b.append(\"hé\"); b.as_string()", "hé"),
    ("blob(1, 0x41) + \"x\"", "Ax"), ("to_string(blob(10, 0xab))", "[abababababababab abab]"),
    ("let b = blob(8); b.write_le(0, 8, 0x0102); b.parse_le_int(0, 8)", 0x0102),
    ("let b = blob(8); b.write_le(0, 8, 0x0102); b[0]", 2), ("let b = blob(8); b.write_be(0, 8, 0x0102); b[7]", 2),
    ("let b = blob(8); b.write_be(0..8, -2); b.parse_be_int(0..8)", -2),
    ("let b = blob(4); b.write_le(0, 2, 0x0304); b.parse_le_int(0, 2)", 0x0304),
    ("let b = blob(8); b.write_le(0, 8, 1.5); b.parse_le_float(0, 8)", 1.5),
    ("let b = blob(8); b.write_be(0..8, -2.25); b.parse_be_float(0..8)", -2.25),
    ("let b = blob(4); b.write_utf8(0, 4, \"hé\"); b.as_string()", "hé\x00"),
    ("let b = blob(3); b.write_ascii(0..3, \"héllo\"); b.as_string()", "hll"),
    ("let b = blob(4); b.parse_le_int(9, 2)", 0), (collect("blob(2, 5)"), [5, 5]),
]


@pytest.mark.parametrize("src,want", VALUES)
def test_values(src, want):
    got = run(src)
    assert same(got, want), got


ERRORS = [
    ("range(0, 10, 0)", "ErrorArithmetic"), ("range(0.0, 1.0, 0.0)", "ErrorArithmetic"),
    ("range(0, 1.5)", "ErrorFunctionNotFound"), ("1.5 in 1..3", "ErrorFunctionNotFound"),
    ("1..2.0", "ErrorFunctionNotFound"), ("let b = blob(2); b[2]", "ErrorArrayBounds"),
    ("let b = blob(2); b[0] = 'a'", "ErrorMismatchDataType"), ("const B = blob(1); B.push(1)", "ErrorNonPureMethodCallOnConstant"),
]


@pytest.mark.parametrize("src,kind", ERRORS)
def test_errors(src, kind):
    assert error_of(src).kind == kind


def test_step_zero_message():
    assert "step value cannot be zero" in error_of("range(0, 10, 0)").message


LIMITS = [
    ("blob(1000000000000)", dict(set_max_array_size=100)), ("let b = blob(); b.pad(1000, 0); b", dict(set_max_array_size=100)),
    ("let b = blob(90); b.append(blob(20)); b", dict(set_max_array_size=100)),
]


@pytest.mark.parametrize("src,limits", LIMITS)
def test_size_limits(src, limits):
    assert error_of(src, **limits).kind == "ErrorDataTooLarge"


def test_blob_work_is_charged():
    assert error_of("for i in 0..1000 { blob(100000).to_array(); } 0", set_max_operations=20_000).kind == \
        "ErrorTooManyOperations"
