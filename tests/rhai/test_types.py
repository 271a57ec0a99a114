"""Reference section 2: types and text conversion."""

import pytest

from .conftest import run

TYPE_OF = [
    ("()", "()"), ("true", "bool"), ("42", "i64"), ("4.2", "f64"), ("'c'", "char"), ('"s"', "string"),
    ("[1]", "array"), ("#{a: 1}", "map"), ("blob(3, 0x21)", "blob"), ("1..5", "range"), ("1..=5", "range="),
    ('Fn("f")', "Fn"), ("|x| x", "Fn"),
]


@pytest.mark.parametrize("src,name", TYPE_OF)
def test_type_of(src, name):
    assert run(f"type_of({src})") == name
    assert run(f"let v = {src}; v.type_of()") == name


TO_STRING = [
    ("()", ""), ("1.0", "1.0"), ("-0.0", "0.0"), ("0.1", "0.1"), ("1e13", "1e13"), ("1e14", "1e14"),
    ("9999999999999.0", "9.999999999999e12"), ("1.5e-14", "1.5e-14"), ("0.0000001", "0.0000001"),
    ("123456789012.0", "123456789012.0"), ("0.1 + 0.2", "0.30000000000000004"), ("-1.5", "-1.5"),
    ("'c'", "c"), ("[1, \"a\", 'c', ()]", '[1, "a", c, ()]'), ("#{b: 1, a: \"x\"}", '#{"a": "x", "b": 1}'),
    ("#{}", "#{}"), ("[]", "[]"), ("blob(3, 0x21)", "[212121]"), ("1..5", "1..5"), ("1..=5", "1..=5"),
    ('Fn("f")', "Fn(f)"), ("[1e20, 0.00001]", "[1e20, 1e-5]"), ("[1.0, 1e15]", "[1.0, 1000000000000000.0]"),
]


@pytest.mark.parametrize("src,text", TO_STRING)
def test_to_string(src, text):
    assert run(f"to_string({src})") == text


TO_DEBUG = [
    ('"a\\n\\"b"', '"a\\n\\"b"'), ("'c'", "c"), ("()", "()"), ("-0.0", "-0.0"), ("1e16", "1e16"),
    ("0.0001", "0.0001"), ("1e-5", "1e-5"),
]


@pytest.mark.parametrize("src,text", TO_DEBUG)
def test_to_debug(src, text):
    assert run(f"to_debug({src})") == text


def test_int_and_bool_distinct():
    assert run("1 == true") is False
    assert run("type_of(1 == 1)") == "bool"
