"""Core functions: conversions, strings, arrays, maps, math basics."""

from __future__ import annotations

import math

from .._errors import err
from .._registry import ANY
from .._runtime import INT_MAX, INT_MIN, arith, contains, cp, eq, fn_not_found
from .._values import Char, FnPtr, Range, StepRange, to_debug, to_string, type_of

S = (str,)
SC = (str, Char)
I = int
F = float
L = list
M = dict
B = bytearray


# ---------------------------------------------------------------- numbers

def to_int_f(x):
    if x != x or math.isinf(x):
        raise arith(f"Integer overflow: to_int({to_string(x)})")
    v = int(x)
    if not INT_MIN <= v <= INT_MAX:
        raise arith(f"Integer overflow: to_int({to_string(x)})")
    return v


def abs_i(x):
    if x == INT_MIN:
        raise arith(f"Negation overflow: -{x}")
    return abs(x)


def parse_int(s, radix=10):
    if not 2 <= radix <= 36:
        raise arith(f"Invalid radix: '{radix}'")
    t = s.strip()
    body = t[1:] if t[:1] in "+-" else t
    if not t:
        raise arith(f"Error parsing integer number '{s}': cannot parse integer from empty string")
    try:
        if not body or any(c in "_ " for c in body):
            raise ValueError
        v = int(t, radix)
    except ValueError:
        raise arith(f"Error parsing integer number '{s}': invalid digit found in string") from None
    if v > INT_MAX:
        raise arith(f"Error parsing integer number '{s}': number too large to fit in target type")
    if v < INT_MIN:
        raise arith(f"Error parsing integer number '{s}': number too small to fit in target type")
    return v


def parse_float(s):
    t = s.strip()
    try:
        if "_" in t or not t:
            raise ValueError
        return float(t)
    except ValueError:
        raise arith(f"Error parsing floating-point number '{s}': invalid float literal") from None


def round_half_away(x):
    if x != x or math.isinf(x):
        return x
    return float(math.floor(abs(x) + 0.5)) * (1.0 if x >= 0 else -1.0)


def range_fn(a, b, step=None):
    if step is None:
        if type(a) is int and type(b) is int:
            return Range(a, b, False)
        raise fn_not_found("range", (a, b))
    if step == 0:
        raise arith("step value cannot be zero")

    def gen():
        x = a
        if step > 0:
            while x < b:
                yield x
                x += step
        else:
            while x > b:
                yield x
                x += step
    return StepRange(gen())


def _min(a, b):
    if type(a) is not type(b):
        return min(float(a), float(b)) if float(b) < float(a) else float(a)
    return b if b < a else a


def _max(a, b):
    if type(a) is not type(b):
        return float(b) if float(b) > float(a) else float(a)
    return b if b > a else a


def register(reg):
    r = reg.register
    # generic
    r("to_string", (ANY,), to_string)
    r("to_debug", (ANY,), to_debug)
    r("contains", (ANY, ANY), contains)
    # blobs
    r("blob", (), bytearray)
    r("blob", (I,), lambda n: bytearray(max(0, n)))
    r("blob", (I, I), lambda n, v: bytearray([v & 0xFF]) * max(0, n))
    r("len", (B,), len)
    r("get$len", (B,), len)
    r("push", (B, I), lambda b, v: b.append(v & 0xFF), pure=False)
    # numbers
    r("abs", (I,), abs_i)
    r("abs", (F,), abs)
    r("sign", (I,), lambda x: (x > 0) - (x < 0))
    r("to_int", (I,), lambda x: x)
    r("to_int", (F,), to_int_f)
    r("to_float", (I,), float)
    r("to_float", (F,), float)
    r("parse_int", (S,), parse_int)
    r("parse_int", (S, I), parse_int)
    r("parse_float", (S,), parse_float)
    r("to_hex", (I,), lambda x: "%x" % (x & 0xFFFFFFFFFFFFFFFF))
    r("to_octal", (I,), lambda x: "%o" % (x & 0xFFFFFFFFFFFFFFFF))
    r("to_binary", (I,), lambda x: "%b" % (x & 0xFFFFFFFFFFFFFFFF))
    for name, fn in (("is_odd", lambda x: x % 2 == 1), ("is_even", lambda x: x % 2 == 0),
                     ("is_zero", lambda x: x == 0)):
        r(name, (I,), fn)
        r("get$" + name, (I,), fn)
    for name, fn in (("floor", lambda x: float(math.floor(x)) if math.isfinite(x) else x),
                     ("ceiling", lambda x: float(math.ceil(x)) if math.isfinite(x) else x),
                     ("round", round_half_away),
                     ("int", lambda x: float(math.trunc(x)) if math.isfinite(x) else x),
                     ("fraction", lambda x: x - math.trunc(x) if math.isfinite(x) else math.nan),
                     ("is_nan", lambda x: x != x), ("is_finite", math.isfinite),
                     ("is_infinite", math.isinf), ("is_zero", lambda x: x == 0)):
        r(name, (F,), fn)
        r("get$" + name, (F,), fn)
    for name in ("sqrt", "exp", "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh"):
        fn = getattr(math, name)
        r(name, (F,), lambda x, fn=fn: _safe_math(fn, x))
    r("ln", (F,), lambda x: _safe_math(math.log, x))
    r("log", (F,), lambda x: _safe_math(math.log10, x))
    r("PI", (), lambda: math.pi)
    r("E", (), lambda: math.e)
    for t1 in (I, F):
        for t2 in (I, F):
            r("min", (t1, t2), _min)
            r("max", (t1, t2), _max)
    r("min", (S, S), _min)
    r("max", (S, S), _max)
    r("min", ((Char,), (Char,)), _min)
    r("max", ((Char,), (Char,)), _max)
    r("range", (I, I), range_fn)
    r("range", (I, I, I), range_fn)
    r("range", (F, F, F), range_fn)
    # ranges
    rg = (Range,)
    for name, fn in (("start", lambda x: x.start), ("end", lambda x: x.end),
                     ("is_inclusive", lambda x: x.inclusive), ("is_exclusive", lambda x: not x.inclusive),
                     ("is_empty", lambda x: len(x.py_range()) == 0)):
        r(name, (rg,), fn)
        r("get$" + name, (rg,), fn)
    r("len", (rg,), lambda x: len(x.py_range()))
    # function pointers
    fp = (FnPtr,)
    r("get$name", (fp,), lambda f: f.name)
    r("name", (fp,), lambda f: f.name)
    r("get$is_anonymous", (fp,), lambda f: f.is_anonymous)
    r("is_anonymous", (fp,), lambda f: f.is_anonymous)


def _safe_math(fn, x):
    try:
        return fn(x)
    except (ValueError, OverflowError):
        return math.nan
