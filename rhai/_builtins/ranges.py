"""Ranges: ``a..b`` / ``a..=b`` values and ``range(...)`` step iterators
(reference sections 3.8 and 9)."""

from __future__ import annotations

from .._runtime import arith
from .._values import INT_MAX, Range, StepRange

I = int
F = float
RG = (Range,)


class FloatStep:
    """Re-iterable FLOAT step range."""

    __slots__ = ("a", "b", "step")

    def __init__(self, a, b, step):
        self.a, self.b, self.step = a, b, step

    def __iter__(self):
        a, b, step = self.a, self.b, self.step
        x = a
        if step > 0:
            while x < b:
                yield x
                x += step
        else:
            while x > b:
                yield x
                x += step


def range2(a, b):
    return Range(a, b, False)


def range3(a, b, step):
    if step == 0:
        raise arith("step value cannot be zero")
    if type(a) is float or type(b) is float or type(step) is float:
        if step != step:
            return StepRange(())
        return StepRange(FloatStep(float(a), float(b), float(step)))
    return StepRange(range(a, b, step))


def range_of(r, step):
    if step == 0:
        raise arith("step value cannot be zero")
    end = r.end + 1 if r.inclusive and r.end < INT_MAX else r.end
    if r.inclusive and r.end == INT_MAX:
        end = INT_MAX + 1
    return StepRange(range(r.start, end, step))


def r_contains(r, x):
    if r.inclusive:
        return r.start <= x <= r.end
    return r.start <= x < r.end


def r_len(r):
    return len(r.py_range())


def register(reg):
    r = reg.register
    r("range", (I, I), range2)
    r("range", (I, I, I), range3)
    r("range", ((I, F), (I, F), (I, F)), range3)
    r("range", (RG, I), range_of)
    r("contains", (RG, I), r_contains)
    for name, fn in (("start", lambda x: x.start), ("end", lambda x: x.end),
                     ("is_inclusive", lambda x: x.inclusive), ("is_exclusive", lambda x: not x.inclusive),
                     ("is_empty", lambda x: r_len(x) == 0)):
        r(name, (RG,), fn)
        r("get$" + name, (RG,), fn)
    r("len", (RG,), r_len)
    r("get$len", (RG,), r_len)


