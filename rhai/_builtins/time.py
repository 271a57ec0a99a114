"""Timestamps (reference section 9): ``timestamp()``, ``elapsed``, ``sleep``.
The value type is ``_values.timestamp``; its operators (``t ± secs``, ``t1 - t2``,
comparisons) are in ``_runtime`` (``ts_add``/``ts_sub``, ``sub``, ``_ord_pair``)
and ``_context.Context.add``."""

from __future__ import annotations

import time as _time

from .._errors import err
from .._runtime import arith
from .._values import timestamp

__all__ = ["timestamp"]


def now():
    return timestamp(_time.monotonic_ns())


def elapsed(ts):
    d = _time.monotonic_ns() - ts.ns
    if d < 0:
        raise arith("Cannot calculate elapsed time of a timestamp in the future")
    return d / 1e9


def sleep(ctx, d, secs):
    if secs != secs or secs <= 0:
        return
    dl = ctx.deadline
    if dl is not None:
        left = dl - _time.monotonic()
        if secs >= left:
            _time.sleep(max(0.0, left))
            raise err("ErrorTerminated", "Script terminated", token=None)
    _time.sleep(secs)


def register(reg):
    r = reg.register
    TS = (timestamp,)
    r("timestamp", (), now)
    r("elapsed", (TS,), elapsed)
    r("get$elapsed", (TS,), elapsed)
    r("sleep", ((int, float),), sleep, ctx=True)
