"""Reference section 1: lexical structure."""

import pytest

from .conftest import error_of, run, same

VALUES = [
    ("123", 123),
    ("0x1F", 31),
    ("0X1f", 31),
    ("0o17", 15),
    ("0b101", 5),
    ("1_000_000", 1000000),
    ("1__2", 12),
    ("123_", 123),
    ("0xFFFFFFFFFFFFFFFF", -1),
    ("9223372036854775808", 9.223372036854776e18),
    ("-9223372036854775808", -9223372036854775808),
    ("1.5", 1.5),
    ("123_456.78_9", 123456.789),
    ("1e3", 1000.0),
    ("1E3", 1000.0),
    ("1.5e-3", 0.0015),
    ("2e+2", 200.0),
    ("let x = 1.; x", 1.0),
    ("-5.abs()", 5),
    ("- 5.abs()", -5),
    ("-2 ** 2", 4),
    ('"a\\tb"', "a\tb"),
    ('"\\x41\\u00e9\\U0001F600"', "Aé😀"),
    ('"say ""hi"""', 'say "hi"'),
    ('"a\\"b"', 'a"b'),
    ('#"raw \\n"#', "raw \\n"),
    ('##"a "# b"##', 'a "# b'),
    ("`a\\nb`", "a\\nb"),
    ("`x``y`", "x`y"),
    ("`sum ${1 + 2}`", "sum 3"),
    ("`${}`", ""),
    ("`a ${ let x = 2; x * 3 } b`", "a 6 b"),
    ("`n${`m${1}`}`", "nm1"),
    ("`v \\${x}`", "v ${x}"),
    ("`[${[1, 2]}]`", "[[1, 2]]"),
    ("'a'", "a"),
    ("'\\n'", "\n"),
    ("'\\u2764'", "\u2764"),
    ("'\\''", "'"),
    ("/* a /* nested */ b */ 42", 42),
    ("// comment\n7", 7),
    ("/// doc\n8", 8),
    ("let _x = 3; _x", 3),
    ("let x_ = 4; x_", 4),
    ("let c3po = 5; c3po", 5),
    ('"ab\\\n   cd"', "ab  cd"),
    ('let s = "ab\\\n          cd"; s', "ab cd"),
    ("1 /* unterminated", 1),
]


@pytest.mark.parametrize("src,want", VALUES)
def test_literals(src, want):
    assert same(run(src), want)


def test_char_type():
    assert run("type_of('a')") == "char"
    assert run("type_of(\"a\")") == "string"


LEX_ERRORS = [
    ("'ab'", "MalformedChar"),
    ("''", "MalformedChar"),
    ('"\\q"', "MalformedEscapeSequence"),
    ('"\\\'"', "MalformedEscapeSequence"),
    ('"\\0"', "MalformedEscapeSequence"),
    ('"abc', "UnterminatedString"),
    ('"ab\ncd"', "UnterminatedString"),
    ("0x", "MalformedNumber"),
    ("0x1FFFFFFFFFFFFFFFF", "MalformedNumber"),
    ("_1", "MalformedIdentifier"),
    ("____49steps", "MalformedIdentifier"),
    ("let x = 1; x ☃", "UnexpectedInput"),
]


@pytest.mark.parametrize("src,lex", LEX_ERRORS)
def test_lex_errors(src, lex):
    e = error_of(src)
    assert e.kind == "ErrorParsing"
    assert e.parse_error_type == "BadInput"
    assert e.fields["lex_error"] == lex


@pytest.mark.parametrize("src", ["var x = 1;", "let null = 1;", "1 ++ 2", "a === b", "#!/x\n1", "x ~ y"])
def test_reserved(src):
    e = error_of(src)
    assert e.parse_error_type == "Reserved"


def test_reserved_message():
    assert error_of("var x = 1;").message == "'var' is a reserved keyword"


def test_positions_count_chars_and_lines():
    e = error_of("let a = 1;\n  let b = é;")
    assert e.position == (2, 11)


def test_unit_token():
    assert run("()") is None
    assert error_of("( )").kind == "ErrorParsing"


def test_one_dot_at_end_is_not_float():
    assert error_of("1.").parse_error_type in ("PropertyExpected", "UnexpectedEOF")
