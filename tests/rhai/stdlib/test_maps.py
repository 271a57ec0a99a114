"""Reference section 8.2: object maps, to_json and parse_json."""

import pytest

from ..conftest import error_of, run, same

VALUES = [
    ("#{a: 1, b: 2}.len()", 2), ("#{}.is_empty()", True), ("#{a: 1}.len", None), ("#{a: 1}.a", 1),
    ("#{a: 1}.b", None), ('#{a: 1}["a"]', 1), ('let m = #{a: 1}; m["zz"]', None),
    ("#{b: 1, a: 2, c: 3}.keys()", ["a", "b", "c"]), ("#{b: 1, a: 2, c: 3}.values()", [2, 1, 3]),
    ("let m = #{}; m.z = 1; m.a = 2; m.keys()", ["a", "z"]),
    ('#{a: 1}.contains("a")', True), ('"b" in #{a: 1}', False), ("'a' in #{a: 1}", True),
    ('#{a: 1}.get("a")', 1), ('#{a: 1}.get("b")', None),
    ('let m = #{a: 1}; m.set("b", 2); m', {"a": 1, "b": 2}),
    ('let m = #{a: 1, b: 2}; m.remove("a")', 1), ('let m = #{a: 1, b: 2}; m.remove("a"); m', {"b": 2}),
    ('let m = #{a: 1}; m.remove("x")', None), ("let m = #{a: 1}; m.clear(); m", {}),
    ("let m = #{a: 1, b: 2}; m.mixin(#{b: 3, c: 4}); m", {"a": 1, "b": 3, "c": 4}),
    ("let m = #{a: 1}; m += #{a: 2}; m", {"a": 2}), ("#{a: 1, b: 1} + #{b: 2}", {"a": 1, "b": 2}),
    ("let m = #{a: 1}; let n = m + #{b: 1}; m", {"a": 1}),
    ("let m = #{a: 1, b: 2}; m.fill_with(#{b: 3, c: 4}); m", {"a": 1, "b": 2, "c": 4}),
    ("#{a: 1, b: 2, c: 3}.filter(|k, v| v > 1)", {"b": 2, "c": 3}),
    ('#{a: 1, b: 2}.filter(|k| k == "a")', {"a": 1}), ("#{a: 1, b: 2}.filter(|k| this == 2)", {"b": 2}),
    ("#{a: 1, b: 2}.map(|k, v| v * 10)", {"a": 10, "b": 20}), ("#{a: 1}.map(|k| k + this)", {"a": "a1"}),
    ("let m = #{a: 1, b: 2}; let d = m.drain(|k, v| v > 1); [m, d]", [{"a": 1}, {"b": 2}]),
    ("let m = #{a: 1, b: 2}; let d = m.retain(|k, v| v > 1); [m, d]", [{"b": 2}, {"a": 1}]),
    ("#{a: 1, b: [1]} == #{b: [1], a: 1}", True), ("#{a: 1} != #{a: 2}", True), ("#{a: 1} == #{a: 1.0}", True),
    ("let m = #{a: #{b: 1}}; m.a.b = 2; m.a.b", 2),
    ("let m = #{a: [1]}; m.a.push(2); m.a", [1, 2]), ("let m = #{a: 1}; let n = m; n.a = 2; m.a", 1),
    ("let m = #{v: 1, inc: |n| this.v += n}; m.inc(5); m.v", 6),
    ('let m = #{a: 1}; let r = []; for k in m.keys() { r.push(k) } r', ["a"]),
    # to_json
    ('#{b: 1, a: "x", c: [1, 2.5, true, ()], d: #{}}.to_json()', '{"a":"x","b":1,"c":[1,2.5,true,null],"d":{}}'),
    ('#{s: "q\\"\\n\\u00e9"}.to_json()', '{"s":"q\\"\\né"}'), ("#{}.to_json()", "{}"),
    ("#{f: 1.0, g: 1e20, h: -0.5}.to_json()", '{"f":1.0,"g":1e20,"h":-0.5}'),
    ('#{f: Fn("x")}.to_json()', '{"f":"x"}'), ("#{c: 'x'}.to_json()", '{"c":"x"}'),
    ("to_json(#{a: #{b: [#{c: 1}]}})", '{"a":{"b":[{"c":1}]}}'),
    # parse_json
    ('parse_json(`{"a": 1, "b": [1, 2.5, "x", null, true], "c": {"d": -3}}`)',
     {"a": 1, "b": [1, 2.5, "x", None, True], "c": {"d": -3}}),
    ('parse_json("{}")', {}), ('type_of(parse_json(`{"a": 1e3}`).a)', "f64"), ('type_of(parse_json(`{"a": 10}`).a)', "i64"),
    ('parse_json(`{"a": "\\u00e9\\n"}`).a', "é\n"), ('parse_json(`{"a": 99999999999999999999}`).a', 1e20),
    ('let m = #{x: [1, #{y: "z"}], n: ()}; parse_json(m.to_json()) == m', True),
]


@pytest.mark.parametrize("src,want", VALUES)
def test_values(src, want):
    got = run(src)
    assert same(got, want), got


ERRORS = [
    ('parse_json("[1, 2]")', "ErrorMismatchOutputType"), ('parse_json("1")', "ErrorMismatchOutputType"),
    ('parse_json("{")', "ErrorParsing"), ('parse_json(`{"a": 1, "a": 2}`)', "ErrorParsing"),
    ("let m = #{a: 1}; m[1]", "ErrorMismatchDataType"), ("const M = #{a: 1}; M.clear()", "ErrorNonPureMethodCallOnConstant"),
    ("#{a: 1}.keys(1)", "ErrorFunctionNotFound"), ("let m = #{}; m.x.y", "ErrorDotExpr"),
]


@pytest.mark.parametrize("src,kind", ERRORS)
def test_errors(src, kind):
    assert error_of(src).kind == kind


def test_parse_json_error_message():
    assert error_of('parse_json("[1]")').message == "Output type incorrect: array (expecting map)"


LIMITS = [
    ("let m = #{a: 1}; m.mixin(#{b: 1, c: 2}); m", dict(set_max_map_size=2)),
    ('parse_json(`{"a": 1, "b": 2, "c": 3}`)', dict(set_max_map_size=2)),
    ("let m = #{}; m.set(\"a\", 1); m.set(\"b\", 1); m", dict(set_max_map_size=1)),
]


@pytest.mark.parametrize("src,limits", LIMITS)
def test_size_limits(src, limits):
    assert error_of(src, **limits).kind == "ErrorDataTooLarge"


def test_json_work_is_charged():
    src = 'let s = "{\\"a\\": \\""; s.pad(100000, \'x\'); s += "\\"}"; for i in 0..1000 { parse_json(s).to_json(); } 0'
    assert error_of(src, set_max_operations=20_000).kind == "ErrorTooManyOperations"
