"""Differential test of the compiler's data-flow optimisations: random programs over
arrays and maps with callbacks, loops, element stores and pushes must give the same
values and errors with callbacks in place, element sharing and map field types on as
with all three off. (Only where ErrorTooManyOperations fires may differ.)"""

import random

import pytest

import rhai
from rhai import _compiler as C
from rhai import _lattice

VARS = ["a", "b", "c"]
def val(r, d=0):
    k = r.randint(0, 6 if d < 2 else 3)
    if k == 0: return str(r.randint(-3, 5))
    if k == 1: return r.choice(['"x"', '"ab"', '""', "1.5", "true", "()"])
    if k == 2: return r.choice(VARS + ["i"])
    if k == 3: return f"{r.choice(VARS)}.get({r.randint(-2, 1)})"
    if k == 4: return "[" + ", ".join(val(r, d + 1) for _ in range(r.randint(0, 3))) + "]"
    if k == 5: return "#{" + ", ".join(f"{n}: {val(r, d + 1)}" for n in r.sample(["n", "s", "t"], r.randint(0, 3))) + "}"
    return f"{r.choice(VARS)}.len()"
def body(r, p):
    k = r.randint(0, 9)
    if k == 0:
        return f"{p}"
    if k == 1:
        return f"{p}.n"
    if k == 2:
        return f"{p} == {val(r)}"
    if k == 3:
        return f'{{ if type_of({p}) == "map" {{ {p}.n = {val(r)}; }} {p} }}'
    if k == 4:
        return f'{{ if type_of({p}) == "array" {{ {p}.push({val(r)}); }} {p} }}'
    if k == 5:
        return f'{{ if type_of({p}) == "map" && type_of({p}.t) == "array" {{ {p}.t.push(1); }} {p} }}'
    if k == 6:
        return f"{p}.len()"
    if k == 7:
        return f'if type_of({p}) == "map" {{ {p}.t }} else {{ {p} }}'
    return val(r)


def cb(r):
    m = r.choice(["map", "filter", "some", "all", "reduce"])
    if m == "reduce":
        return f"reduce(|s, x| {r.choice(['s + 1', 'x', 's', '[s, x]'])}, {val(r)})"
    p = r.choice(["x", "v"])
    return f"{m}(|{p}| {body(r, p)})"
def stmt(r):
    k = r.randint(0, 11)
    v = r.choice(VARS)
    if k == 0:
        return f"{v} = {val(r)};"
    if k == 1:
        return f"{v} = {r.choice(VARS)}.{cb(r)};"
    if k == 2:
        return f"{v}[{r.randint(-1, 0)}] = {val(r)};"
    if k == 3:
        return f'if type_of({v}[0]) == "map" {{ {v}[0].n = {val(r)}; }}'
    if k == 4:
        return f"for i in {r.choice(VARS)} {{ {r.choice(VARS)} = {val(r)}; }}"
    if k == 5:
        return f"for r in {r.choice(VARS)} {{ out.push(r); }}"
    if k == 6:
        return f"{v}.push({val(r)});"
    if k == 7:
        return f"out.push({r.choice(VARS)}.{cb(r)});"
    if k == 8:
        return (f"let q = {r.choice(VARS)}.{cb(r)}.{cb(r)}; "
                f'if type_of(q) == "array" && type_of(q[0]) == "map" {{ q[0].n = 1; }} out.push(q);')
    if k == 9:
        return f'for r in {r.choice(VARS)} {{ if type_of(r) == "map" {{ r.n = {val(r)}; }} out.push(r); }}'
    if k == 10:
        return f'if type_of({v}[0]) == "map" && type_of({v}[0].t) == "array" {{ {v}[0].t.push(7); }}'
    return f"{v} += {val(r)};"


def prog(r):
    init = ('let i = 0; let out = []; let a = [#{n: 1, t: [1]}, #{n: 2, s: "q", t: []}]; '
            'let b = [#{n: 0, t: [0]}, #{n: 3}]; let c = [#{n: 5, t: [2]}];')
    if r.random() < 0.2:
        init += ' a.push([3]); b.push("x");'
    ss = " ".join(stmt(r) for _ in range(r.randint(1, 6)))
    if r.random() < 0.3:
        ss = f"fn g(a, b) {{ let c = #{{n: 1}}; let out = []; {ss} [a, b, c, out] }} let z = g(a, b);"
    return init + " " + ss + " [a, b, c, out]"


def outcome(src, plain, monkeypatch):
    with monkeypatch.context() as m:
        if plain:
            m.setattr(C.Compiler, "inline_callbacks", False)
            m.setattr(C.Compiler, "may_share", lambda self, f, n: False)
            m.setattr(C.Compiler, "binds_shared", lambda self, f, n: False)
            m.setattr(C, "map_fields", lambda t: {})
            m.setattr(_lattice, "map_fields", lambda t: {})
        e = rhai.Engine()
        e.set_max_operations(20000)
        e.on_print(lambda s: None)
        try:
            return ("ok", repr(e.eval(src)))
        except rhai.EvalAltResult as ex:
            chain = []
            while ex is not None:
                chain.append((ex.kind, str(ex)))
                ex = ex.inner
            if any(k == "ErrorTooManyOperations" for k, _ in chain):
                return ("ops",)
            return ("error", chain)


@pytest.mark.parametrize("seed", range(4))
def test_optimised_programs_behave_like_plain_ones(seed, monkeypatch):
    for k in range(60):
        src = prog(random.Random(seed * 1000 + k))
        assert outcome(src, False, monkeypatch) == outcome(src, True, monkeypatch), src
