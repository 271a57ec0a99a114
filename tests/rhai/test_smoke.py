import rhai


def test_basic():
    e = rhai.Engine()
    assert e.eval("40 + 2") == 42
    assert e.eval("fn fib(n) { if n < 2 { n } else { fib(n-1) + fib(n-2) } } fib(15)") == 610
