"""The route-template parser shared with the data plane (no server needed)."""

import pytest

from picloud.shared.paths import Segment, format_template, is_reserved, match, parse_template, shape


@pytest.mark.parametrize("template, segments", [
    ("/", [Segment("literal", "")]),
    ("/a/", [Segment("literal", "a"), Segment("literal", "")]),
    ("/hello/{name}", [Segment("literal", "hello"), Segment("param", "name")]),
    ("/f/{rest...}", [Segment("literal", "f"), Segment("catch_all", "rest")]),
    ("/caf\u00e9/{id}/x:y@z", [Segment("literal", "caf\u00e9"), Segment("param", "id"), Segment("literal", "x:y@z")]),
])
def test_parse_and_format_round_trip(template, segments):
    assert parse_template(template) == segments
    assert format_template(segments) == template


@pytest.mark.parametrize("template", [
    "", "a", "//", "/a//b", "/{x}/{x}", "/{r...}/a", "/{r...}/", "/a{b}", "/{}", "/{...}", "/{a-b}",
    "/a%20b", "/a\tb", "/.", "/a/..", "/" + "a" * 1024,
])
def test_invalid_templates(template):
    with pytest.raises(ValueError):
        parse_template(template)


def test_match():
    hello = parse_template("/hello/{name}")
    assert match(hello, "/hello/ann") == {"name": "ann"}
    assert match(hello, "/hello/") is None and match(hello, "/hello") is None
    assert match(hello, "/hello/ann/x") is None
    rest = parse_template("/f/{rest...}")
    assert match(rest, "/f") == {"rest": ""} and match(rest, "/f/") == {"rest": ""}
    assert match(rest, "/f/a/b") == {"rest": "a/b"} and match(rest, "/g/a") is None
    slash = parse_template("/a/")
    assert match(slash, "/a/") == {} and match(slash, "/a") is None
    assert match(parse_template("/"), "/") == {}


def test_shape_and_reserved():
    assert shape(parse_template("/a/{x}")) == shape(parse_template("/a/{y}"))
    assert shape(parse_template("/a/{x}")) != shape(parse_template("/a/b"))
    assert shape(parse_template("/a/{x...}")) != shape(parse_template("/a/{x}"))
    assert is_reserved(parse_template("/_picloud")) and is_reserved(parse_template("/_PICLOUD/x"))
    assert not is_reserved(parse_template("/{x}")) and not is_reserved(parse_template("/picloud"))
