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


def _char_len(s):
    return len(s)


def _norm_start(start, n):
    if start < 0:
        start = max(0, start + n)
    return start


def sub_string(s, start, length=None):
    n = len(s)
    if type(start) is Range:
        a, b = start.start, start.end + (1 if start.inclusive else 0)
        a = _norm_start(a, n)
        return s[a:max(a, b)]
    start = _norm_start(start, n)
    if start >= n:
        return ""
    if length is None:
        return s[start:]
    if length <= 0:
        return ""
    return s[start:start + length]


def index_of(s, sub, start=0):
    n = len(s)
    if start < 0:
        start = max(0, start + n)
    if start >= n and n:
        return -1
    return s.find(str(sub), start)


def split(s, delim=None, n=None):
    if delim is None:
        return s.split() or [""]
    d = str(delim)
    if n is not None:
        if n <= 1:
            return [s]
        if d == "":
            parts = [""] + list(s) + [""]
            return parts[: n - 1] + ["".join(parts[n - 1:])]
        return s.split(d, n - 1)
    if d == "":
        return [""] + list(s) + [""]
    return s.split(d)


def _trim(ref):
    ref.v = ref.v.strip()


def _replace(ref, a, b):
    ref.v = ref.v.replace(str(a), str(b))


def _truncate_s(ref, n):
    ref.v = ref.v[: max(0, n)]


def _clear_s(ref):
    ref.v = ""


def _make_upper(ref):
    ref.v = type(ref.v)(ref.v.upper()) if type(ref.v) is str or len(ref.v.upper()) == 1 else ref.v


def _make_lower(ref):
    ref.v = type(ref.v)(ref.v.lower()) if type(ref.v) is str or len(ref.v.lower()) == 1 else ref.v


def _pop_s(ref, n=None):
    s = ref.v
    if n is None:
        if not s:
            return None
        ref.v = s[:-1]
        return Char(s[-1])
    if n <= 0:
        return ""
    if n >= len(s):
        ref.v = ""
        return s
    ref.v = s[:-n]
    return s[-n:]


def _append_s(ref, x):
    ref.v = ref.v + to_string(x)


def _crop(ref, start, length=None):
    ref.v = sub_string(ref.v, start, length)


def _to_upper_c(c):
    u = c.upper()
    return Char(u) if len(u) == 1 else c


def _to_lower_c(c):
    u = c.lower()
    return Char(u) if len(u) == 1 else c


# ---------------------------------------------------------------- arrays

def a_push(a, x):
    a.append(x)


def a_insert(a, i, x):
    n = len(a)
    if i < 0:
        i = max(0, i + n)
    a.insert(min(i, n), x)


def a_pop(a):
    return a.pop() if a else None


def a_shift(a):
    return a.pop(0) if a else None


def a_remove(a, i):
    n = len(a)
    if i < 0:
        i += n
    if 0 <= i < n:
        return a.pop(i)
    return None


def a_get(a, i):
    n = len(a)
    if i < 0:
        i += n
    if 0 <= i < n:
        return cp(a[i])
    return None


def a_set(a, i, v):
    n = len(a)
    if i < 0:
        i += n
    if 0 <= i < n:
        a[i] = v


def a_truncate(a, n):
    del a[max(0, n):]


def a_extract(a, start, length=None):
    n = len(a)
    if type(start) is Range:
        s0 = _norm_start(start.start, n)
        e = start.end + (1 if start.inclusive else 0)
        return cp(a[s0:max(s0, e)])
    s0 = _norm_start(start, n)
    if length is None:
        return cp(a[s0:])
    if length <= 0:
        return []
    return cp(a[s0:s0 + length])


def a_index_of(a, x, start=0):
    n = len(a)
    start = _norm_start(start, n)
    for i in range(start, n):
        e = a[i]
        if type(e) is type(x) and eq(e, x):
            return i
    return -1


_SORTABLE = (int, float, str, Char, bool, type(None))


def a_sort(a):
    if not a:
        return
    t = type(a[0])
    if any(type(e) is not t for e in a):
        raise err("ErrorFunctionNotFound", "Function not found: elements of different types cannot be sorted",
                  function="sort")
    if t not in _SORTABLE:
        raise err("ErrorFunctionNotFound", f"Function not found: elements of {type_of(a[0])} cannot be sorted",
                  function="sort")
    if t is not type(None):
        a.sort()


def a_join(a, sep=""):
    return str(sep).join(to_string(x) for x in a)


# callbacks (ctx-aware: fn(ctx, d, ...))

def _cb(ctx, d, fp, *args):
    fn = fp.fn
    if fn is not None:
        want = fn.__code__.co_argcount - 2 - len(fp.curry)
        if want < len(args):
            args = args[:want]
    else:
        sf = None
        for k in range(len(args), -1, -1):
            if (fp.name, len(fp.curry) + k) in ctx.fns:
                args = args[:k]
                break
    return ctx.call_value(d, fp, *args)


def a_map(ctx, d, a, fp):
    return [_cb(ctx, d, fp, cp(x), i) for i, x in enumerate(list(a))]


def a_filter(ctx, d, a, fp):
    return [cp(x) for i, x in enumerate(list(a)) if _cb(ctx, d, fp, cp(x), i) is True]


def a_reduce(ctx, d, a, fp, init=None):
    acc = init
    for i, x in enumerate(list(a)):
        acc = _cb(ctx, d, fp, acc, cp(x), i)
    return acc


def a_for_each(ctx, d, a, fp):
    for i in range(len(a)):
        r = ctx.callfp(d, fp, a[i], *((i,) if (fp.fn and fp.fn.__code__.co_argcount - 2 - len(fp.curry) >= 1) else ()))
        from .._runtime import WB
        if type(r) is WB:
            a[i] = r.this


def a_some(ctx, d, a, fp):
    return any(_cb(ctx, d, fp, cp(x), i) is True for i, x in enumerate(list(a)))


def a_all(ctx, d, a, fp):
    return all(_cb(ctx, d, fp, cp(x), i) is True for i, x in enumerate(list(a)))


def a_sort_by(ctx, d, a, fp):
    import functools

    def cmpf(x, y):
        r = ctx.call_value(d, fp, x, y)
        if type(r) is int:
            return (r > 0) - (r < 0)
        if type(r) is bool:
            return -1 if r else 1
        return 0

    a.sort(key=functools.cmp_to_key(cmpf))


# ---------------------------------------------------------------- maps

def m_keys(m):
    return sorted(m)


def m_values(m):
    return [cp(m[k]) for k in sorted(m)]


def m_remove(m, k):
    return m.pop(str(k), None)


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
    # strings
    for t in (S, (Char,)):
        r("len", (t,), len)
        r("is_empty", (t,), lambda s: len(s) == 0)
        r("to_upper", (t,), lambda s: s.upper() if type(s) is str else _to_upper_c(s))
        r("to_lower", (t,), lambda s: s.lower() if type(s) is str else _to_lower_c(s))
        r("make_upper", (t,), _make_upper, by_ref=True)
        r("make_lower", (t,), _make_lower, by_ref=True)
        r("get$len", (t,), len)
    r("bytes", (S,), lambda s: len(s.encode()))
    r("get$bytes", (S,), lambda s: len(s.encode()))
    r("get$is_empty", (S,), lambda s: len(s) == 0)
    r("to_int", (Char,), ord)
    r("starts_with", (S, SC), lambda s, x: s.startswith(x))
    r("ends_with", (S, SC), lambda s, x: s.endswith(x))
    r("index_of", (S, SC), index_of)
    r("index_of", (S, SC, I), index_of)
    r("sub_string", (S, I), sub_string)
    r("sub_string", (S, (Range,)), sub_string)
    r("sub_string", (S, I, I), sub_string)
    r("split", (S,), split)
    r("split", (S, SC), split)
    r("split", (S, SC, I), split)
    r("trim", (S,), _trim, by_ref=True)
    r("replace", (S, SC, SC), _replace, by_ref=True)
    r("truncate", (S, I), _truncate_s, by_ref=True)
    r("clear", (S,), _clear_s, by_ref=True)
    r("pop", (S,), _pop_s, by_ref=True)
    r("pop", (S, I), _pop_s, by_ref=True)
    r("append", (S, ANY), _append_s, by_ref=True)
    r("crop", (S, I), _crop, by_ref=True)
    r("crop", (S, I, I), _crop, by_ref=True)
    r("to_chars", (S,), lambda s: [Char(c) for c in s])
    r("get", (S, I), lambda s, i: Char(s[i + len(s) if i < 0 else i]) if -len(s) <= i < len(s) else None)
    r("chars", (S,), lambda s: StepRange(Char(c) for c in s))
    # arrays
    r("len", (L,), len)
    r("get$len", (L,), len)
    r("is_empty", (L,), lambda a: not a)
    r("get$is_empty", (L,), lambda a: not a)
    r("push", (L, ANY), a_push, pure=False)
    r("append", (L, L), lambda a, b: a.extend(b), pure=False)
    r("insert", (L, I, ANY), a_insert, pure=False)
    r("pop", (L,), a_pop, pure=False)
    r("shift", (L,), a_shift, pure=False)
    r("remove", (L, I), a_remove, pure=False)
    r("clear", (L,), lambda a: a.clear(), pure=False)
    r("truncate", (L, I), a_truncate, pure=False)
    r("reverse", (L,), lambda a: a.reverse(), pure=False)
    r("sort", (L,), a_sort, pure=False)
    r("get", (L, I), a_get)
    r("set", (L, I, ANY), a_set, pure=False)
    r("extract", (L, I), a_extract)
    r("extract", (L, I, I), a_extract)
    r("extract", (L, (Range,)), a_extract)
    r("index_of", (L, ANY), a_index_of)
    r("index_of", (L, ANY, I), a_index_of)
    r("join", (L,), a_join)
    r("join", (L, SC), a_join)
    fp = (FnPtr,)
    r("map", (L, fp), a_map, ctx=True)
    r("filter", (L, fp), a_filter, ctx=True)
    r("reduce", (L, fp), a_reduce, ctx=True)
    r("reduce", (L, fp, ANY), a_reduce, ctx=True)
    r("for_each", (L, fp), a_for_each, ctx=True, pure=False)
    r("some", (L, fp), a_some, ctx=True)
    r("all", (L, fp), a_all, ctx=True)
    r("sort", (L, fp), a_sort_by, ctx=True, pure=False)
    # maps
    r("len", (M,), len)
    r("is_empty", (M,), lambda m: not m)
    r("keys", (M,), m_keys)
    r("values", (M,), m_values)
    r("remove", (M, SC), m_remove, pure=False)
    r("clear", (M,), lambda m: m.clear(), pure=False)
    r("get", (M, SC), lambda m, k: cp(m.get(str(k))))
    r("set", (M, SC, ANY), lambda m, k, v: m.__setitem__(str(k), v), pure=False)
    r("mixin", (M, M), lambda m, n: m.update(n), pure=False)
    r("fill_with", (M, M), lambda m, n: [m.setdefault(k, v) for k, v in n.items()] and None, pure=False)
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
    r("get$name", (fp,), lambda f: f.name)
    r("name", (fp,), lambda f: f.name)
    r("get$is_anonymous", (fp,), lambda f: f.is_anonymous)
    r("is_anonymous", (fp,), lambda f: f.is_anonymous)


def _safe_math(fn, x):
    try:
        return fn(x)
    except (ValueError, OverflowError):
        return math.nan
