import pytest

import rhai


def make_engine(**limits):
    e = rhai.Engine()
    e.on_print(lambda s: None)
    e.on_debug(lambda *a: None)
    for name, value in limits.items():
        fn = getattr(e, name)
        fn(*value) if isinstance(value, tuple) else fn(value)
    return e


def run(script, **limits):
    return make_engine(**limits).eval(script)


def error_of(script, **limits):
    with pytest.raises(rhai.EvalAltResult) as ei:
        make_engine(**limits).eval(script)
    return ei.value


def same(got, want):
    """Equal and of the same Rhai type (True is not 1, 1 is not 1.0)."""
    if type(want) in (list,):
        return type(got) is list and len(got) == len(want) and all(same(g, w) for g, w in zip(got, want))
    if type(want) is dict:
        return type(got) is dict and got.keys() == want.keys() and all(same(got[k], want[k]) for k in want)
    if type(want) is str:
        return isinstance(got, str) and str(got) == want
    return type(got) is type(want) and got == want
