"""Helpers shared by the standard-library modules: operation charging, size
checks and the callback calling conventions."""

from __future__ import annotations

from .._errors import err
from .._runtime import _IMM, UNB, WB, cp, fn_not_found
from .._values import FnPtr

# Natives whose work is proportional to their input charge one operation per
# element/character, but only once the input is at least this big (small calls
# are already covered by the per-statement/iteration ticks).
CHARGE_MIN = 64


def charge(ctx, n):
    """Charge ``n`` operations (raises ``ErrorTooManyOperations`` / ``ErrorTerminated``)."""
    if n >= CHARGE_MIN:
        ctx.charge(n)  # O(1) bulk charge (exact; checks the deadline / progress callback)


def too_large_str():
    return err("ErrorDataTooLarge", "Length of string too large", type="Length of string")


def too_large_arr():
    return err("ErrorDataTooLarge", "Size of array/BLOB too large", type="Size of array/BLOB")


def too_large_map():
    return err("ErrorDataTooLarge", "Size of object map too large", type="Size of object map")


def want_str(ctx, nchars):
    """Raise before building a string of ``nchars`` characters past the limit."""
    m = ctx.max_str
    if m and nchars > m:
        raise too_large_str()


def want_arr(ctx, n):
    m = ctx.max_arr
    if m and n > m:
        raise too_large_arr()


def norm_start(start, n):
    """Start position: negative counts from the end (clamped to 0)."""
    if start < 0:
        start += n
        if start < 0:
            return 0
    return start


def range_start_len(r):
    """(start, length) for the range overloads of sub_string/extract/drain/...:
    negative bounds clamp to 0."""
    s = r.start if r.start > 0 else 0
    e = r.end if r.end > s else s
    if r.inclusive:
        if r.end < s:
            return s, 0
        return s, e - s + 1
    return s, e - s


def as_fp(fp):
    return FnPtr(fp) if type(fp) is str else fp


def fparity(ctx, fp, options):
    """Number of (non-curried) parameters of the callback, picked among
    ``options`` (tuple of acceptable arities, preferred first); None for a
    native function (called with the first option)."""
    fn = fp.fn
    if fn is not None:
        return fn.__code__.co_argcount - 2 - len(fp.curry)
    fns = ctx.fns
    nc = len(fp.curry)
    for k in options:
        if (fp.name, nc + k) in fns:
            return k
    return None


def caller(ctx, d, fp, nargs, extra=0, this_first=True):
    """Return ``call(*args)`` for a callback receiving ``nargs`` arguments plus
    up to ``extra`` optional trailing ones (e.g. the index).  A callback with
    one parameter fewer than ``nargs`` gets the first argument bound to
    ``this`` (when ``this_first``).  The result never is a ``WB``."""
    fp = as_fp(fp)
    if type(fp) is not FnPtr:
        raise fn_not_found("call", (fp,))
    options = tuple(range(nargs, nargs + extra + 1)) + ((nargs - 1,) if this_first and nargs else ())
    k = fparity(ctx, fp, options)
    curry = fp.curry
    d1 = d + 1
    if k is None:
        # a native (or missing) function: call by name with the plain arguments
        name = fp.name
        call = ctx.call

        def native(*a):
            r = call(d, name, *curry, *a[:nargs])
            return r.r if type(r) is WB else r
        return native
    fn = fp.fn
    if fn is None:
        fn = ctx.fns[(fp.name, len(curry) + k)]
    if k < nargs:
        if k == nargs - 1 and this_first:
            if curry:
                def bound(x, *a):
                    r = fn(d1, x, *curry, *a[:k])
                    return r.r if type(r) is WB else r
            else:
                def bound(x, *a):
                    r = fn(d1, x, *a[:k])
                    return r.r if type(r) is WB else r
            return bound
        return _bad(fp.name, curry)
    if k > nargs + extra:
        return _bad(fp.name, curry)
    if curry:
        if k == nargs + extra:
            return lambda *a: fn(d1, UNB, *curry, *a)
        return lambda *a: fn(d1, UNB, *curry, *a[:k])
    if k == nargs + extra:
        return lambda *a: fn(d1, UNB, *a)
    if k == 1:
        return lambda x, *a: fn(d1, UNB, x)
    return lambda *a: fn(d1, UNB, *a[:k])


def direct(ctx, fp, k):
    """The compiled script function of callback ``fp`` when it takes exactly ``k``
    parameters and has no curried arguments -- the choice ``caller`` makes when ``k``
    is its preferred arity -- to be called as ``fn(d + 1, UNB, *args)`` without a
    wrapper; else None."""
    if type(fp) is not FnPtr or fp.curry:
        return None
    fn = fp.fn
    if fn is None:
        return ctx.fns.get((fp.name, k))
    return fn if fn.__code__.co_argcount - 2 == k else None


def _bad(name, curry):
    def bad(*a):
        raise fn_not_found(name, curry + a)
    return bad


def _cp_ro(x):
    """cp for a callback parameter the callback only reads properties of: a map whose
    values are all immutable is passed as is (nothing can reach it to change it)."""
    if type(x) is dict and _IMM.issuperset(map(type, x.values())):
        return x
    return cp(x)


def arg_copier(fp, pos, nargs):
    """The copy function for argument ``pos`` (of ``nargs``) of a callback: ``cp``, or
    ``_cp_ro`` for a closure parameter marked read-only by the compiler (``_ro``)."""
    fn = getattr(fp, "fn", None)
    ro = getattr(fn, "_ro", None)
    if ro is None:
        return cp
    k = fn.__code__.co_argcount - 2 - len(fp.curry)
    if k < nargs or k > len(ro) or pos >= k or not ro[pos]:
        return cp
    return _cp_ro
