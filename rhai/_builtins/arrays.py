"""Array functions (reference section 8.1)."""

from __future__ import annotations

import functools

from .._errors import EvalAltResult, UNCATCHABLE, err
from .._registry import ANY
from .._runtime import _IMM, UNB, WB, cp, eq
from .._values import Char, FnPtr, Range, type_of
from ._util import _cp_ro, arg_copier, as_fp, caller, charge, direct, fparity, norm_start, range_start_len, want_arr

L = list
I = int
RG = (Range,)
FP = (FnPtr, str)  # a callback: function pointer or (deprecated) function name
FPO = (FnPtr,)
_NUM = (int, float)
_STR = (str, Char)


def _same(x, y):
    """Rhai ``==`` as used by index_of/dedup: different types are unequal
    (INT/FLOAT compare numerically)."""
    tx, ty = type(x), type(y)
    if tx is ty or (tx in _NUM and ty in _NUM) or (tx in _STR and ty in _STR):
        return eq(x, y)
    return False


# ---------------------------------------------------------------- basic

def push(a, x):
    a.append(x)


def append(a, b):
    a.extend(b)


def insert(a, i, x):
    n = len(a)
    if i < 0:
        i += n
        if i < 0:
            i = 0
    if i >= n:
        a.append(x)
    else:
        a.insert(i, x)


def pop(a):
    return a.pop() if a else None


def shift(a):
    return a.pop(0) if a else None


def remove(a, i):
    n = len(a)
    if i < 0:
        i += n
    if 0 <= i < n:
        return a.pop(i)
    return None


def get(a, i):
    n = len(a)
    if i < 0:
        i += n
    if 0 <= i < n:
        return cp(a[i])
    return None


def set_(a, i, v):
    n = len(a)
    if i < 0:
        i += n
    if 0 <= i < n:
        a[i] = v


def truncate(a, n):
    if n <= 0:
        a.clear()
    else:
        del a[n:]


def chop(a, n):
    if n <= 0:
        a.clear()
    elif n < len(a):
        del a[: len(a) - n]


def pad(ctx, d, a, n, v):
    cur = len(a)
    if n <= cur:
        return
    want_arr(ctx, n)
    charge(ctx, n - cur)
    if type(v) in (list, dict, bytearray):
        a.extend(cp(v) for _ in range(n - cur))
    else:
        a.extend([v] * (n - cur))


def _start_len(a, start, length):
    n = len(a)
    if type(start) is Range:
        s, ln = range_start_len(start)
    else:
        s, ln = norm_start(start, n), length
    if s > n:
        s = n
    if ln is None:
        ln = n - s
    elif ln < 0:
        ln = 0
    return s, min(s + ln, n)


def extract(a, start, length=None):
    s, e = _start_len(a, start, length)
    return cp(a[s:e])


def split(a, i):
    """Cut ``a`` at ``i`` (negative: from the end), returning the tail (a list, or a
    bytearray for a blob: the slice keeps the type)."""
    if i < 0:
        i = max(0, i + len(a))
    tail = a[i:]
    del a[i:]
    return tail


def splice(a, start, length, repl=None):
    if repl is None:  # splice(range, arr)
        repl = length
        length = None
    s, e = _start_len(a, start, length)
    a[s:e] = repl


def drain_range(a, start, length=None):
    s, e = _start_len(a, start, length)
    r = a[s:e]
    del a[s:e]
    return r


def retain_range(a, start, length=None):
    s, e = _start_len(a, start, length)
    r = a[:s] + a[e:]
    a[:] = a[s:e]
    return r


def reverse(a):
    a.reverse()


def index_of(ctx, d, a, x, start=0):
    n = len(a)
    start = norm_start(start, n)
    charge(ctx, n - start)
    tx = type(x)
    if tx is int:
        for i in range(start, n):
            e = a[i]
            te = type(e)
            if (te is int and e == x) or (te is float and eq(e, x)):
                return i
        return -1
    for i in range(start, n):
        if _same(a[i], x):
            return i
    return -1


# ---------------------------------------------------------------- sorting

_SORTABLE = (int, float, str, Char, bool, type(None))


def _check_sortable(a):
    t = type(a[0])
    for e in a:
        if type(e) is not t:
            raise err("ErrorFunctionNotFound", "Function not found: elements of different types cannot be sorted",
                      function="elements of different types cannot be sorted")
    if t not in _SORTABLE:
        msg = f"elements of {type_of(a[0])} cannot be sorted"
        raise err("ErrorFunctionNotFound", f"Function not found: {msg}", function=msg)
    return t


def _charge_sort(ctx, n):
    if n >= 64:
        charge(ctx, n * max(1, n.bit_length()))


def sort(ctx, d, a, reverse=False):
    if len(a) < 2:
        if a:
            _check_sortable(a)
        return
    t = _check_sortable(a)
    _charge_sort(ctx, len(a))
    if t is not type(None):
        a.sort(reverse=reverse)


def sort_desc(ctx, d, a):
    sort(ctx, d, a, reverse=True)


def _cmp_key(ctx, d, fp):
    f = caller(ctx, d, fp, 2, this_first=False)

    def cmpf(x, y):
        try:
            r = f(x, y)
        except EvalAltResult as e:
            if e.kind in UNCATCHABLE:
                raise
            return 0
        t = type(r)
        if t is int:
            return (r > 0) - (r < 0)
        if t is bool:
            return -1 if r else 1
        return 0
    return functools.cmp_to_key(cmpf)


def sort_by(ctx, d, a, fp):
    charge(ctx, len(a))
    a.sort(key=_cmp_key(ctx, d, fp))


def order(ctx, d, a):
    r = cp(a)
    sort(ctx, d, r)
    return r


def order_desc(ctx, d, a):
    r = cp(a)
    sort_desc(ctx, d, r)
    return r


def order_by(ctx, d, a, fp):
    r = cp(a)
    sort_by(ctx, d, r, fp)
    return r


def dedup(ctx, d, a, fp=None):
    if len(a) < 2:
        return
    charge(ctx, len(a))
    if fp is None:
        f = _same
    else:
        f = caller(ctx, d, fp, 2, this_first=False)
    out = [a[0]]
    prev = a[0]
    for x in a[1:]:
        if f(prev, x) is True:
            continue
        out.append(x)
        prev = x
    a[:] = out


# ---------------------------------------------------------------- callbacks

def map_(ctx, d, a, fp):
    charge(ctx, len(a))
    c = arg_copier(fp, 0, 1)
    fn = direct(ctx, fp, 1)
    if fn is not None:
        d1 = d + 1
        if c is _cp_ro:  # flat maps are passed uncopied (inlined _cp_ro)
            return [fn(d1, UNB, x if type(x) in _IMM or (type(x) is dict and _IMM.issuperset(map(type, x.values())))
                        else cp(x)) for x in list(a)]
        return [fn(d1, UNB, x if type(x) in _IMM else c(x)) for x in list(a)]
    f = caller(ctx, d, fp, 1, 1)
    return [f(c(x), i) for i, x in enumerate(list(a))]


def filter_(ctx, d, a, fp):
    charge(ctx, len(a))
    c = arg_copier(fp, 0, 1)
    fn = direct(ctx, fp, 1)
    if fn is not None:
        d1 = d + 1
        ro = c is _cp_ro
        out = []
        keep = out.append
        for x in list(a):
            t = type(x)
            if t in _IMM:
                if fn(d1, UNB, x) is True:
                    keep(x)
            elif t is dict and _IMM.issuperset(map(type, x.values())):
                # a flat map: a shallow copy is a full copy; a read-only callback gets it as is
                if fn(d1, UNB, x if ro else x.copy()) is True:
                    keep(x.copy())
            elif fn(d1, UNB, c(x)) is True:
                keep(cp(x))
        return out
    f = caller(ctx, d, fp, 1, 1)
    return [cp(x) for i, x in enumerate(list(a)) if f(c(x), i) is True]


def some(ctx, d, a, fp):
    charge(ctx, len(a))
    f = caller(ctx, d, fp, 1, 1)
    c = arg_copier(fp, 0, 1)
    for i, x in enumerate(list(a)):
        if f(c(x), i) is True:
            return True
    return False


def all_(ctx, d, a, fp):
    charge(ctx, len(a))
    f = caller(ctx, d, fp, 1, 1)
    c = arg_copier(fp, 0, 1)
    for i, x in enumerate(list(a)):
        if f(c(x), i) is not True:
            return False
    return True


def _calls_from(ctx, d, a, fp, start):
    """(index, element, callback result) for the elements from ``start`` on, the
    callback called with a copy of each; the work is charged up front."""
    start = norm_start(start, len(a))
    charge(ctx, len(a) - start)
    f = caller(ctx, d, fp, 1, 1)
    items = list(a)
    for i in range(start, len(items)):
        yield i, items[i], f(cp(items[i]), i)


def find(ctx, d, a, fp, start=0):
    for _, x, r in _calls_from(ctx, d, a, fp, start):
        if r is True:
            return cp(x)
    return None


def find_map(ctx, d, a, fp, start=0):
    for _, _, r in _calls_from(ctx, d, a, fp, start):
        if r is not None:
            return r
    return None


def index_of_fn(ctx, d, a, fp, start=0):
    for i, _, r in _calls_from(ctx, d, a, fp, start):
        if r is True:
            return i
    return -1


def drain_fn(ctx, d, a, fp):
    charge(ctx, len(a))
    f = caller(ctx, d, fp, 1, 1)
    keep, out = [], []
    for i, x in enumerate(list(a)):
        (out if f(cp(x), i) is True else keep).append(x)
    a[:] = keep
    return out


def retain_fn(ctx, d, a, fp):
    charge(ctx, len(a))
    f = caller(ctx, d, fp, 1, 1)
    keep, out = [], []
    for i, x in enumerate(list(a)):
        (keep if f(cp(x), i) is True else out).append(x)
    a[:] = keep
    return out


def _reducer(ctx, d, fp):
    """call(acc, x, i) for reduce: (acc, x[, i]) or (acc) with x as this."""
    fp = as_fp(fp)
    k = fparity(ctx, fp, (2, 3, 1))
    if k == 1:
        fn = fp.fn or ctx.fns[(fp.name, len(fp.curry) + 1)]
        curry = fp.curry
        d1 = d + 1

        def f(acc, x, i):
            r = fn(d1, x, *curry, acc)
            return r.r if type(r) is WB else r
        return f
    return caller(ctx, d, fp, 2, 1, this_first=False)


def reduce(ctx, d, a, fp, init=None):
    charge(ctx, len(a))
    acc = init
    fn = direct(ctx, fp, 2)
    if fn is not None:
        d1 = d + 1
        for x in list(a):
            acc = fn(d1, UNB, acc, x if type(x) in _IMM else cp(x))
        return acc
    f = _reducer(ctx, d, fp)
    for i, x in enumerate(list(a)):
        acc = f(acc, cp(x), i)
    return acc


def reduce_rev(ctx, d, a, fp, init=None):
    charge(ctx, len(a))
    f = _reducer(ctx, d, fp)
    acc = init
    items = list(a)
    for i in range(len(items) - 1, -1, -1):
        acc = f(acc, cp(items[i]), i)
    return acc


def zip_(ctx, d, a, b, fp):
    n = min(len(a), len(b))
    charge(ctx, n)
    f = caller(ctx, d, fp, 2, 1, this_first=False)
    xa, xb = list(a), list(b)
    return [f(cp(xa[i]), cp(xb[i]), i) for i in range(n)]


def for_each(ctx, d, a, fp):
    charge(ctx, len(a))
    fp = as_fp(fp)
    k = fparity(ctx, fp, (0, 1))
    d1 = d + 1
    curry = fp.curry
    if k is None:
        for i in range(len(a)):
            r = ctx.call(d, fp.name, a[i])
            if type(r) is WB:
                a[i] = r.this
        return
    fn = fp.fn or ctx.fns[(fp.name, len(curry) + k)]
    if k not in (0, 1):
        from .._runtime import fn_not_found
        if a:
            raise fn_not_found(fp.name, curry + (0,) * k)
        return
    i = 0
    while i < len(a):
        r = fn(d1, a[i], *curry, i) if k else fn(d1, a[i], *curry)
        if type(r) is WB and i < len(a):
            a[i] = r.this
        i += 1


# ---------------------------------------------------------------- registration

def register(reg):
    r = reg.register
    r("len", (L,), len)
    r("get$len", (L,), len)
    r("is_empty", (L,), lambda a: not a)
    r("get$is_empty", (L,), lambda a: not a)
    r("push", (L, ANY), push, pure=False)
    r("append", (L, L), append, pure=False)
    r("insert", (L, I, ANY), insert, pure=False)
    r("pop", (L,), pop, pure=False)
    r("shift", (L,), shift, pure=False)
    r("remove", (L, I), remove, pure=False)
    r("clear", (L,), lambda a: a.clear(), pure=False)
    r("truncate", (L, I), truncate, pure=False)
    r("chop", (L, I), chop, pure=False)
    r("reverse", (L,), reverse, pure=False)
    r("pad", (L, I, ANY), pad, pure=False, ctx=True)
    r("get", (L, I), get)
    r("set", (L, I, ANY), set_, pure=False)
    r("extract", (L, I), extract)
    r("extract", (L, RG), extract)
    r("extract", (L, I, I), extract)
    r("split", (L, I), split, pure=False)
    r("splice", (L, RG, L), splice, pure=False)
    r("splice", (L, I, I, L), splice, pure=False)
    r("drain", (L, FP), drain_fn, pure=False, ctx=True)
    r("drain", (L, RG), drain_range, pure=False)
    r("drain", (L, I, I), drain_range, pure=False)
    r("retain", (L, FP), retain_fn, pure=False, ctx=True)
    r("retain", (L, RG), retain_range, pure=False)
    r("retain", (L, I, I), retain_range, pure=False)
    r("map", (L, FP), map_, ctx=True)
    r("filter", (L, FP), filter_, ctx=True)
    r("some", (L, FP), some, ctx=True)
    r("all", (L, FP), all_, ctx=True)
    r("find", (L, FP), find, ctx=True)
    r("find", (L, FP, I), find, ctx=True)
    r("find_map", (L, FP), find_map, ctx=True)
    r("find_map", (L, FP, I), find_map, ctx=True)
    r("index_of", (L, FPO), index_of_fn, ctx=True)
    r("index_of", (L, FPO, I), index_of_fn, ctx=True)
    r("index_of", (L, ANY), index_of, ctx=True)
    r("index_of", (L, ANY, I), index_of, ctx=True)
    r("reduce", (L, FP), reduce, ctx=True)
    r("reduce", (L, FP, ANY), reduce, ctx=True)
    r("reduce_rev", (L, FP), reduce_rev, ctx=True)
    r("reduce_rev", (L, FP, ANY), reduce_rev, ctx=True)
    r("zip", (L, L, FP), zip_, ctx=True)
    r("for_each", (L, FP), for_each, ctx=True, pure=False)
    r("dedup", (L,), dedup, ctx=True, pure=False)
    r("dedup", (L, FP), dedup, ctx=True, pure=False)
    r("sort", (L,), sort, ctx=True, pure=False)
    r("sort_desc", (L,), sort_desc, ctx=True, pure=False)
    r("sort", (L, FP), sort_by, ctx=True, pure=False)
    r("sort_by", (L, FP), sort_by, ctx=True, pure=False)
    r("order", (L,), order, ctx=True)
    r("order_desc", (L,), order_desc, ctx=True)
    r("order", (L, FP), order_by, ctx=True)
    r("order_by", (L, FP), order_by, ctx=True)
