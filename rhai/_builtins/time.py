"""Timestamps (reference section 9): ``timestamp()``, ``elapsed``, ``sleep``."""

from __future__ import annotations

import time as _time

from .._errors import err
from .._runtime import arith


class timestamp:  # noqa: N801 - the class name is the Rhai type name (type_of)
    """A point in time (monotonic clock); prints as ``<timestamp>``."""

    __slots__ = ("t",)
    rhai_text = "<timestamp>"

    def __init__(self, t):
        self.t = t

    def __repr__(self):
        return "<timestamp>"


def now():
    return timestamp(_time.monotonic())


def elapsed(ts):
    d = _time.monotonic() - ts.t
    if d < 0:
        raise arith("Cannot calculate elapsed time of a timestamp in the future")
    return d


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
