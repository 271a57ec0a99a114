"""Modules: import/export and m::name (reference section 5.6)."""

import os

import pytest

import rhai

MODULES = {
    "math": "export const K = 10; let hidden = 1; export let total = K * 2; "
            "fn double(x) { x * 2 } private fn secret() { 1 } fn twice(x) { double(double(x)) }",
    "outer": 'import "math" as m; export let v = m::K + 1; fn f() { 5 }',
    "bad": "let x = 1 / 0;",
    "cyc": 'import "cyc" as c;',
    "arr": "export let arr = [1, 2]; export arr as alias;",
    "counter": 'print("loaded"); export let n = 1;',
    "syntax": "let = ;",
}


def engine(**limits):
    e = rhai.Engine()
    e.set_module_resolver(MODULES.get)
    for name, v in limits.items():
        getattr(e, name)(v)
    return e


def kinds(e):
    out = []
    while e is not None:
        out.append(e.kind)
        e = e.inner
    return out


@pytest.mark.parametrize("src, want", [
    ('import "math" as m; m::double(21)', 42),
    ('import "math" as m; [m::K, m::total, m::twice(3)]', [10, 20, 12]),
    ('import "outer" as o; [o::v, o::f(), o::m::double(4), o::m::K]', [11, 5, 8, 10]),
    ('import "math" as m; fn g(x) { m::double(x) } g(5)', 10),
    ('import "math" as m; let f = || m::K + 1; f.call()', 11),
    ('{ import "math" as m; m::K }', 10),
    ('let f = || { import "math" as m; m::K }; f.call()', 10),
    ('import "math" as m; let m = 3; m + m::K', 13),
    ('import "math"; 5', 5),
    ('import "arr" as u; let a = u::arr; a.push(3); [a, u::arr, u::alias]', [[1, 2, 3], [1, 2], [1, 2]]),
])
def test_imported_modules_give_their_exports(src, want):
    assert engine().eval(src) == want


def test_a_module_runs_once_per_run():
    e = engine()
    lines = []
    e.on_print(lines.append)
    assert e.eval('import "counter" as a; import "counter" as b; a::n + b::n') == 2
    assert lines == ["loaded"]


@pytest.mark.parametrize("src, kind", [
    ('import "math" as m; m::hidden', "ErrorVariableNotFound"),
    ('import "math" as m; m::secret()', "ErrorFunctionNotFound"),
    ('import "math" as m; m::nope(1)', "ErrorFunctionNotFound"),
    ('{ import "math" as m; } m::K', "ErrorModuleNotFound"),
    ('import "nope" as n; 1', "ErrorModuleNotFound"),
    ('import "cyc" as c; 1', "ErrorInModule"),
    ('import "bad" as b; 1', "ErrorInModule"),
    ('import "syntax" as s; 1', "ErrorInModule"),
    ("import 5 as m;", "ErrorMismatchDataType"),
    ('m::f()', "ErrorModuleNotFound"),
])
def test_module_errors(src, kind):
    with pytest.raises(rhai.EvalAltResult) as ei:
        engine().eval(src)
    assert ei.value.kind == kind


def test_module_errors_keep_the_inner_error_and_are_catchable():
    with pytest.raises(rhai.EvalAltResult) as ei:
        engine().eval('import "bad" as b; 1')
    assert kinds(ei.value) == ["ErrorInModule", "ErrorArithmetic"]
    assert engine().eval('let r = 0; try { import "bad" as b; } catch { r = 1 } r') == 1


def test_exports_are_read_only_and_export_is_top_level_only():
    with pytest.raises(rhai.ParseError):
        engine().compile('import "math" as m; m::K = 5')
    with pytest.raises(rhai.ParseError) as ei:
        engine().compile("fn f() { export let x = 1; }")
    assert ei.value.parse_error_type in ("WrongExport", "WrongFnDefinition")
    with pytest.raises(rhai.ParseError) as ei:
        engine().compile("if true { export let x = 1; }")
    assert ei.value.parse_error_type == "WrongExport"


def test_without_a_resolver_nothing_can_be_imported():
    with pytest.raises(rhai.EvalAltResult) as ei:
        rhai.Engine().eval('import "math" as m; 1')
    assert ei.value.kind == "ErrorModuleNotFound"


def test_module_limits():
    with pytest.raises(rhai.EvalAltResult) as ei:
        engine(set_max_modules=1).eval('import "math" as a; import "outer" as b; 1')
    assert "ErrorTooManyModules" in kinds(ei.value)
    e = engine(set_max_operations=500)
    MODULES["spin"] = "loop { }"
    try:
        with pytest.raises(rhai.EvalAltResult) as ei:
            e.eval('import "spin" as s; 1')
        assert "ErrorTooManyOperations" in kinds(ei.value)
    finally:
        del MODULES["spin"]


def test_file_module_resolver_stays_in_its_folder(tmp_path):
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "util.rhai").write_text("fn inc(x) { x + 1 }")
    (tmp_path / "secret.rhai").write_text("export let s = 1;")
    e = rhai.Engine()
    e.set_module_resolver(rhai.FileModuleResolver(os.path.join(tmp_path, "lib")))
    assert e.eval('import "util" as u; u::inc(1)') == 2
    for path in ("../secret", "/etc/passwd", "missing"):
        with pytest.raises(rhai.EvalAltResult) as ei:
            e.eval(f'import "{path}" as x; 1')
        assert ei.value.kind == "ErrorModuleNotFound"
