"""Reference section 7: string and character functions."""

import pytest

from ..conftest import error_of, run, same

VALUES = [
    # length and queries
    ('"héllo".len()', 5), ('"héllo".len', 5), ('"héllo".bytes', 6), ('"héllo".bytes()', 6),
    ('"".is_empty()', True), ('"a".is_empty', False), ('len("abc")', 3),
    ('"ß".to_upper()', "SS"), ('"AbC".to_lower()', "abc"), ("'a'.to_upper()", "A"), ("'ß'.to_upper()", "ß"),
    ('type_of(\'a\'.to_upper())', "char"), ("to_int('A')", 65),
    ('"hello".contains("ell")', True), ('"hello".contains(\'z\')', False), ('"ell" in "hello"', True),
    ("'h' in \"hello\"", True), ('"x" !in "hello"', True),
    ('"hello".starts_with("he")', True), ('"hello".starts_with(\'h\')', True), ('"hello".ends_with("lo")', True),
    ('"hello".ends_with("x")', False),
    ('"hello".index_of(\'l\')', 2), ('"hello".index_of("lo")', 3), ('"hello".index_of("z")', -1),
    ('"hello".index_of(\'l\', 3)', 3), ('"hello".index_of(\'l\', -2)', 3), ('"hello".index_of(\'l\', 9)', -1),
    ('"hello".index_of(\'h\', -99)', 0), ('"héllo".index_of("l")', 2),
    ('"hello".get(1)', "e"), ('"hello".get(-1)', "o"), ('"hello".get(5)', None), ('"hello".get(-6)', None),
    # indexing and slicing
    ('"hello"[1]', "e"), ('"hello"[-1]', "o"), ('"hello"[1..3]', "el"), ('"hello"[1..=2]', "el"),
    ('"hello"[1..=1]', ""), ('"hello"[3..99]', "lo"), ('"hello"[-3..]', "llo"), ('"hello"[..2]', "he"),
    ('let s = "hello"; s[0] = \'J\'; s', "Jello"), ('let s = "hello"; s[-1] = \'O\'; s', "hellO"),
    ('let s = "hello"; s[1..3] = "EE"; s', "hEElo"),
    # sub_string / crop / truncate
    ('"hello".sub_string(1, 3)', "ell"), ('"hello".sub_string(1)', "ello"), ('"hello".sub_string(-2)', "lo"),
    ('"hello".sub_string(-2, 1)', "l"), ('"hello".sub_string(9)', ""), ('"hello".sub_string(1, 0)', ""),
    ('"hello".sub_string(1, -1)', ""), ('"hello".sub_string(3, 99)', "lo"), ('"hello".sub_string(1..3)', "el"),
    ('"hello".sub_string(1..=3)', "ell"), ('"hello".sub_string(2..)', "llo"), ('sub_string("hello", 0, 2)', "he"),
    ('let s = "hello"; s.crop(1, 2); s', "el"), ('let s = "hello"; s.crop(2); s', "llo"),
    ('let s = "hello"; s.crop(1..=2); s', "el"), ('let s = "hello"; s.crop(-3); s', "llo"),
    ('let s = "hello"; s.truncate(2); s', "he"), ('let s = "hello"; s.truncate(-1); s', ""),
    ('let s = "hello"; s.truncate(99); s', "hello"), ('let s = "hello"; s.truncate(2)', None),
    # pad
    ('let s = "ab"; s.pad(5, \'*\'); s', "ab***"), ('let s = "ab"; s.pad(7, "xyz"); s', "abxyzxy"),
    ('let s = "abc"; s.pad(2, \'*\'); s', "abc"), ('let s = "ab"; s.pad(4, ""); s', "ab"),
    # replace / remove / trim / clear
    ('let s = "a-b-c"; s.replace("-", "+"); s', "a+b+c"), ('let s = "a-b-c"; s.replace(\'-\', \'.\'); s', "a.b.c"),
    ('let s = "aaa"; s.replace("a", "bb"); s', "bbbbbb"), ('let s = "ab"; s.replace("", "-"); s', "-a-b-"),
    ('let s = "a-b-c"; s.replace("-", ""); s', "abc"),
    ('let s = "banana"; s.remove("an"); s', "ba"), ('let s = "banana"; s.remove(\'a\'); s', "bnn"),
    ('let s = "  hi  "; s.trim(); s', "hi"), ('let s = " x "; s.trim()', None),
    ('let s = "abc"; s.clear(); s', ""), ('let s = "abc"; s.clear(); s.len()', 0),
    # pop / append / += / -
    ('let s = "abc"; let c = s.pop(); s + c', "abc"), ('let s = "abc"; s.pop(); s', "ab"),
    ('let s = ""; s.pop()', None), ('let s = "abc"; s.pop(2)', "bc"), ('let s = "abc"; s.pop(2); s', "a"),
    ('let s = "abc"; s.pop(0)', ""), ('let s = "abc"; s.pop(9)', "abc"), ('let s = "abc"; s.pop(9); s', ""),
    ('let s = "a"; s.append(1); s.append(\'c\'); s.append(()); s.append([1]); s', "a1c[1]"),
    ('let s = "a"; s += 1.5; s', "a1.5"), ('let s = "a"; s += \'b\'; s', "ab"), ('"a" + 1', "a1"),
    ('1 + "a"', "1a"), ('"a" + ()', "a"), ("'a' + 'b'", "ab"), ('"banana" - "an"', "ba"), ('"banana" - \'a\'', "bnn"),
    ('let s = "banana"; s -= \'n\'; s', "baaa"),
    # to_upper/make_*
    ('let s = "Ab"; s.make_upper(); s', "AB"), ('let s = "Ab"; s.make_lower(); s', "ab"),
    ("let c = 'a'; c.make_upper(); c", "A"),
    # split
    ('"a b  c".split()', ["a", "b", "c"]), ('"".split()', [""]), ('"a,b,,c".split(",")', ["a", "b", "", "c"]),
    ('"a,b,c".split(\',\')', ["a", "b", "c"]), ('"a,b,c".split(",", 2)', ["a", "b,c"]),
    ('"a,b,c".split(",", 1)', ["a,b,c"]), ('"a,b,c".split(",", 0)', ["a,b,c"]),
    ('"abc".split("")', ["", "a", "b", "c", ""]), ('"hello".split(2)', ["he", "llo"]),
    ('"hello".split(-1)', ["hell", "o"]), ('"hello".split(99)', ["hello", ""]),
    ('"a,b,,c".split_rev(",")', ["c", "", "b", "a"]), ('"a,b,,c".split_rev(",", 2)', ["c", "a,b,"]),
    ('"a,b,c".split_rev(\',\', 1)', ["a,b,c"]),
    # chars
    ('"abc".to_chars()', ["a", "b", "c"]), ('type_of("ab".to_chars()[0])', "char"),
    ('let r = []; for c in "héllo".chars() { r.push(c) } r', ["h", "é", "l", "l", "o"]),
    ('let r = []; for c in "hello".chars(2) { r.push(c) } r', ["l", "l", "o"]),
    ('let r = []; for c in "hello".chars(1, 2) { r.push(c) } r', ["e", "l"]),
    ('let r = []; for c in "hello".chars(1..3) { r.push(c) } r', ["e", "l"]),
    ('let it = "ab".chars; let r = ""; for c in it { r += c } for c in it { r += c } r', "abab"),
    ('let r = []; for c in "ab" { r.push(type_of(c)) } r', ["char", "char"]),
    ('"hé".to_blob()', bytearray(b"h\xc3\xa9")),
    ('let s = "hello"; s.set(0, \'J\'); s', "Jello"), ('let s = "hello"; s.set(9, \'J\'); s', "hello"),
    ('let s = "hello"; s.set(-1, \'O\'); s', "hellO"),
    # min / max / comparisons
    ('min("b", "a")', "a"), ('max("b", "a")', "b"), ("max('a', 'z')", "z"), ('"abc" < "abd"', True),
    ("'a' == \"a\"", True),
    # method and function style, property paths
    ('let m = #{s: " x "}; m.s.trim(); m.s', "x"), ('let a = ["ab"]; a[0].pad(4, \'.\'); a[0]', "ab.."),
    ('let s = "x"; pad(s, 3, \'-\'); s', "x--"),
]


@pytest.mark.parametrize("src,want", VALUES)
def test_values(src, want):
    assert same(run(src), want), run(src)


ERRORS = [
    ('"abc"[3]', "ErrorStringBounds"), ('"abc"[-4]', "ErrorStringBounds"), ('""[0]', "ErrorStringBounds"),
    ('"abc"["x"]', "ErrorMismatchDataType"), ('let s = "abc"; s[0] = "x"; s', "ErrorMismatchDataType"),
    ('"a" * 3', "ErrorFunctionNotFound"), ("'a' + 1", "ErrorFunctionNotFound"),
    ('const S = " a "; S.trim()', "ErrorNonPureMethodCallOnConstant"),
    ('"abc".sub_string("x")', "ErrorFunctionNotFound"), ('42.len()', "ErrorFunctionNotFound"),
    ('1 in "abc"', "ErrorFunctionNotFound"),
]


@pytest.mark.parametrize("src,kind", ERRORS)
def test_errors(src, kind):
    assert error_of(src).kind == kind


def test_bounds_message():
    assert error_of('"abc"[5]').message == "String index 5 out of bounds: only 3 characters in string"


LIMITS = [
    ('let s = "x"; s.pad(1000000000000, \'y\'); s', dict(set_max_string_size=1000)),
    ('let s = "x"; s.pad(2000, "ab"); s', dict(set_max_string_size=1000)),
    ('let s = "aaaaaaaaaa"; s.replace("a", "' + "b" * 200 + '"); s', dict(set_max_string_size=1000)),
    ('let s = "x"; s.append("' + "y" * 1000 + '"); s', dict(set_max_string_size=1000)),
]


@pytest.mark.parametrize("src,limits", LIMITS)
def test_size_limits(src, limits):
    assert error_of(src, **limits).kind == "ErrorDataTooLarge"


OPS = [
    'let s = ""; s.pad(50000000, \'x\'); s.len()',
    'let s = ""; s.pad(100000, \'x\'); let n = 0; for i in 0..1000 { n += s.split("").len() } n',
    'let s = ""; s.pad(100000, \'x\'); for i in 0..1000 { s.replace("x", "y"); s.replace("y", "x") } s.len()',
    'let s = ""; s.pad(100000, \'x\'); for i in 0..1000 { s.to_upper(); s.index_of("z"); } 0',
]


@pytest.mark.parametrize("src", OPS)
def test_work_is_charged(src):
    assert error_of(src, set_max_operations=20_000).kind == "ErrorTooManyOperations"
