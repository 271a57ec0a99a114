"""Helpers called by generated code: checked arithmetic, comparisons,
indexing, properties, calls. Fast paths for common types are inlined by the
compiler; everything here is the general (slow) path."""

from __future__ import annotations

import math
import sys

from ._errors import Position, err
from ._registry import sig_name
from ._values import (INT_MAX, INT_MIN, Char, FnPtr, Range, Shared, StepRange, timestamp, to_string,
                      type_of)

EPS = sys.float_info.epsilon
_NUMS = (int, float)


class WB:
    """Result of a call that rebound its receiver: (result, new receiver)."""

    __slots__ = ("r", "this")

    def __init__(self, r, this):
        self.r = r
        self.this = this


class Ref:
    __slots__ = ("v",)

    def __init__(self, v):
        self.v = v


class Unbound:
    __slots__ = ()

    def __repr__(self):
        return "<unbound this>"


UNB = Unbound()


def arith(msg):
    return err("ErrorArithmetic", msg)


def fn_not_found(name, args):
    sig = f"{name} ({', '.join(sig_name(a) for a in args)})"
    return err("ErrorFunctionNotFound", f"Function not found: {sig}", function=sig)


def mismatch(expected, actual):
    return err("ErrorMismatchDataType", f"Data type incorrect: {actual} (expecting {expected})",
               requested=expected, actual=actual)


def _fstr(v):
    return to_string(v)


def chk(r, msg):
    if INT_MIN <= r <= INT_MAX:
        return r
    raise arith(msg)


# ------------------------------------------------------------ float compare

def _fcmp(x, y):
    """Returns (x-y)/max per Rhai's epsilon rule, or None if NaN involved."""
    x = float(x)
    y = float(y)
    if x != x or y != y:
        return None
    if x == y:
        return 0.0
    if x * y == 0:
        m = 1.0
    else:
        m = max(abs(x), abs(y))
    if m == 0:
        return 0.0
    d = x - y
    if math.isinf(d) or math.isinf(m):
        return math.copysign(1.0, d) if x != y else 0.0
    return d / m


def feq(x, y):
    r = _fcmp(x, y)
    return r is not None and abs(r) <= EPS


# ------------------------------------------------------------ equality

def eq(a, b):
    ta, tb = type(a), type(b)
    if ta is tb:
        if ta is float:
            return feq(a, b)
        if ta is list:
            return len(a) == len(b) and all(eq(x, y) for x, y in zip(a, b))
        if ta is dict:
            return a.keys() == b.keys() and all(eq(v, b[k]) for k, v in a.items())
        if ta is FnPtr:
            raise fn_not_found("==", (a, b))
        return a == b
    if ta in _NUMS and tb in _NUMS:
        if ta is bool or tb is bool:
            return False
        return feq(a, b)
    if (ta is str or ta is Char) and (tb is str or tb is Char):
        return str(a) == str(b)
    return False


def ne(a, b):
    ta, tb = type(a), type(b)
    if (ta is float or tb is float) and ta in _NUMS and tb in _NUMS and ta is not bool and tb is not bool:
        r = _fcmp(a, b)
        return r is not None and abs(r) > EPS
    if ta is FnPtr and tb is FnPtr:
        raise fn_not_found("!=", (a, b))
    return not eq(a, b)


def _ord_pair(a, b, op):
    """Returns comparable pair or None for 'different types -> false'."""
    ta, tb = type(a), type(b)
    if ta is tb:
        if ta in (int, bool, str, Char):
            return a, b
        if a is None:
            return None
        if ta is timestamp:
            return a.ns, b.ns
        raise fn_not_found(op, (a, b))
    if (ta is str or ta is Char) and (tb is str or tb is Char):
        return str(a), str(b)
    return None


def _is_num(t):
    return t is int or t is float


def lt(a, b):
    ta, tb = type(a), type(b)
    if (ta is float or tb is float) and _is_num(ta) and _is_num(tb):
        r = _fcmp(b, a)
        return r is not None and r > EPS
    p = _ord_pair(a, b, "<")
    return p is not None and p[0] < p[1]


def le(a, b):
    ta, tb = type(a), type(b)
    if (ta is float or tb is float) and _is_num(ta) and _is_num(tb):
        r = _fcmp(b, a)
        return r is not None and r > -EPS
    p = _ord_pair(a, b, "<=")
    return p is not None and p[0] <= p[1]


def gt(a, b):
    ta, tb = type(a), type(b)
    if (ta is float or tb is float) and _is_num(ta) and _is_num(tb):
        r = _fcmp(a, b)
        return r is not None and r > EPS
    p = _ord_pair(a, b, ">")
    return p is not None and p[0] > p[1]


def ge(a, b):
    ta, tb = type(a), type(b)
    if (ta is float or tb is float) and _is_num(ta) and _is_num(tb):
        r = _fcmp(a, b)
        return r is not None and r > -EPS
    p = _ord_pair(a, b, ">=")
    return p is not None and p[0] >= p[1]


# ------------------------------------------------------------ arithmetic

def _num_pair(a, b, op):
    ta, tb = type(a), type(b)
    if (ta is int or ta is float) and (tb is int or tb is float):
        return float(a), float(b)
    raise fn_not_found(op, (a, b))


def sub(a, b):
    ta, tb = type(a), type(b)
    if ta is int and tb is int:
        return chk(a - b, f"Subtraction overflow: {a} - {b}")
    if ta is str and (tb is str or tb is Char):
        return a.replace(b, "") if b else a
    if (ta is int or ta is float) and (tb is int or tb is float):
        return float(a) - float(b)
    if ta is timestamp:
        if tb is timestamp:
            return (a.ns - b.ns) / 1e9
        if tb is int or tb is float:
            return ts_sub(a, b)
    raise fn_not_found("-", (a, b))


# ------------------------------------------------------------ timestamps
# Like Rust's Instant (seconds in an i64 + nanoseconds): INT seconds are exact,
# FLOAT seconds are truncated to whole milliseconds (Rhai's time_basic module);
# a result outside the i64 range of seconds, a non-finite or too large FLOAT -> ErrorArithmetic.

_NS = 1_000_000_000
_TS_MIN = INT_MIN * _NS
_TS_END = (INT_MAX + 1) * _NS


def _ts_move(t, secs, add):
    if secs < 0:  # a negative amount moves the other way (NaN is not < 0)
        secs, add = -secs, not add
    if type(secs) is float:
        if not secs <= 9.223372036854776e18:  # also NaN and inf
            raise arith(f"Invalid number of seconds for timestamp {'add' if add else 'subtract'}: {to_string(secs)}")
        d = int(secs * 1000.0) * 1_000_000
    else:
        d = secs * _NS
    ns = t.ns + d if add else t.ns - d
    if _TS_MIN <= ns < _TS_END:
        return timestamp(ns)
    raise arith(f"Timestamp overflow when {'adding' if add else 'subtracting'} {to_string(secs)} second(s)")


def ts_add(t, secs):
    """timestamp + INT/FLOAT seconds -> a new timestamp."""
    return _ts_move(t, secs, True)


def ts_sub(t, secs):
    """timestamp - INT/FLOAT seconds -> a new timestamp."""
    return _ts_move(t, secs, False)


def mul(a, b):
    if type(a) is int and type(b) is int:
        return chk(a * b, f"Multiplication overflow: {a} * {b}")
    x, y = _num_pair(a, b, "*")
    return x * y


def _tdiv(a, b):
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


def div(a, b):
    if type(a) is int and type(b) is int:
        if b == 0:
            raise arith(f"Division by zero: {a} / {b}")
        if a == INT_MIN and b == -1:
            raise arith(f"Division overflow: {a} / {b}")
        return _tdiv(a, b)
    x, y = _num_pair(a, b, "/")
    if y == 0:
        if x == 0 or x != x:
            return math.nan
        return math.copysign(math.inf, x) * math.copysign(1.0, y)
    return x / y


def mod(a, b):
    if type(a) is int and type(b) is int:
        if b == 0 or (a == INT_MIN and b == -1):
            raise arith(f"Modulo division by zero or overflow: {a} % {b}")
        return a - b * _tdiv(a, b)
    x, y = _num_pair(a, b, "%")
    if y == 0 or math.isinf(x):
        return math.nan
    return math.fmod(x, y)


def power(a, b):
    if type(a) is int and type(b) is int:
        if b < 0:
            raise arith(f"Integer raised to a negative power: {a} ** {b}")
        if b > 0xFFFFFFFF:
            raise arith(f"Exponential overflow: {a} ** {b}")
        if a in (0, 1, -1) or b < 64:
            return chk(a ** b, f"Exponential overflow: {a} ** {b}")
        raise arith(f"Exponential overflow: {a} ** {b}")
    x, y = _num_pair(a, b, "**")
    try:
        return math.pow(x, y)
    except (OverflowError, ValueError):
        try:
            r = x ** y
            return r if type(r) is float else math.nan
        except (OverflowError, ZeroDivisionError):
            return math.inf
    

def _wrap64(v):
    v &= 0xFFFFFFFFFFFFFFFF
    return v - (1 << 64) if v >= 1 << 63 else v


def shl(a, b):
    if type(a) is int and type(b) is int:
        if b < 0:
            return shr(a, -b)
        if b >= 64:
            return 0
        return _wrap64(a << b)
    raise fn_not_found("<<", (a, b))


def shr(a, b):
    if type(a) is int and type(b) is int:
        if b < 0:
            return shl(a, -b)
        if b >= 64:
            return -1 if a < 0 else 0
        return a >> b
    raise fn_not_found(">>", (a, b))


def band(a, b):
    ta, tb = type(a), type(b)
    if (ta is int and tb is int) or (ta is bool and tb is bool):
        return a & b
    raise fn_not_found("&", (a, b))


def bor(a, b):
    ta, tb = type(a), type(b)
    if (ta is int and tb is int) or (ta is bool and tb is bool):
        return a | b
    raise fn_not_found("|", (a, b))


def bxor(a, b):
    ta, tb = type(a), type(b)
    if (ta is int and tb is int) or (ta is bool and tb is bool):
        return a ^ b
    raise fn_not_found("^", (a, b))


def neg(a):
    t = type(a)
    if t is int:
        if a == INT_MIN:
            raise arith(f"Negation overflow: -{a}")
        return -a
    if t is float:
        return -a
    raise fn_not_found("-", (a,))


def pos(a):
    t = type(a)
    if t is int or t is float:
        return a
    raise fn_not_found("+", (a,))


def lnot(a):
    if type(a) is bool:
        return not a
    raise fn_not_found("!", (a,))


def cond(v):
    if type(v) is bool:
        return v
    raise mismatch("bool", type_of(v))


def deep(v):
    t = type(v)
    if t is list:
        if _IMM.issuperset(map(type, v)):  # flat: a shallow copy is a full copy (C speed)
            return v[:]
        return [e if type(e) in _IMM else deep(e) for e in v]
    if t is dict:
        if _IMM.issuperset(map(type, v.values())):
            return v.copy()
        return {k: (e if type(e) in _IMM else deep(e)) for k, e in v.items()}
    if t is bytearray:
        return bytearray(v)
    if t is Shared:
        return deep(v.v)
    return v


_IMM = frozenset((int, float, bool, str, Char, type(None), FnPtr, Range))


def cp(v):
    t = type(v)
    if t is list or t is dict or t is bytearray:
        return deep(v)
    return v


# ------------------------------------------------------------ containers

def _norm_index(i, n, kind, v):
    if i < 0:
        j = i + n
        if j < 0:
            raise _bounds(kind, n, i)
        return j
    if i >= n:
        raise _bounds(kind, n, i)
    return i


def _bounds(kind, n, i):
    if kind == "array":
        if n == 0:
            tail = "array is empty"
        elif n == 1:
            tail = "only 1 element in array"
        else:
            tail = f"only {n} elements in array"
        return err("ErrorArrayBounds", f"Array index {i} out of bounds: {tail}", length=n, index=i)
    if kind == "string":
        if n == 0:
            tail = "string is empty"
        elif n == 1:
            tail = "only 1 character in string"
        else:
            tail = f"only {n} characters in string"
        return err("ErrorStringBounds", f"String index {i} out of bounds: {tail}", length=n, index=i)
    return err("ErrorBitFieldBounds", f"Bit-field index {i} out of bounds: only {n} bits in bit-field",
               length=n, index=i)


def _slice_bounds(r, n):
    a = r.start
    b = r.end
    if a < 0:
        a = max(0, a + n)
    if r.inclusive:
        if b == INT_MAX:
            b = n
        elif b < 0:
            b = b + n + 1
        else:
            b = b + 1
        if r.start == r.end:
            b = a
    else:
        if b < 0:
            b = max(0, b + n)
    a = min(a, n)
    b = max(a, min(b, n))
    return a, b


def idx(o, i):
    t = type(o)
    ti = type(i)
    if t is list:
        if ti is int:
            return o[_norm_index(i, len(o), "array", o)]
        raise mismatch("i64", type_of(i)) if ti is not Range else err(
            "ErrorIndexingType", f"Indexer unavailable: array [{type_of(i)}]", type=f"array [{type_of(i)}]")
    if t is dict:
        if ti is str or ti is Char:
            return o.get(str(i))
        raise mismatch("string", type_of(i))
    if t is str or t is Char:
        if ti is int:
            return Char(o[_norm_index(i, len(o), "string", o)])
        if ti is Range:
            a, b = _slice_bounds(i, len(o))
            return str(o[a:b])
        raise mismatch("i64", type_of(i))
    if t is int:
        if ti is int:
            if i < -64 or i >= 64:
                raise _bounds("bits", 64, i)
            return bool((o >> (i % 64)) & 1)
        if ti is Range:
            a, b = _bit_range(i)
            return (o >> a) & ((1 << (b - a)) - 1) if b > a else 0
        raise mismatch("i64", type_of(i))
    if t is bytearray:
        if ti is int:
            return o[_norm_index(i, len(o), "array", o)]
        raise mismatch("i64", type_of(i))
    if o is None:
        raise err("ErrorIndexingType", f"Indexer unavailable: () [{type_of(i)}]", type=f"() [{type_of(i)}]")
    if t is Shared:
        return idx(o.v, i)
    raise err("ErrorIndexingType", f"Indexer unavailable: {type_of(o)} [{type_of(i)}]",
              type=f"{type_of(o)} [{type_of(i)}]")


def _bit_range(r):
    a, b = r.start, r.end
    if r.inclusive:
        b += 1
    if a < 0:
        a += 64
    if not 0 <= a < 64:
        raise _bounds("bits", 64, r.start)
    b = min(b, 64)
    return a, max(a, b)


def setidx(o, i, v):
    """Assign o[i] = v; returns the (possibly new) container."""
    t = type(o)
    ti = type(i)
    if t is list:
        if ti is int:
            o[_norm_index(i, len(o), "array", o)] = v
            return o
        raise mismatch("i64", type_of(i))
    if t is dict:
        if ti is str or ti is Char:
            o[str(i)] = v
            return o
        raise mismatch("string", type_of(i))
    if t is str:
        if ti is int:
            j = _norm_index(i, len(o), "string", o)
            if type(v) is not Char:
                raise mismatch("char", type_of(v))
            return o[:j] + v + o[j + 1:]
        if ti is Range:
            a, b = _slice_bounds(i, len(o))
            return o[:a] + to_string(v) + o[b:]
        raise mismatch("i64", type_of(i))
    if t is int:
        if ti is int:
            if i < -64 or i >= 64:
                raise _bounds("bits", 64, i)
            bit = i % 64
            if type(v) is not bool:
                raise mismatch("bool", type_of(v))
            r = (o | (1 << bit)) if v else (o & ~(1 << bit))
            return _wrap64(r)
        if ti is Range:
            a, b = _bit_range(i)
            if type(v) is not int:
                raise mismatch("i64", type_of(v))
            mask = ((1 << (b - a)) - 1) << a
            return _wrap64((o & ~mask) | ((v << a) & mask))
        raise mismatch("i64", type_of(i))
    if t is bytearray:
        if ti is int:
            if type(v) is not int:
                raise mismatch("i64", type_of(v))
            o[_norm_index(i, len(o), "array", o)] = v & 0xFF
            return o
        raise mismatch("i64", type_of(i))
    raise err("ErrorIndexingType", f"Indexer unavailable: {type_of(o)} [{type_of(i)}]",
              type=f"{type_of(o)} [{type_of(i)}]")


def contains(c, x):
    t = type(c)
    if t is list:
        for e in c:
            if type(e) is type(x) or (type(e) in _NUMS and type(x) in _NUMS):
                if eq(e, x):
                    return True
        return False
    if t is str:
        if type(x) is str or type(x) is Char:
            return x in c
        raise fn_not_found("contains", (c, x))
    if t is dict:
        if type(x) is str or type(x) is Char:
            return str(x) in c
        raise fn_not_found("contains", (c, x))
    if t is Range:
        if type(x) is int:
            return x in c
        raise fn_not_found("contains", (c, x))
    if t is bytearray:
        if type(x) is int:
            return x in c
        raise fn_not_found("contains", (c, x))
    raise fn_not_found("contains", (c, x))


def mkrange(a, b, inclusive):
    if type(a) is int and type(b) is int:
        return Range(a, b, inclusive)
    raise fn_not_found("..=" if inclusive else "..", (a, b))


def iterate(v):
    t = type(v)
    if t is Range:
        return v.py_range()
    if t is list:
        return [e if type(e) in _IMM else cp(e) for e in v]
    if t is str:
        return [Char(c) for c in v]
    if t is Char:
        return [v]
    if t is bytearray:
        return list(v)
    if t is StepRange:
        return v.it
    raise err("ErrorFor", "For loop expects iterable type")


def catch_value(e):
    base = e
    while base.kind == "ErrorInFunctionCall" and base.inner is not None:
        base = base.inner
    if base.kind == "ErrorRuntime" and base.fields.get("thrown"):
        return base.value
    m = {"error": e.kind, "message": e.message}
    p = e.position
    if p is not None and not p.is_none():
        m["line"] = p[0]
        m["position"] = p[1]
    for k, v in e.fields.items():
        if k in ("inner", "thrown", "value", "token"):
            continue
        m[k] = v
    if e.kind == "ErrorRuntime":
        m["value"] = e.value
    return m


def throw_error(v):
    if v is None or v == "":
        msg = "Runtime error"
    else:
        msg = f"Runtime error: {to_string(v)}"
    return err("ErrorRuntime", msg, value=v, thrown=True)


# ------------------------------------------------------------ positions

_POS_CACHE = {}


def frame_pos(code, lasti):
    try:
        pl = _POS_CACHE[code]
    except KeyError:
        pl = _POS_CACHE[code] = list(code.co_positions())
    k = lasti // 2
    if 0 <= k < len(pl):
        ln, _, col, _ = pl[k]
        if ln:
            return Position(ln, col or 0)
    return None


def tb_position(tb):
    pos = None
    while tb is not None:
        f = tb.tb_frame
        if f.f_code.co_filename == "<rhai>":
            p = frame_pos(f.f_code, tb.tb_lasti)
            if p is not None:
                pos = p
        tb = tb.tb_next
    return pos


def fix_pos(e):
    if e.position is None:
        e.position = tb_position(e.__traceback__) or Position.NONE
    return e


def caller_pos(depth=2):
    f = sys._getframe(depth)
    while f is not None:
        if f.f_code.co_filename == "<rhai>":
            p = frame_pos(f.f_code, f.f_lasti)
            if p is not None:  # line 0: a forwarding entry (f_ -> g_), not a call site
                return p
        f = f.f_back
    return None
