"""Route path templates: parsing, validation and matching.

A template is what a user binds a script to, e.g. ``/hello/{name}`` or
``/files/{rest...}``. It is split on ``/`` into segments of three kinds:

``literal``
    Plain text that must equal the request's path segment exactly
    (case-sensitive, compared with the percent-*decoded* ASGI ``path``).
``param``
    ``{name}``, where ``name`` is an identifier (``[A-Za-z_][A-Za-z0-9_]*``):
    matches exactly one non-empty path segment and binds it to ``name``.
``catch_all``
    ``{name...}``, allowed only as the last segment: matches the rest of the
    path, zero or more segments joined with ``/``. ``/files/{rest...}``
    matches ``/files`` and ``/files/`` (``rest=""``) and ``/files/a/b``
    (``rest="a/b"``). (Same semantics as the data plane's route table,
    :mod:`picloud.orchestrator.routes`.)

Trailing slash policy: a trailing slash is *significant*. ``/a/`` and ``/a``
are different templates, and ``/a/`` only matches the request path ``/a/``.
It is represented as a final empty literal segment, so that matching stays a
plain segment-by-segment comparison of ``path[1:].split("/")``; the root
template ``/`` is ``[literal ""]``. Empty segments anywhere else (``//``) are
refused.

Other rules: a template starts with ``/``; it is at most
:data:`MAX_TEMPLATE_LENGTH` characters; parameter names are unique; a
segment is either all literal or exactly one ``{...}`` (no ``/file.{ext}``);
literals must not contain ``{ } ? # %``, backslashes, whitespace or control
characters (the request path is matched decoded, so write ``/café``, not
``/caf%C3%A9``), nor be the dot segments ``.`` or ``..``.

Precedence, for a router holding several templates that match one path:
compare segment by segment from the left; a literal beats a param, which
beats a catch-all; a route for the exact method beats ``ANY``. :func:`shape` gives the key under which two templates
are *indistinguishable* (``/a/{x}`` and ``/a/{y}``), which the control plane
refuses as a conflict for the same method.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

import attrs

MAX_TEMPLATE_LENGTH = 1024

SegmentKind = Literal["literal", "param", "catch_all"]

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_FORBIDDEN_IN_LITERAL = re.compile(r"[{}?#%\\\s\x00-\x1f\x7f]")


@attrs.frozen
class Segment:
    """One ``/``-separated part of a template.

    ``value`` is the literal text for ``literal`` segments and the parameter
    name for ``param`` and ``catch_all`` segments.
    """

    kind: SegmentKind
    value: str

    def __str__(self) -> str:
        if self.kind == "param":
            return "{" + self.value + "}"
        if self.kind == "catch_all":
            return "{" + self.value + "...}"
        return self.value


def parse_template(path: str) -> list[Segment]:
    """Parse and validate a template; raise ``ValueError`` saying what is wrong."""
    if not isinstance(path, str):
        raise ValueError("must be a string")
    if not path.startswith("/"):
        raise ValueError("must start with '/'")
    if len(path) > MAX_TEMPLATE_LENGTH:
        raise ValueError(f"must be at most {MAX_TEMPLATE_LENGTH} characters")
    parts = path[1:].split("/")
    segments: list[Segment] = []
    names: set[str] = set()
    last = len(parts) - 1
    for index, part in enumerate(parts):
        position = f"segment {index + 1} ({part!r})"
        if part == "":
            if index != last:
                raise ValueError("empty segment ('//'); only a single trailing slash is allowed")
            segments.append(Segment("literal", ""))
            continue
        if part.startswith("{") and part.endswith("}") and len(part) >= 2:
            inner = part[1:-1]
            kind: SegmentKind = "param"
            if inner.endswith("..."):
                kind, inner = "catch_all", inner[:-3]
            if not _IDENTIFIER.fullmatch(inner):
                raise ValueError(
                    f"{position}: parameter name must be an identifier "
                    "(letters, digits and '_', not starting with a digit)"
                )
            if inner in names:
                raise ValueError(f"{position}: duplicate parameter name {inner!r}")
            if kind == "catch_all" and index != last:
                raise ValueError(f"{position}: a catch-all parameter must be the last segment")
            names.add(inner)
            segments.append(Segment(kind, inner))
            continue
        if "{" in part or "}" in part:
            raise ValueError(
                f"{position}: a parameter must be a whole segment, like '/{{name}}' or '/{{rest...}}'"
            )
        if part in (".", ".."):
            raise ValueError(f"{position}: dot segments are not allowed")
        bad = _FORBIDDEN_IN_LITERAL.search(part)
        if bad:
            raise ValueError(f"{position}: character {bad.group()!r} is not allowed in a path")
        segments.append(Segment("literal", part))
    return segments


def format_template(segments: Sequence[Segment]) -> str:
    """The canonical text of a parsed template (``parse_template`` inverse)."""
    return "/" + "/".join(str(segment) for segment in segments)


def shape(segments: Sequence[Segment]) -> str:
    """A key equal for templates that match exactly the same request paths."""
    parts = []
    for segment in segments:
        if segment.kind == "literal":
            parts.append(segment.value)
        elif segment.kind == "param":
            parts.append("{}")
        else:
            parts.append("{...}")
    return "/" + "/".join(parts)


def param_names(segments: Sequence[Segment]) -> list[str]:
    return [s.value for s in segments if s.kind != "literal"]


def match(segments: Sequence[Segment], path: str) -> dict[str, str] | None:
    """Match a (decoded) request path; return the parameters or ``None``."""
    if not path.startswith("/"):
        return None
    parts = path[1:].split("/")
    params: dict[str, str] = {}
    for index, segment in enumerate(segments):
        if segment.kind == "catch_all":
            params[segment.value] = "/".join(parts[index:])
            return params
        if index >= len(parts):
            return None
        part = parts[index]
        if segment.kind == "literal":
            if part != segment.value:
                return None
        else:
            if part == "":
                return None
            params[segment.value] = part
    if len(parts) != len(segments):
        return None
    return params


def is_reserved(segments: Sequence[Segment]) -> bool:
    """True for templates under ``/_picloud`` (the platform's own namespace)."""
    return bool(segments) and segments[0].kind == "literal" and segments[0].value.lower() == "_picloud"
