"""String and character functions (reference section 7)."""

from __future__ import annotations

from .._registry import ANY
from .._values import Char, Range, StepRange, to_string
from ._util import charge, norm_start, range_start_len, too_large_str, want_str

S = (str,)
SC = (str, Char)
C = (Char,)
I = int
RG = (Range,)


class CharIter:
    """Re-iterable ``chars()`` value (each ``for`` gets a fresh iterator)."""

    __slots__ = ("s",)

    def __init__(self, s):
        self.s = s

    def __iter__(self):
        return map(Char, self.s)


def _chars_value(s):
    return StepRange(CharIter(s))


# ---------------------------------------------------------------- queries

def index_of(s, sub, start=None):
    if start is None:
        return s.find(sub)
    n = len(s)
    if start < 0:
        start = max(0, start + n)
    elif start >= n:
        return -1
    return s.find(sub, start)


def s_get(s, i):
    n = len(s)
    if i < 0:
        i += n
    if 0 <= i < n:
        return Char(s[i])
    return None


def sub_string(s, start, length=None):
    n = len(s)
    if type(start) is Range:
        start, length = range_start_len(start)
    else:
        start = norm_start(start, n)
    if start >= n:
        return ""
    if length is None:
        return s[start:]
    if length <= 0:
        return ""
    return s[start:start + length]


def split_ws(s):
    return s.split() or [""]


def split(s, d, n=None):
    d = str(d)
    if n is not None:
        if n <= 1:
            return [s]
        if d == "":
            parts = [""] + list(s) + [""]
            if len(parts) <= n:
                return parts
            return parts[: n - 1] + [s[n - 2:]]
        return s.split(d, n - 1)
    if d == "":
        return [""] + list(s) + [""]
    return s.split(d)


def split_rev(s, d, n=None):
    d = str(d)
    if n is not None:
        if n <= 1:
            return [s]
        if d == "":
            parts = [""] + list(s)[::-1] + [""]
            if len(parts) <= n:
                return parts
            return parts[: n - 1] + [s[: len(s) - (n - 2)]]
        r = s.rsplit(d, n - 1)
        r.reverse()
        return r
    if d == "":
        return [""] + list(s)[::-1] + [""]
    r = s.split(d)
    r.reverse()
    return r


def split_at(s, i):
    n = len(s)
    if i < 0:
        i = max(0, i + n)
    elif i > n:
        i = n
    return [s[:i], s[i:]]


def chars(s, start=None, length=None):
    if start is None:
        return _chars_value(s)
    return _chars_value(sub_string(s, start, length))


def to_chars(ctx, d, s):
    charge(ctx, len(s))
    m = ctx.max_arr
    if m and len(s) > m:
        from ._util import too_large_arr
        raise too_large_arr()
    return list(map(Char, s))


def to_upper(s):
    return s.upper()


def to_lower(s):
    return s.lower()


def c_upper(c):
    u = c.upper()
    return Char(u) if len(u) == 1 else c


def c_lower(c):
    u = c.lower()
    return Char(u) if len(u) == 1 else c


# ---------------------------------------------------------------- mutators (by_ref)

def make_upper(ref):
    v = ref.v
    ref.v = v.upper() if type(v) is str else c_upper(v)


def make_lower(ref):
    v = ref.v
    ref.v = v.lower() if type(v) is str else c_lower(v)


def trim(ref):
    v = ref.v
    t = v.strip()
    if len(t) != len(v):
        ref.v = t


def s_set(ref, i, c):
    s = ref.v
    n = len(s)
    if i < 0:
        i += n
    if 0 <= i < n:
        ref.v = s[:i] + c + s[i + 1:]


def replace(ctx, d, ref, find, sub):
    s = ref.v
    find = str(find)
    sub = str(sub)
    charge(ctx, len(s))
    if len(sub) > len(find) and ctx.max_str:
        cnt = s.count(find) if find else len(s) + 1
        want_str(ctx, len(s) + cnt * (len(sub) - len(find)))
    r = s.replace(find, sub)
    charge(ctx, len(r))
    ref.v = r


def remove(ctx, d, ref, find):
    s = ref.v
    charge(ctx, len(s))
    find = str(find)
    if find:
        ref.v = s.replace(find, "")


def truncate(ref, n):
    s = ref.v
    if n <= 0:
        ref.v = ""
    elif n < len(s):
        ref.v = s[:n]


def clear(ref):
    ref.v = ""


def pop(ref, n=None):
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


def append(ctx, d, ref, x):
    r = ref.v + (x if type(x) is str else to_string(x))
    if ctx.max_str:
        ctx.check_str(r)
    ref.v = r


def crop(ref, start, length=None):
    ref.v = sub_string(ref.v, start, length)


def pad(ctx, d, ref, n, p):
    s = ref.v
    cur = len(s)
    if n <= cur or not p:
        return
    want_str(ctx, n)
    charge(ctx, n - cur)
    need = n - cur
    if type(p) is Char or len(p) == 1:
        s = s + p * need
    else:
        reps, rest = divmod(need, len(p))
        s = s + p * reps + p[:rest]
    if ctx.max_str and len(s.encode()) > ctx.max_str:
        raise too_large_str()
    ref.v = s


def charged(fn):
    """Wrap a pure ``fn(s, ...)`` so that it charges ops proportional to ``len(s)``."""
    def w(ctx, d, s, *a):
        if len(s) >= 64:
            charge(ctx, len(s))
        return fn(s, *a)
    w.__name__ = fn.__name__
    w._charged = fn  # the dispatch cache calls fn directly, charging the same way
    return w


# ---------------------------------------------------------------- registration

def register(reg):
    r = reg.register
    for t in (S, C):
        r("len", (t,), len)
        r("get$len", (t,), len)
        r("is_empty", (t,), lambda s: not s)
        r("get$is_empty", (t,), lambda s: not s)
        r("make_upper", (t,), make_upper, by_ref=True)
        r("make_lower", (t,), make_lower, by_ref=True)
    r("to_upper", (S,), charged(to_upper), ctx=True)
    r("to_lower", (S,), charged(to_lower), ctx=True)
    r("to_upper", (C,), c_upper)
    r("to_lower", (C,), c_lower)
    r("to_int", (C,), ord)
    r("bytes", (S,), lambda s: len(s.encode()))
    r("get$bytes", (S,), lambda s: len(s.encode()))
    r("starts_with", (S, SC), lambda s, x: s.startswith(x))
    r("ends_with", (S, SC), lambda s, x: s.endswith(x))
    r("index_of", (S, SC), charged(index_of), ctx=True)
    r("index_of", (S, SC, I), charged(index_of), ctx=True)
    r("get", (S, I), s_get)
    r("set", (S, I, C), s_set, by_ref=True)
    r("sub_string", (S, I), sub_string)
    r("sub_string", (S, RG), sub_string)
    r("sub_string", (S, I, I), sub_string)
    r("crop", (S, I), crop, by_ref=True)
    r("crop", (S, RG), crop, by_ref=True)
    r("crop", (S, I, I), crop, by_ref=True)
    r("truncate", (S, I), truncate, by_ref=True)
    r("pad", (S, I, SC), pad, by_ref=True, ctx=True)
    r("replace", (S, SC, SC), replace, by_ref=True, ctx=True)
    r("remove", (S, SC), remove, by_ref=True, ctx=True)
    r("clear", (S,), clear, by_ref=True)
    r("pop", (S,), pop, by_ref=True)
    r("pop", (S, I), pop, by_ref=True)
    r("append", (S, ANY), append, by_ref=True, ctx=True)
    r("trim", (S,), trim, by_ref=True)
    r("split", (S,), charged(split_ws), ctx=True)
    r("split", (S, I), charged(split_at), ctx=True)
    r("split", (S, SC), charged(split), ctx=True)
    r("split", (S, SC, I), charged(split), ctx=True)
    r("split_rev", (S, SC), charged(split_rev), ctx=True)
    r("split_rev", (S, SC, I), charged(split_rev), ctx=True)
    r("chars", (S,), chars)
    r("get$chars", (S,), chars)
    r("chars", (S, I), chars)
    r("chars", (S, RG), chars)
    r("chars", (S, I, I), chars)
    r("to_chars", (S,), to_chars, ctx=True)
    r("to_blob", (S,), lambda s: bytearray(s.encode()))
    for t in (S, C):
        r("min", (t, t), lambda a, b: b if b < a else a)
        r("max", (t, t), lambda a, b: b if b > a else a)
