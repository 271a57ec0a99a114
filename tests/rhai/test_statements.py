"""Reference section 4: statements and expressions."""

import pytest

from .conftest import error_of, run, same

VALUES = [
    ("let x; x", None),
    ("let x = 5; let x = x + 1; x", 6),
    ("let x = 1; { let x = 2; } x", 1),
    ("let x = 1; { x = 2; } x", 2),
    ("{ 1; 2; }", 2),
    ("{ 1 } + 1", 1),
    ("let x = { let a = 1; a + 1 }; x", 2),
    ("let x = if true { 1 } else { 2 }; x", 1),
    ("let x = if false { 1 }; x", None),
    ("if false { 1 } else if true { 2 } else { 3 }", 2),
    ("if true {1} else {2} + 10", 10),
    ("(if true {1} else {2}) + 10", 11),
    ("let x = 3; if (x > 2) { \"big\" } else { \"small\" }", "big"),
    # switch
    ("switch 3 { 1 | 2 => \"a\", 3 => \"b\", _ => \"c\" }", "b"),
    ("switch 9 { 1 => 0, _ => 2 }", 2),
    ("switch 9 { 1 => 0 }", None),
    ("switch 5 { 1 => 0, 4..8 => 1, _ => 2 }", 1),
    ("switch 5.5 { 0..10 => \"r\", _ => \"d\" }", "r"),
    ("switch 1.0 { 1 => \"int\", _ => \"other\" }", "other"),
    ("let flag = false; switch 3 { 3 if flag => 1, 3 => 2, _ => 3 }", 2),
    ("switch \"hi\" { \"hi\" => { let a = 1; a + 1 } _ => 0 }", 2),
    ("switch 'c' { 'c' => 1, _ => 0 }", 1),
    ("switch [1, 2] { [1, 2] => 1, _ => 0 }", 1),
    ("switch () { () => 7, _ => 0 }", 7),
    ("switch 8 { 0..=8 => 1, _ => 0 }", 1),
    # loops
    ("let i = 0; while i < 5 { i += 1; } i", 5),
    ("let r = loop { break 42; }; r", 42),
    ("let i = 0; let r = while true { i += 1; if i == 3 { break i * 10; } }; r", 30),
    ("let r = while false {}; r", None),
    ("let i = 0; do { i += 1; } while i < 5; i", 5),
    ("let i = 10; do { i += 1; } while i < 5; i", 11),
    ("let i = 0; do { i += 1; } until i >= 3; i", 3),
    ("let i = 0; let n = 0; do { i += 1; if i < 3 { continue; } n += 1; } while i < 5; n", 3),
    ("let s = 0; for i in 0..10 { if i % 2 == 0 { continue; } s += i; } s", 25),
    ("let s = 0; for i in 1..=3 { s += i; } s", 6),
    ("let s = 0; for (x, i) in [10, 20] { s += x * i; } s", 20),
    ("let s = \"\"; for c in \"abc\" { s += c; s += \",\"; } s", "a,b,c,"),
    ("let a = [1, 2]; for x in a { x += 10; } a", [1, 2]),
    ("let x = 99; for x in 0..3 {} x", 99),
    ("let s = 0; for i in range(0, 10, 3) { s += i; } s", 18),
    ("let s = []; for i in range(10, 0, -3) { s.push(i); } s", [10, 7, 4, 1]),
    ("let r = for i in 0..10 { if i == 4 { break i; } }; r", 4),
    ("let n = 0; for i in 0..3 { for j in 0..3 { if j == 1 { break; } n += 1; } } n", 3),
    ("let s = 0; for i in 0..5000 { s += 1; } s", 5000),
    ("let s = 0; for i in 0..5000 { if i == 2500 { break; } s += 1; } s", 2500),
    # return / throw / try
    ("return 5; 6", 5),
    ("try { throw 42; } catch (e) { e }", None),
    ("let r = 0; try { throw 42; } catch (e) { r = e; } r", 42),
    ("let r = (); try { throw #{a: 1}; } catch (e) { r = e.a; } r", 1),
    ("let r = (); try { 1 / 0; } catch (e) { r = e.error; } r", "ErrorArithmetic"),
    ("let r = (); try { [1][5]; } catch (e) { r = [e.index, e.length]; } r", [5, 1]),
    ("let r = (); try { 1 / 0; } catch { r = 1; } r", 1),
    ("fn f() { throw \"boom\"; } let r = (); try { f(); } catch (e) { r = e; } r", "boom"),
    ("let r = (); try { try { throw 1; } catch (e) { throw; } } catch (e2) { r = e2; } r", 1),
    ("let r = (); try { undefined_thing; } catch (e) { r = e.error; } r", "ErrorVariableNotFound"),
    ("fn f() { 1 / 0 } let r = (); try { f(); } catch (e) { r = e.error; } r", "ErrorInFunctionCall"),
    ("try { 5 }  catch { 6 }", 5),
    # assignment targets
    ("let a = [[1, 2], [3, 4]]; a[1][0] = 9; a", [[1, 2], [9, 4]]),
    ("let m = #{a: #{b: 1}}; m.a.b = 5; m.a.b", 5),
    ("let m = #{}; m[\"k\"] = 1; m.k", 1),
    ("let s = \"abc\"; s[1] = 'X'; s", "aXc"),
    ("let n = 0; n[3] = true; n", 8),
    ("let a = [1, 2]; a[0] += 5; a", [6, 2]),
    ("let m = #{a: [1]}; m.a[0] = 2; m", {"a": [2]}),
    ("let m = #{s: \"abc\"}; m.s[0] = 'z'; m.s", "zbc"),
    ("let m = #{a: 1}; m.a += 1; m.a", 2),
    ("let a = [1, 2, 3]; a[-1] = 0; a", [1, 2, 0]),
    # value semantics
    ("let a = [1, 2]; let b = a; b.push(3); a", [1, 2]),
    ("let a = [[1]]; let b = a[0]; b.push(2); a", [[1]]),
    ("let m = #{a: [1]}; let x = m.a; x.push(2); m.a", [1]),
    ("let a = [1]; let b = [a, a]; b[0].push(2); [a, b]", [[1], [[1, 2], [1]]]),
    # strings / indexing
    ("\"hello\"[1]", "e"),
    ("\"hello\"[-1]", "o"),
    ("\"hello\"[1..3]", "el"),
    ("\"hello\"[1..=2]", "el"),
    ("\"hello\"[1..=1]", ""),
    ("\"hello\"[2..]", "llo"),
    ("\"hello\"[..2]", "he"),
    ("let n = 0b1010; n[1]", True),
    ("let n = 0b1010; n[0]", False),
    ("let n = 0b101100; n[2..5]", 3),
    ("#{a: 1}.b", None),
    ("#{len: 3}.len", 3),
    ("#{a: 1}.len", None),
    ("#{a: 1, b: 2}.len()", 2),
    # global / is_def
    ("const X = 5; fn f() { global::X } f()", 5),
    ("let x = 1; is_def_var(\"x\")", True),
    ("is_def_var(\"nope\")", False),
    ("fn f(x) { x } [is_def_fn(\"f\", 1), is_def_fn(\"f\", 2)]", [True, False]),
    ("fn f() { is_def_var(\"y\") } let y = 1; f()", False),
    # empty statements and trailing semicolons
    (";; 1;;", 1),
    ("let x = 1;\nlet y = 2;\nx + y", 3),
]


@pytest.mark.parametrize("src,want", VALUES)
def test_values(src, want):
    assert same(run(src), want)


PARSE_ERRORS = [
    ("let x = 5\nx", "MissingToken"),
    ("let x = 1 let y = 2", "MissingToken"),
    ("if 1 { }", "MismatchedType"),
    ("while 1 { }", "MismatchedType"),
    ("let x = ", "UnexpectedEOF"),
    ("{ 1", "MissingToken"),
    ("break;", "LoopBreak"),
    ("continue;", "LoopBreak"),
    ("fn f() { break; }", "LoopBreak"),
    ("const X = 1; X = 2;", "AssignmentToConstant"),
    ("const X = 1; X += 2;", "AssignmentToConstant"),
    ("f() = 1;", "AssignmentToInvalidLHS"),
    ("1 + 2 = 3;", "AssignmentToInvalidLHS"),
    ("let r = try { 1 } catch { 2 };", "ExprExpected"),
    ("switch 1 { _ => 1, 2 => 3 }", "WrongSwitchDefaultCase"),
    ("switch 1 { _ if true => 1 }", "WrongSwitchCaseCondition"),
    ("switch 1 { 1..3 => 1, 4 => 2 }", "WrongSwitchIntegerCase"),
    ("let y = 1; switch 1 { y => 1 }", "ExprExpected"),
    ("for x in 5 {}", "MismatchedType"),
    ("if x = 1 { }", "MissingSymbol"),
    ("[1, 2][\"a\"]", "MalformedIndexExpr"),
    ("#{a: 1, a: 2}", "DuplicatedProperty"),
    ("x.", "UnexpectedEOF"),
    ("let = 5;", "VariableExpected"),
]


@pytest.mark.parametrize("src,kind", PARSE_ERRORS)
def test_parse_errors(src, kind):
    e = error_of(src)
    assert e.kind == "ErrorParsing"
    assert e.parse_error_type == kind
    assert e.position is not None and e.position[0] >= 1


RUNTIME_ERRORS = [
    ("x", "ErrorVariableNotFound"),
    ("y = 5;", "ErrorVariableNotFound"),
    ("let x = 1; if x { }", "ErrorMismatchDataType"),
    ("let a = [1]; a[5]", "ErrorArrayBounds"),
    ("let a = [1]; a[5] = 1;", "ErrorArrayBounds"),
    ("let a = []; a[0]", "ErrorArrayBounds"),
    ("\"abc\"[5]", "ErrorStringBounds"),
    ("let a = [1]; a[\"x\"]", "ErrorMismatchDataType"),
    ("let n = 1; n[64]", "ErrorBitFieldBounds"),
    ("let x = true; x[0]", "ErrorIndexingType"),
    ("let x = 5; for i in x {}", "ErrorFor"),
    ("let m = #{a: 1}; for i in m {}", "ErrorFor"),
    ("const A = [1]; A[0] = 2;", "ErrorAssignmentToConstant"),
    ("let x = 1; x.y = 2;", "ErrorDotExpr"),
    ("let x = 1; x.y", "ErrorDotExpr"),
    ("let m = #{}; m.a.b = 1;", "ErrorDotExpr"),
    ("throw 5;", "ErrorRuntime"),
    ("this", "ErrorUnboundThis"),
    ("global::x", "ErrorVariableNotFound"),
    ("let x = 1; fn f() { global::x } f()", "ErrorInFunctionCall"),
]


@pytest.mark.parametrize("src,kind", RUNTIME_ERRORS)
def test_runtime_errors(src, kind):
    assert error_of(src).kind == kind


def test_throw_messages():
    assert error_of("throw 5;").message == "Runtime error: 5"
    assert error_of("throw;").message == "Runtime error"
    assert error_of("throw \"\";").message == "Runtime error"
    assert error_of("throw 5;").value == 5


def test_catch_map_fields():
    m = run("let r = (); try { let a = [1]; a[5]; } catch (e) { r = e; } r")
    assert m["error"] == "ErrorArrayBounds"
    assert m["message"] == "Array index 5 out of bounds: only 1 element in array"
    assert m["index"] == 5 and m["length"] == 1
    assert m["line"] == 1 and isinstance(m["position"], int)


def test_catch_variable_scoped():
    assert error_of("try { throw 1; } catch (e) { } e").kind == "ErrorVariableNotFound"


def test_blocks_are_scopes():
    assert error_of("{ let inner = 1; } inner").kind == "ErrorVariableNotFound"
