"""Numbers: conversions, parsing, rounding, math functions and integer
bit-fields (reference sections 6, 8.4 and 9)."""

from __future__ import annotations

import math

from .._runtime import _bounds, _wrap64, arith
from .._values import INT_MAX, INT_MIN, Range, StepRange, to_string

S = (str,)
I = int
F = float
RG = (Range,)
_MASK = 0xFFFFFFFFFFFFFFFF
_INF = math.inf
_NAN = math.nan


# ---------------------------------------------------------------- conversions

def to_int_f(x):
    if x != x or math.isinf(x):
        raise arith(f"Integer overflow: to_int({to_string(x)})")
    v = int(x)
    if not INT_MIN <= v <= INT_MAX:
        raise arith(f"Integer overflow: to_int({to_string(x)})")
    return v


_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def parse_int(s, radix=10):
    if radix == 10 and len(s) < 19 and s.isascii() and s.isdigit():
        return int(s)  # plain short decimal digits: always valid and within i64
    if not 2 <= radix <= 36:
        raise arith(f"Invalid radix: '{radix}'")
    t = s.strip()
    if not t:
        raise arith(f"Error parsing integer number '{s}': cannot parse integer from empty string")
    body = t[1:] if t[0] in "+-" else t
    ok = _DIGITS[:radix]
    if not body or any(c not in ok for c in body.lower()):
        raise arith(f"Error parsing integer number '{s}': invalid digit found in string")
    v = int(t, radix)
    if v > INT_MAX:
        raise arith(f"Error parsing integer number '{s}': number too large to fit in target type")
    if v < INT_MIN:
        raise arith(f"Error parsing integer number '{s}': number too small to fit in target type")
    return v


_FLOAT_OK = frozenset("0123456789+-.eE")
_FLOAT_WORDS = frozenset(("inf", "+inf", "-inf", "infinity", "+infinity", "-infinity", "nan", "+nan", "-nan"))


def parse_float(s):
    t = s.strip()
    if t.lower() in _FLOAT_WORDS:
        return float(t)
    try:
        if not t or any(c not in _FLOAT_OK for c in t):
            raise ValueError
        return float(t)
    except ValueError:
        raise arith(f"Error parsing floating-point number '{s}': invalid float literal") from None


# ---------------------------------------------------------------- numeric helpers

def abs_i(x):
    if x == INT_MIN:
        raise arith(f"Negation overflow: -{x}")
    return -x if x < 0 else x


def sign_f(x):
    if x != x:
        raise arith("Sign of NaN is undefined")
    return 1 if x > 0 else (-1 if x < 0 else 0)


def floor_f(x):
    return float(math.floor(x)) if math.isfinite(x) else x


def ceiling_f(x):
    return float(math.ceil(x)) if math.isfinite(x) else x


def round_f(x):
    if not math.isfinite(x):
        return x
    a = abs(x)
    r = math.floor(a)
    if a - r >= 0.5:
        r += 1
    return math.copysign(float(r), x)


def int_f(x):
    return float(math.trunc(x)) if math.isfinite(x) else x


def fraction_f(x):
    return x - math.trunc(x) if math.isfinite(x) else _NAN


def _min(a, b):
    if type(a) is not type(b):
        a = float(a)
        b = float(b)
    return b if b < a else a


def _max(a, b):
    if type(a) is not type(b):
        a = float(a)
        b = float(b)
    return b if b > a else a


def _m(fn, overflow=_INF):
    """Wrap a math function to follow IEEE results instead of raising."""
    def f(x):
        try:
            return fn(x)
        except OverflowError:
            return overflow
        except ValueError:
            return _NAN
    return f


def ln(x):
    if x > 0:
        return math.log(x)
    if x == 0:
        return -_INF
    return _NAN


def log10(x):
    if x > 0:
        return math.log10(x)
    if x == 0:
        return -_INF
    return _NAN


def log_base(x, base):
    a = ln(x)
    b = ln(base)
    if b == 0:
        return _INF if a > 0 else (-_INF if a < 0 else _NAN)
    try:
        return a / b
    except (ZeroDivisionError, ValueError):
        return _NAN


def atanh(x):
    if x == 1:
        return _INF
    if x == -1:
        return -_INF
    try:
        return math.atanh(x)
    except ValueError:
        return _NAN


def hypot(x, y):
    return math.hypot(x, y)


# ---------------------------------------------------------------- bit-fields

def _bit(i):
    if i < -64 or i >= 64:
        raise _bounds("bits", 64, i)
    return i % 64


def get_bit(x, i):
    return bool((x >> _bit(i)) & 1)


def set_bit(ref, i, v):
    b = _bit(i)
    x = ref.v
    ref.v = _wrap64((x | (1 << b)) if v else (x & ~(1 << b)))


def _bits_span(start, n=None):
    if type(start) is Range:
        r = start
        start = r.start
        end = r.end + (1 if r.inclusive else 0)
        s = _bit(start)
        n = max(0, end - start)
    else:
        s = _bit(start)
        if n is None:
            n = 64
    if n <= 0:
        return s, 0
    return s, min(n, 64 - s)


def get_bits(x, start, n=None):
    s, n = _bits_span(start, n)
    if n == 0:
        return 0
    return _wrap64(((x & _MASK) >> s) & ((1 << n) - 1))


def set_bits(ref, start, n, v=None):
    if v is None:
        v = n
        n = None
    s, n = _bits_span(start, n)
    if n == 0:
        return
    mask = ((1 << n) - 1) << s
    ref.v = _wrap64(((ref.v & _MASK) & ~mask) | ((v << s) & mask))


class BitIter:
    __slots__ = ("x", "s", "n")

    def __init__(self, x, s, n):
        self.x, self.s, self.n = x & _MASK, s, n

    def __iter__(self):
        x = self.x >> self.s
        return (bool((x >> k) & 1) for k in range(self.n))


def bits(x, start=0, n=None):
    s, n = _bits_span(start, n)
    return StepRange(BitIter(x, s, n))


# ---------------------------------------------------------------- registration

def register(reg):
    r = reg.register
    r("abs", (I,), abs_i)
    r("abs", (F,), abs)
    r("sign", (I,), lambda x: (x > 0) - (x < 0))
    r("sign", (F,), sign_f)
    r("to_int", (I,), lambda x: x)
    r("to_int", (F,), to_int_f)
    r("to_float", (I,), float)
    r("to_float", (F,), float)
    r("parse_int", (S,), parse_int)
    r("parse_int", (S, I), parse_int)
    r("parse_float", (S,), parse_float)
    r("to_hex", (I,), lambda x: "%x" % (x & _MASK))
    r("to_octal", (I,), lambda x: "%o" % (x & _MASK))
    r("to_binary", (I,), lambda x: format(x & _MASK, "b"))
    for name, fn in (("is_odd", lambda x: x & 1 == 1), ("is_even", lambda x: x & 1 == 0),
                     ("is_zero", lambda x: x == 0)):
        r(name, (I,), fn)
        r("get$" + name, (I,), fn)
    for name, fn in (("floor", floor_f), ("ceiling", ceiling_f), ("round", round_f), ("int", int_f),
                     ("fraction", fraction_f), ("is_nan", lambda x: x != x), ("is_finite", math.isfinite),
                     ("is_infinite", math.isinf), ("is_zero", lambda x: x == 0)):
        r(name, (F,), fn)
        r("get$" + name, (F,), fn)
    for name in ("sqrt", "sin", "cos", "tan", "asin", "acos", "atan", "tanh", "asinh", "acosh"):
        r(name, (F,), _m(getattr(math, name)))
    r("exp", (F,), _m(math.exp))
    r("cosh", (F,), _m(math.cosh))
    r("sinh", (F,), lambda x: _m(math.sinh)(x) if abs(x) < 710 else math.copysign(_INF, x))
    r("atanh", (F,), atanh)
    r("atan", (F, F), math.atan2)
    r("hypot", (F, F), hypot)
    r("ln", (F,), ln)
    r("log", (F,), log10)
    r("log", (F, F), log_base)
    r("to_degrees", (F,), math.degrees)
    r("to_radians", (F,), math.radians)
    r("PI", (), lambda: math.pi)
    r("E", (), lambda: math.e)
    for t1 in (I, F):
        for t2 in (I, F):
            r("min", (t1, t2), _min)
            r("max", (t1, t2), _max)
    # bit-fields
    r("get_bit", (I, I), get_bit)
    r("set_bit", (I, I, bool), set_bit, by_ref=True)
    r("get_bits", (I, I, I), get_bits)
    r("get_bits", (I, RG), get_bits)
    r("set_bits", (I, I, I, I), set_bits, by_ref=True)
    r("set_bits", (I, RG, I), set_bits, by_ref=True)
    r("bits", (I,), bits)
    r("get$bits", (I,), bits)
    r("bits", (I, I), bits)
    r("bits", (I, I, I), bits)
    r("bits", (I, RG), bits)
