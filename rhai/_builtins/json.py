"""``to_json`` / ``parse_json`` (reference section 8.2)."""

from __future__ import annotations

import json as _json
import math

from .._errors import ParseError, err
from .._values import INT_MAX, INT_MIN, Char, FnPtr, float_to_debug, to_string, type_of
from ._util import charge

_dumps_str = _json.JSONEncoder(ensure_ascii=False).encode


def _emit(v, out):
    t = type(v)
    if t is str or t is Char:
        out.append(_dumps_str(str(v)))
    elif t is bool:
        out.append("true" if v else "false")
    elif t is int:
        out.append(str(v))
    elif t is float:
        out.append(float_to_debug(v) if math.isfinite(v) else "null")
    elif v is None:
        out.append("null")
    elif t is dict:
        out.append("{")
        first = True
        for k in sorted(v):
            if not first:
                out.append(",")
            first = False
            out.append(_dumps_str(k))
            out.append(":")
            _emit(v[k], out)
        out.append("}")
    elif t is list:
        out.append("[")
        for i, e in enumerate(v):
            if i:
                out.append(",")
            _emit(e, out)
        out.append("]")
    elif t is bytearray:
        out.append("[" + ",".join(map(str, v)) + "]")
    elif t is FnPtr:
        if v.curry and not v.is_anonymous:
            _emit([v.name] + list(v.curry), out)
        else:
            out.append(_dumps_str(v.name))
    else:
        out.append(_dumps_str(to_string(v)))


def to_json(ctx, d, v):
    out = []
    _emit(v, out)
    s = "".join(out)
    charge(ctx, len(s))
    if ctx.max_str:
        ctx.check_str(s)
    return s


def _int(text):
    v = int(text)
    if INT_MIN <= v <= INT_MAX:
        return v
    return float(text)


def _const(name):
    raise ValueError(f"invalid literal {name}")


def _pairs(pairs):
    m = {}
    for k, v in pairs:
        if k in m:
            raise ParseError("DuplicatedProperty", f"Duplicated property '{k}' for object map literal", None,
                             property=k)
        m[k] = v
    return m


def _bad_json(msg):
    return ParseError("BadInput", f"Invalid JSON: {msg}", None, lex_error="UnexpectedInput")


def _check_sizes(ctx, v):
    t = type(v)
    if t is dict:
        ctx.check_map(v)
        for e in v.values():
            _check_sizes(ctx, e)
    elif t is list:
        for e in v:
            _check_sizes(ctx, e)
    elif t is str:
        ctx.check_str(v)


def parse_json(ctx, d, text):
    charge(ctx, len(text))
    try:
        v = _json.loads(text, parse_int=_int, parse_constant=_const, object_pairs_hook=_pairs)
    except ValueError as e:
        raise _bad_json(str(e)) from None
    except RecursionError:
        raise ParseError("ExprTooDeep", "Expression exceeds maximum complexity", None) from None
    if type(v) is not dict:
        raise err("ErrorMismatchOutputType", f"Output type incorrect: {type_of(v)} (expecting map)",
                  requested="map", actual=type_of(v))
    if ctx.max_str or ctx.max_map:
        _check_sizes(ctx, v)
    if ctx.max_arr:
        for e in v.values():
            if type(e) is list:
                ctx.check_arr(e)
    return v


def register(reg):
    r = reg.register
    r("to_json", (dict,), to_json, ctx=True)
    r("to_json", (list,), to_json, ctx=True)
    r("parse_json", ((str,),), parse_json, ctx=True)

