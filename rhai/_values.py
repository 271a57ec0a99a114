"""Rhai value types that Python has no exact equivalent for, and text conversion."""

from __future__ import annotations

import math

__all__ = ["Char", "FnPtr", "Range", "Shared", "type_of", "to_string", "to_debug", "INT_MIN", "INT_MAX"]

INT_MIN = -(1 << 63)
INT_MAX = (1 << 63) - 1


class Char(str):
    """A Rhai ``char``: a ``str`` of length 1 that ``type_of`` reports as ``char``."""

    __slots__ = ()

    def __repr__(self):
        return f"Char({str.__repr__(self)})"


class Shared:
    """A shared (closure-captured) variable cell."""

    __slots__ = ("v",)

    def __init__(self, v):
        self.v = v


class module:  # noqa: N801 - the class name is the Rhai type name (type_of)
    """An imported module script: exported variables, its public functions (by
    (name, arity), compiled) and the modules it imported (sub-modules)."""

    __slots__ = ("path", "vars", "fns", "subs")
    rhai_text = "<module>"

    def __init__(self, path, vars, fns, subs):
        self.path = path
        self.vars = vars
        self.fns = fns
        self.subs = subs

    def __repr__(self):
        return f"<module {self.path}>"


class FnPtr:
    """A Rhai function pointer (``Fn("name")``) or closure (``|x| ...``)."""

    __slots__ = ("name", "fn", "curry", "is_anonymous")

    def __init__(self, name, fn=None, curry=(), is_anonymous=False):
        self.name = name
        self.fn = fn  # python function (for anonymous fns) or None
        self.curry = tuple(curry)
        self.is_anonymous = is_anonymous

    def __repr__(self):
        return f"Fn({self.name})"


class Range:
    """An INT range ``a..b`` or ``a..=b``."""

    __slots__ = ("start", "end", "inclusive")

    def __init__(self, start, end, inclusive=False):
        self.start = start
        self.end = end
        self.inclusive = inclusive

    def py_range(self):
        return range(self.start, self.end + 1 if self.inclusive else self.end)

    def __iter__(self):
        return iter(self.py_range())

    def __contains__(self, x):
        if self.inclusive:
            return self.start <= x <= self.end
        return self.start <= x < self.end

    def __eq__(self, other):
        return (
            type(other) is Range
            and self.inclusive == other.inclusive
            and self.start == other.start
            and self.end == other.end
        )

    def __hash__(self):
        return hash((self.start, self.end, self.inclusive))

    def __repr__(self):
        return _range_text(self)


class StepRange:
    """Iterator value produced by ``range(a, b, step)``; ``type_of`` is ``range``."""

    __slots__ = ("it",)

    def __init__(self, it):
        self.it = it

    def __iter__(self):
        return iter(self.it)


class timestamp:  # noqa: N801 - the class name is the Rhai type name (type_of)
    """A point in time: ``ns`` is an INT of nanoseconds on the monotonic clock
    (like Rust's ``Instant``); prints as ``<timestamp>``.  Immutable: the
    operators (``_runtime.ts_add``/``ts_sub``) make a new one."""

    __slots__ = ("ns",)
    rhai_text = "<timestamp>"

    def __init__(self, ns):
        self.ns = ns

    def __eq__(self, other):
        return self.ns == other.ns if type(other) is timestamp else NotImplemented

    def __hash__(self):
        return hash(self.ns)

    def __repr__(self):
        return "<timestamp>"


_TYPE_NAMES = {
    int: "i64",
    float: "f64",
    bool: "bool",
    str: "string",
    Char: "char",
    list: "array",
    dict: "map",
    type(None): "()",
    bytearray: "blob",
    FnPtr: "Fn",
    StepRange: "range",
}


def type_of(v):
    t = type(v)
    if t is Shared:
        return type_of(v.v)
    n = _TYPE_NAMES.get(t)
    if n is not None:
        return n
    if t is Range:
        return "range=" if v.inclusive else "range"
    return t.__name__


# ---------------------------------------------------------------- floats

def _decompose(x):
    """abs(x) (finite, non-zero) as (digits, point): value = 0.<digits> * 10**point."""
    r = repr(abs(x))
    if "e" in r:
        mant, exp = r.split("e")
        exp = int(exp)
    else:
        mant, exp = r, 0
    if "." in mant:
        ip, fp = mant.split(".")
    else:
        ip, fp = mant, ""
    digits = ip + fp
    point = len(ip) + exp
    stripped = digits.lstrip("0")
    point -= len(digits) - len(stripped)
    digits = stripped.rstrip("0") or "0"
    return digits, point


def _plain(digits, point):
    if point <= 0:
        return "0." + "0" * (-point) + digits
    if point >= len(digits):
        return digits + "0" * (point - len(digits)) + ".0"
    return digits[:point] + "." + digits[point:]


def _sci(digits, point):
    m = digits[0]
    if len(digits) > 1:
        m += "." + digits[1:]
    return f"{m}e{point - 1}"


def float_to_string(x):
    if x != x:
        return "NaN"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x == 0:
        return "0.0"
    sign = "-" if x < 0 else ""
    digits, point = _decompose(x)
    a = abs(x)
    if a > 9999999827968.0 or a < 9.99999982e-14:
        return sign + _sci(digits, point)
    return sign + _plain(digits, point)


def float_to_debug(x):
    if x != x:
        return "NaN"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x == 0:
        return "-0.0" if math.copysign(1.0, x) < 0 else "0.0"
    sign = "-" if x < 0 else ""
    digits, point = _decompose(x)
    a = abs(x)
    if 1e-4 <= a < 1e16:
        return sign + _plain(digits, point)
    return sign + _sci(digits, point)


# ---------------------------------------------------------------- text

def _str_debug(s):
    out = ['"']
    for c in s:
        o = ord(c)
        if c == '"':
            out.append('\\"')
        elif c == "\\":
            out.append("\\\\")
        elif c == "\n":
            out.append("\\n")
        elif c == "\r":
            out.append("\\r")
        elif c == "\t":
            out.append("\\t")
        elif c == "\0":
            out.append("\\0")
        elif o < 32 or o == 127 or 0x80 <= o < 0xA0:
            out.append("\\u{%x}" % o)
        else:
            out.append(c)
    out.append('"')
    return "".join(out)


def _range_text(r):
    sep = "..=" if r.inclusive else ".."
    if r.end == INT_MAX:
        return f"{r.start}{sep}"
    return f"{r.start}{sep}{r.end}"


def _blob_text(b):
    parts = []
    for i, byte in enumerate(b):
        if i and i % 8 == 0:
            parts.append(" ")
        parts.append("%02x" % byte)
    return "[" + "".join(parts) + "]"


def to_string(v):
    t = type(v)
    if t is str or t is Char:
        return str(v)
    if t is int:
        return str(v)
    if t is bool:
        return "true" if v else "false"
    if t is float:
        return float_to_string(v)
    if v is None:
        return ""
    return to_debug(v)


def to_debug(v):
    t = type(v)
    if t is str:
        return _str_debug(v)
    if t is Char:
        return str(v)
    if t is int:
        return str(v)
    if t is bool:
        return "true" if v else "false"
    if t is float:
        return float_to_debug(v)
    if v is None:
        return "()"
    if t is list:
        return "[" + ", ".join(to_debug(e) for e in v) + "]"
    if t is dict:
        return "#{" + ", ".join(_str_debug(k) + ": " + to_debug(v[k]) for k in sorted(v)) + "}"
    if t is bytearray:
        return _blob_text(v)
    if t is FnPtr:
        return f"Fn({v.name})"
    if t is Range:
        return _range_text(v)
    if t is Shared:
        return to_debug(v.v)
    if t is StepRange:
        return "range"
    return getattr(t, "rhai_text", None) or t.__name__
