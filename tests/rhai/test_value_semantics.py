"""Arrays, maps and blobs are values: a copy never changes the original, whichever
expression produced it (variable, element, block, if/switch, ``??``, closure result,
operator)."""

import pytest

from .conftest import run

# each script copies a nested array out of `a` through some expression, changes the
# copy, and returns `a`, which must be unchanged
UNCHANGED = [
    "let b = { a[0] }; b.push(2);",
    "let b = { let q = 1; a[0] }; b.push(2);",
    "let b = if true { a[0] } else { [] }; b.push(2);",
    "let b = switch 1 { 1 => a[0], _ => [] }; b.push(2);",
    "let b = a[0] ?? 1; b.push(2);",
    "let f = |i| a[i]; let b = f.call(0); b.push(2);",
    "let b = [1].map(|i| a[0]); b[0].push(2);",
    "let b = a.map(|x| x); b[0].push(2);",
    "let b = a.filter(|x| true); b[0].push(2);",
    "let b = a.reduce(|s, x| x); b.push(2);",
    "let b = a.find(|x| true); b.push(2);",
    "let b = a.get(0); b.push(2);",
    "let b = []; b.push({ a[0] }); b[0].push(2);",
    "let b = [0]; b[0] = { a[0] }; b[0].push(2);",
    "let b = #{x: if true { a[0] } else { 0 }}; b.x.push(2);",
    "fn f(x) { x.push(3); x } f({ a[0] });",
    "let b = [] + a; b[0].push(2);",
    "let b = a + []; b[0].push(2);",
    "let b = []; b += a; b[0].push(2);",
    "let b = []; b.append(a); b[0].push(2);",
    "for x in a { x.push(2) }",
    "a.some(|x| { x.push(2); true });",
]


@pytest.mark.parametrize("body", UNCHANGED)
def test_copies_of_nested_arrays_do_not_change_the_original(body):
    assert run("let a = [[1]]; " + body + " a") == [[1]]


MAP_UNCHANGED = [
    "let b = a + #{}; b.x.push(2);",
    "let b = #{} + a; b.x.push(2);",
    "let b = #{}; b += a; b.x.push(2);",
    "let b = #{}; b.mixin(a); b.x.push(2);",
    "let b = []; b += a; b[0].x.push(2);",
    "let b = a.values(); b[0].push(2);",
    "let b = if a.x.len() > 0 { a } else { #{} }; b.x.push(2);",
]


@pytest.mark.parametrize("body", MAP_UNCHANGED)
def test_copies_of_maps_do_not_change_the_original(body):
    assert run("let a = #{x: [1]}; " + body + " a") == {"x": [1]}


# The compiler lets an array filtered out of another, and a loop or callback variable,
# share elements with their source when no element can ever change in place or leave
# uncopied (see share_info in rhai/_compiler.py). Each script below tries to break that.
SHARING = [
    "let b = a.filter(|r| true); b[0].n = 9; a",
    "let b = a.filter(|r| true); a[0].n = 9; b",
    "let b = a.filter(|r| true); let x = b.pop(); x.n = 9; a",
    "let b = a.filter(|r| true); let x = b.shift(); x.n = 9; a",
    "let b = a.filter(|r| true); let x = b[0]; x.n = 9; a",
    "for r in a { r.n = 9 } a",
    "for r in a { r.n += 1 } a",
    "let b = a.filter(|r| true); for r in b { r.n += 1 } a",
    "let b = a.filter(|r| true); fn f(x) { x[0].n = 9; x } f(b); a",
    "let b = a.filter(|r| true); let c = b.remove(0); c.n = 9; a",
    "let b = a.filter(|r| true); b[0] += #{m: 1}; a",
    "let b = a.filter(|r| true); let f = || { b[0].n = 9; }; f.call(); a",
    "let b = []; b.push(a.filter(|r| true)); b[0][0].n = 9; a",
    "let b = a.filter(|r| true); b.for_each(|| this.n = 9); a",
    "let b = a.filter(|r| true); let m = #{x: b}; m.x[0].n = 9; a",
    "let b = a.filter(|r| true).filter(|r| true); b[0].n = 9; a",
    "let b = a.filter(|r| true); b.reverse(); b[0].n = 9; a",
    "let b = a.filter(|r| true); let c = b.extract(0, 1); c[0].n = 9; a",
    "let b = a.filter(|r| true); let c = b.drain(|r| true); c[0].n = 9; a",
    "let b = a.filter(|r| true); let c = b.split(1); c[0].n = 9; a",
    "let b = a.filter(|r| true); { let b = [#{n: 0}]; b[0].n = 5; } [a, b]",
    "let b = a.filter(|r| true); a.clear(); a.push(#{n: 3}); [a, b]",
    "let out = []; for r in a { a[1].n = 7; out.push(r.n) } [out, a]",
    "for r in a { let s = r; s.n = 5 } a",
    "let b = a.filter(|r| true); b.sort(|x, y| y.n - x.n); b[0].n = 0; a",
    "let b = a.map(|r| { r.n = 4; r }); [a, b]",
    "let b = a.filter(|r| r.n > 1); let c = b.map(|r| r.n); [a, b, c]",
    "let b = a.filter(|r| true); let c = b; c[0].n = 8; [a, b]",
    "let b = a.filter(|r| true); let g = |x| x.n = 3; g.call(b[0]); [a, b]",
    "let b = a.filter(|r| true); b[0].t.push(1); a",
    "let b = a.filter(|r| true); let c = b.get(0); c.t.push(2); [a, b]",
    "fn f(a) { let b = a.filter(|r| true); b[0].n = 5; a } f(a)",
    "fn f(a) { let b = a.filter(|r| true); for r in b { r.t.push(1) } [a, b] } f(a)",
]


@pytest.mark.parametrize("body", SHARING)
def test_shared_elements_never_show(body, monkeypatch):
    from rhai import _compiler
    script = "let a = [#{n: 1, t: []}, #{n: 2, t: []}]; " + body
    got = run(script)
    # the same script with every element copied
    monkeypatch.setattr(_compiler.Compiler, "may_share", lambda self, f, node: False)
    monkeypatch.setattr(_compiler.Compiler, "binds_shared", lambda self, f, name: False)
    assert got == run(script)
