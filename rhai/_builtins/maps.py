"""Object-map functions (reference section 8.2)."""

from __future__ import annotations

from .._runtime import UNB, WB, cp, fn_not_found
from .._values import Char, FnPtr
from ._util import as_fp, charge, fparity

M = dict
SC = (str, Char)
FP = (FnPtr, str)


def keys(m):
    return sorted(m)


def values(m):
    return [cp(m[k]) for k in sorted(m)]


def get(m, k):
    return cp(m.get(k))


def set_(m, k, v):
    m[str(k)] = v


def remove(m, k):
    return m.pop(k, None)


def mixin(m, n):
    m.update(n)


def fill_with(m, n):
    for k, v in n.items():
        if k not in m:
            m[k] = v


def _kv_caller(ctx, d, fp):
    """call(key, value): callback takes (key, value) or (key) with value as this."""
    fp = as_fp(fp)
    if type(fp) is not FnPtr:
        raise fn_not_found("call", (fp,))
    k = fparity(ctx, fp, (2, 1))
    curry = fp.curry
    d1 = d + 1
    if k is None:
        name = fp.name

        def native(key, v):
            r = ctx.call(d, name, *curry, key, v)
            return r.r if type(r) is WB else r
        return native
    fn = fp.fn or ctx.fns[(fp.name, len(curry) + k)]
    if k == 2:
        return lambda key, v: fn(d1, UNB, *curry, key, v)
    if k == 1:
        def bound(key, v):
            r = fn(d1, v, *curry, key)
            return r.r if type(r) is WB else r
        return bound

    def bad(key, v):
        raise fn_not_found(fp.name, curry + (key, v))
    return bad


def filter_(ctx, d, m, fp):
    charge(ctx, len(m))
    f = _kv_caller(ctx, d, fp)
    return {k: cp(v) for k, v in sorted(m.items()) if f(k, cp(v)) is True}


def map_(ctx, d, m, fp):
    charge(ctx, len(m))
    f = _kv_caller(ctx, d, fp)
    return {k: f(k, cp(v)) for k, v in sorted(m.items())}


def drain(ctx, d, m, fp):
    charge(ctx, len(m))
    f = _kv_caller(ctx, d, fp)
    out = {}
    for k, v in sorted(m.items()):
        if f(k, cp(v)) is True:
            out[k] = m.pop(k)
    return out


def retain(ctx, d, m, fp):
    charge(ctx, len(m))
    f = _kv_caller(ctx, d, fp)
    out = {}
    for k, v in sorted(m.items()):
        if f(k, cp(v)) is not True:
            out[k] = m.pop(k)
    return out


def register(reg):
    r = reg.register
    r("len", (M,), len)
    r("is_empty", (M,), lambda m: not m)
    r("keys", (M,), keys)
    r("values", (M,), values)
    r("get", (M, SC), get)
    r("set", (M, SC, None), set_, pure=False)
    r("remove", (M, SC), remove, pure=False)
    r("clear", (M,), lambda m: m.clear(), pure=False)
    r("mixin", (M, M), mixin, pure=False)
    r("fill_with", (M, M), fill_with, pure=False)
    r("filter", (M, FP), filter_, ctx=True)
    r("map", (M, FP), map_, ctx=True)
    r("drain", (M, FP), drain, ctx=True, pure=False)
    r("retain", (M, FP), retain, ctx=True, pure=False)
