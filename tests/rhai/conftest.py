import pytest

import rhai


@pytest.fixture
def engine():
    return rhai.Engine()


def run(script, **kw):
    e = rhai.Engine()
    out = []
    e.on_print(out.append)
    return e.eval(script)


def error_of(script, engine=None):
    e = engine or rhai.Engine()
    e.on_print(lambda s: None)
    with pytest.raises(rhai.EvalAltResult) as ei:
        e.eval(script)
    return ei.value
