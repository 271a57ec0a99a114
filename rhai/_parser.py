"""Recursive-descent / precedence-climbing parser producing ``_ast`` nodes."""

from __future__ import annotations

from . import _ast as A
from ._errors import ParseError
from ._lexer import RESERVED_SYMBOLS, SPECIAL_FNS, tokenize
from ._values import Char

__all__ = ["parse", "Program"]

PREC = {
    "||": 30, "|": 30, "^": 30,
    "&&": 60, "&": 60,
    "==": 90, "!=": 90,
    "in": 110, "!in": 110,
    "<": 130, "<=": 130, ">": 130, ">=": 130,
    "??": 135,
    "..": 140, "..=": 140,
    "+": 150, "-": 150,
    "*": 180, "/": 180, "%": 180,
    "**": 190,
    "<<": 210, ">>": 210,
}
ASSIGN_OPS = frozenset("= += -= *= /= %= **= <<= >>= &= |= ^=".split())
BLOCK_STMTS = frozenset(("if", "switch", "while", "loop", "for", "{", "try"))

_DESCR = {
    "INT": "a number", "FLOAT": "a floating-point number", "STR": "a string", "CHAR": "a character",
    "ISTR": "a string",
}


class Program:
    __slots__ = ("stmts", "fns", "source", "exports")

    def __init__(self, stmts, fns, source=None, exports=()):
        self.stmts = stmts
        self.fns = fns  # dict (name, arity) -> FnDef
        self.source = source
        self.exports = list(exports)  # (variable, exported name) of a module script


def typed_name(name, this_type):
    """The function-table name of a method typed for ``this_type`` (no script can write
    it, so plain calls never reach one): ``name\\0type``."""
    return name if this_type is None else f"{name}\0{this_type}"


def display_name(name):
    """A function-table name as messages show it (a typed method's plain name)."""
    return name.split("\0", 1)[0]


def _perr(kind, msg, pos, **f):
    return ParseError(kind, msg, pos, **f)


class Parser:
    def __init__(self, toks, max_expr_depth=64, max_fn_expr_depth=32, max_functions=None,
                 max_string_size=0, max_array_size=0, max_map_size=0):
        self.toks = toks
        self.i = 0
        self.loop_depth = 0
        self.in_fn = False
        self.depth = 0
        self.max_depth = max_expr_depth or 0
        self.max_fn_depth = max_fn_expr_depth or 0
        self.max_functions = max_functions
        self.max_string_size = max_string_size
        self.max_array_size = max_array_size
        self.max_map_size = max_map_size
        self.fns = {}
        self.exports = []
        self.n_functions = 0

    # ------------------------------------------------------------ helpers
    @property
    def tok(self):
        return self.toks[self.i]

    def peek(self, k=1):
        j = min(self.i + k, len(self.toks) - 1)
        return self.toks[j]

    def next(self):
        t = self.toks[self.i]
        if t.kind != "EOF":
            self.i += 1
        return t

    def at(self, kind):
        return self.toks[self.i].kind == kind

    def accept(self, kind):
        if self.toks[self.i].kind == kind:
            return self.next()
        return None

    def unexpected(self, t=None):
        t = t or self.tok
        if t.kind == "EOF":
            return _perr("UnexpectedEOF", "Script is incomplete", t.pos)
        if t.kind == "RESERVED":
            return self.reserved(t)
        return None

    def reserved(self, t):
        if t.value in RESERVED_SYMBOLS or not t.value[0].isalpha():
            return _perr("Reserved", f"'{t.value}' is a reserved symbol", t.pos)
        return _perr("Reserved", f"'{t.value}' is a reserved keyword", t.pos)

    def expect(self, kind, desc):
        t = self.tok
        if t.kind == kind:
            return self.next()
        e = self.unexpected(t)
        if e is not None and t.kind != "EOF":
            raise e
        if t.kind == "EOF" and kind != ";":
            raise _perr("UnexpectedEOF", "Script is incomplete", t.pos)
        raise _perr("MissingToken", f"Expecting '{kind}' {desc}", t.pos, token=kind, description=desc)

    def enter(self, pos):
        self.depth += 1
        lim = self.max_fn_depth if self.in_fn else self.max_depth
        if lim and self.depth > lim:
            raise _perr("ExprTooDeep", "Expression exceeds maximum complexity", pos)

    def leave(self):
        self.depth -= 1

    # ------------------------------------------------------------ program
    def parse_program(self):
        stmts = []
        while not self.at("EOF"):
            if self.accept(";"):
                continue
            s = self.statement(top=True)
            if s is None:
                continue
            stmts.append(s)
            self.end_of_statement(s)
        return Program(stmts, self.fns, exports=self.exports)

    def end_of_statement(self, s, closer="EOF"):
        if self.at(";"):
            self.next()
            return
        if self.at(closer) or self.at("EOF"):
            return
        if getattr(s, "_block_ended", False):
            return
        t = self.tok
        if t.kind == "RESERVED":
            raise self.reserved(t)
        raise _perr("MissingToken", "Expecting ';' to terminate this statement", t.pos,
                    token=";", description="to terminate this statement")

    def block(self):
        t = self.expect("{", "to start a statement block")
        self.enter(t.pos)
        stmts = []
        while not self.at("}"):
            if self.at("EOF"):
                raise _perr("MissingToken", "Expecting '}' to end this statement block", self.tok.pos,
                            token="}", description="to end this statement block")
            if self.accept(";"):
                continue
            s = self.statement()
            stmts.append(s)
            self.end_of_statement(s, "}")
        self.next()
        self.leave()
        return A.Block(t.pos, stmts)

    # ------------------------------------------------------------ statements
    def statement(self, top=False):
        t = self.tok
        k = t.kind
        if k == "let" or k == "const":
            return self.let_stmt()
        if k == "fn" or (k == "private" and self.peek().kind == "fn"):
            if not top:
                raise _perr("WrongFnDefinition", "Function definitions must be at global level and cannot be inside a block or another function", t.pos)
            self.fn_def()
            s = A.ExprStmt(t.pos, A.Const(t.pos, None))
            s._block_ended = True
            return None
        if k == "try":
            return self.try_stmt()
        if k == "import":
            return self.import_stmt()
        if k == "export":
            if not top:
                raise _perr("WrongExport", "Export statement can only appear at global level", t.pos)
            return self.export_stmt()
        if k in BLOCK_STMTS and k != "try":
            e = self.primary()
            s = A.ExprStmt(t.pos, e)
            s._block_ended = True
            return s
        expr = self.expr()
        op = self.tok.kind
        if op in ASSIGN_OPS:
            opt = self.next()
            self.check_lvalue(expr, opt)
            value = self.expr()
            return A.Assign(opt.pos, expr, op, value)
        if op == "=":
            pass
        return A.ExprStmt(t.pos, expr)

    def import_stmt(self):
        t = self.next()
        path = self.expr()
        alias = None
        if self.accept("as"):
            at = self.tok
            if at.kind != "ID":
                if at.kind == "RESERVED":
                    raise self.reserved(at)
                raise _perr("VariableExpected", "Expecting name of a variable", at.pos)
            self.next()
            alias = at.value
        return A.Import(t.pos, path, alias)

    def export_stmt(self):
        """``export let x = …;``, ``export const X = …;``, ``export x [as y];``: the
        variable's final value becomes a member of the module."""
        t = self.next()
        if self.at("let") or self.at("const"):
            s = self.let_stmt()
            self.exports.append((s.name, s.name))
            return s
        nt = self.tok
        if nt.kind != "ID":
            raise _perr("VariableExpected", "Expecting name of a variable", nt.pos)
        self.next()
        alias = nt.value
        if self.accept("as"):
            at = self.tok
            if at.kind != "ID":
                raise _perr("VariableExpected", "Expecting name of a variable", at.pos)
            self.next()
            alias = at.value
        self.exports.append((nt.value, alias))
        return A.ExprStmt(t.pos, A.Const(t.pos, None))

    def check_lvalue(self, e, opt):
        base = e
        while isinstance(base, (A.Index, A.Prop)):
            base = base.obj
        if not isinstance(base, (A.Var, A.This)):
            raise _perr("AssignmentToInvalidLHS", "Expression cannot be assigned to", opt.pos if isinstance(e, A.Const) else e.pos)

    def let_stmt(self):
        t = self.next()
        name_t = self.tok
        if name_t.kind != "ID":
            if name_t.kind == "RESERVED":
                raise self.reserved(name_t)
            if name_t.kind == "EOF":
                raise _perr("UnexpectedEOF", "Script is incomplete", name_t.pos)
            raise _perr("VariableExpected", "Expecting name of a variable", name_t.pos)
        self.next()
        if name_t.value in SPECIAL_FNS:
            raise _perr("Reserved", f"'{name_t.value}' is a reserved keyword", name_t.pos)
        value = None
        if self.accept("="):
            value = self.expr()
        return A.Let(name_t.pos, name_t.value, value, t.kind == "const")

    def try_stmt(self):
        t = self.next()
        body = self.block()
        self.expect("catch", "for the 'try' statement")
        var = None
        if self.accept("("):
            vt = self.tok
            if vt.kind != "ID":
                raise _perr("VariableExpected", "Expecting name of a variable", vt.pos)
            self.next()
            var = vt.value
            self.expect(")", "to enclose the catch variable")
        catch = self.block()
        s = A.Try(t.pos, body, var, catch)
        s._block_ended = True
        return s

    def fn_def(self):
        private = bool(self.accept("private"))
        self.next()  # fn
        nt = self.tok
        this_type = None
        if nt.kind in ("ID", "STR") and self.toks[self.i + 1].kind == ".":
            # a typed method: fn int.double() / fn "Type Name".m() (int/float: i64/f64)
            this_type = {"int": "i64", "float": "f64"}.get(nt.value, nt.value) if nt.kind == "ID" else nt.value
            self.next()
            self.next()
            nt = self.tok
        if nt.kind == "RESERVED":
            raise self.reserved(nt)
        if nt.kind != "ID":
            raise _perr("FnMissingName", "Expecting function name in function declaration", nt.pos)
        if nt.value in SPECIAL_FNS:
            raise _perr("Reserved", f"'{nt.value}' is a reserved keyword", nt.pos)
        self.next()
        params = self.params(nt.value)
        if not self.at("{"):
            raise _perr("FnMissingBody", f"Expecting body statement block for function {nt.value}", self.tok.pos)
        self.count_fn(nt.pos)
        saved = (self.loop_depth, self.in_fn, self.depth)
        self.loop_depth, self.in_fn, self.depth = 0, True, 0
        body = self.block()
        self.loop_depth, self.in_fn, self.depth = saved
        key = (typed_name(nt.value, this_type), len(params))
        if key in self.fns:
            n = len(params)
            raise _perr("FnDuplicatedDefinition",
                        f"Function {nt.value} with {n} parameter{'s' if n != 1 else ''} already exists", nt.pos)
        self.fns[key] = A.FnDef(nt.pos, key[0], params, body, private)

    def count_fn(self, pos):
        self.n_functions += 1
        if self.max_functions is not None and self.n_functions > self.max_functions:
            raise _perr("TooManyFunctions", "Too many functions defined", pos)

    def params(self, fname):
        if self.accept("()"):
            return []
        if not self.at("("):
            raise _perr("FnMissingParams", f"Expecting parameters for function {fname}", self.tok.pos)
        self.next()
        params = []
        while not self.at(")"):
            pt = self.tok
            if pt.kind != "ID":
                if pt.kind == "EOF":
                    raise _perr("UnexpectedEOF", "Script is incomplete", pt.pos)
                if pt.kind == "RESERVED":
                    raise self.reserved(pt)
                raise _perr("MissingToken", "Expecting ')' to close the parameters list", pt.pos)
            self.next()
            if pt.value in params:
                raise _perr("FnDuplicatedParam", f"Duplicated parameter '{pt.value}' for function {fname}", pt.pos)
            params.append(pt.value)
            if not self.accept(","):
                break
        self.expect(")", "to close the parameters list")
        return params

    # ------------------------------------------------------------ expressions
    def expr(self):
        self.enter(self.tok.pos)
        e = self.binary(0)
        self.leave()
        return e

    def binary(self, min_prec):
        left = self.unary()
        while True:
            t = self.tok
            op = t.kind
            prec = PREC.get(op)
            if prec is None or prec < min_prec:
                if op == "RESERVED" and t.value in ("===", "!==", "++", "--", "->", "<-", "|>", "<|", ":="):
                    raise self.reserved(t)
                return left
            self.next()
            if op in ("..", "..="):
                nk = self.tok.kind
                if nk in ("]", ")", "}", ",", ";", "=>", "EOF"):
                    right = A.Const(t.pos, (1 << 63) - 1)
                    left = A.RangeE(t.pos, left, right, op == "..=")
                    continue
            self.enter(t.pos)
            right = self.binary(prec if op == "**" else prec + 1)
            self.leave()
            if op == "&&":
                self.check_bool(left)
                self.check_bool(right)
                left = A.And(t.pos, left, right)
            elif op == "||":
                self.check_bool(left)
                self.check_bool(right)
                left = A.Or(t.pos, left, right)
            elif op == "??":
                left = A.Coalesce(t.pos, left, right)
            elif op == "in" or op == "!in":
                left = A.In(t.pos, left, right, op == "!in")
            elif op == ".." or op == "..=":
                left = A.RangeE(t.pos, left, right, op == "..=")
            else:
                left = A.Binary(t.pos, op, left, right)

    def check_bool(self, e):
        if isinstance(e, A.Const) and type(e.value) is not bool:
            raise _perr("MismatchedType", f"Expecting a boolean expression, not {self.describe(e.value)}", e.pos,
                        expected="a boolean expression")

    @staticmethod
    def describe(v):
        t = type(v)
        if t is int or t is float:
            return "a number"
        if t is str:
            return "a string"
        if t is Char:
            return "a character"
        if v is None:
            return "()"
        return "a value"

    def unary(self):
        t = self.tok
        if t.kind in ("..", "..="):
            self.next()
            e = self.binary(141)
            return A.RangeE(t.pos, A.Const(t.pos, 0), e, t.kind == "..=")
        if t.kind in ("-", "+", "!"):
            self.next()
            self.enter(t.pos)
            e = self.unary()
            self.leave()
            if t.kind == "-" and isinstance(e, A.Const) and type(e.value) in (int, float):
                v = -e.value
                if type(v) is int and v > (1 << 63) - 1:
                    v = float(v)
                return A.Const(t.pos, v)
            if t.kind == "+" and isinstance(e, A.Const) and type(e.value) in (int, float):
                return e
            return A.Unary(t.pos, t.kind, e)
        return self.postfix(self.primary())

    def postfix(self, e):
        while True:
            t = self.tok
            k = t.kind
            if k == "." or k == "?.":
                self.next()
                nt = self.tok
                if nt.kind not in ("ID",) and not (nt.kind in ("type_of", "call", "curry") ):
                    if nt.kind == "EOF":
                        raise _perr("UnexpectedEOF", "Script is incomplete", nt.pos)
                    if nt.kind == "RESERVED":
                        raise self.reserved(nt)
                    raise _perr("PropertyExpected", "Expecting name of a property", nt.pos)
                self.next()
                name = nt.value
                if self.at("(") or self.at("()"):
                    if name in ("Fn", "is_def_fn", "is_def_var", "print", "debug", "eval"):
                        raise _perr("MissingSymbol" if False else "Reserved", f"'{name}' cannot be called in method-call style", nt.pos)
                    args = self.args()
                    e = A.MethodCall(nt.pos, e, name, args, k == "?.")
                else:
                    e = A.Prop(nt.pos, e, name, k == "?.")
            elif k == "[" or k == "?[":
                self.next()
                idx = self.expr()
                self.expect("]", "to close the indexing expression")
                self.check_index(e, idx)
                e = A.Index(t.pos, e, idx, k == "?[")
            else:
                return e

    def check_index(self, obj, idx):
        if isinstance(idx, A.Const):
            v = idx.value
            if type(v) is not int and not (type(v) is str and isinstance(obj, (A.MapLit, A.Var, A.Index, A.Prop, A.Call, A.MethodCall, A.This, A.GlobalVar))):
                if type(v) is str and isinstance(obj, A.ArrayLit):
                    raise _perr("MalformedIndexExpr", "Array access expects integer index, not a string", idx.pos)
                if type(v) is not str:
                    raise _perr("MalformedIndexExpr", "Only arrays, object maps and strings can be indexed", idx.pos)
        if isinstance(obj, A.Const) and type(obj.value) in (float, bool, Char) or (
                isinstance(obj, A.Const) and obj.value is None):
            raise _perr("MalformedIndexExpr", "Only arrays, object maps and strings can be indexed", obj.pos)

    def args(self):
        if self.accept("()"):
            return []
        self.expect("(", "to start arguments list")
        args = []
        while not self.at(")"):
            args.append(self.expr())
            if not self.accept(","):
                break
        if not self.at(")"):
            t = self.tok
            if t.kind == "EOF":
                raise _perr("UnexpectedEOF", "Script is incomplete", t.pos)
            raise _perr("MissingToken", "Expecting ')' to close the arguments list", t.pos,
                        token=")", description="to close the arguments list")
        self.next()
        return args

    def primary(self):
        t = self.tok
        k = t.kind
        p = t.pos
        if k in ("INT", "FLOAT"):
            self.next()
            return A.Const(p, t.value)
        if k == "STR":
            self.next()
            if self.max_string_size and len(t.value.encode()) > self.max_string_size:
                raise _perr("LiteralTooLarge", f"Length of string exceeds the maximum limit ({self.max_string_size})", p)
            return A.Const(p, t.value)
        if k == "CHAR":
            self.next()
            return A.Const(p, Char(t.value))
        if k == "ISTR":
            self.next()
            return self.istr(t)
        if k == "true" or k == "false":
            self.next()
            return A.Const(p, k == "true")
        if k == "()":
            self.next()
            return A.Const(p, None)
        if k == "(":
            self.next()
            e = self.expr()
            self.expect(")", "for a matching ( in this expression")
            return e
        if k == "[":
            return self.array_lit()
        if k == "#{":
            return self.map_lit()
        if k == "{":
            return self.block()
        if k == "if":
            return self.if_expr()
        if k == "switch":
            return self.switch_expr()
        if k == "while":
            self.next()
            cond = self.expr()
            self.check_cond(cond)
            body = self.loop_body()
            return A.While(p, cond, body)
        if k == "loop":
            self.next()
            return A.Loop(p, self.loop_body())
        if k == "do":
            self.next()
            body = self.loop_body()
            ct = self.tok
            if ct.kind not in ("while", "until"):
                raise _perr("MissingToken", "Expecting 'while' or 'until' to complete this do loop", ct.pos,
                            token="while", description="or 'until' to complete this do loop")
            self.next()
            cond = self.expr()
            self.check_cond(cond)
            return A.DoWhile(p, body, cond, ct.kind == "until")
        if k == "for":
            return self.for_expr()
        if k == "|" or k == "||":
            return self.closure()
        if k == "this":
            self.next()
            return A.This(p)
        if k == "global":
            self.next()
            self.expect("::", "")
            nt = self.tok
            if nt.kind != "ID":
                raise _perr("VariableExpected", "Expecting name of a variable", nt.pos)
            self.next()
            return A.GlobalVar(nt.pos, nt.value)
        if k == "ID":
            self.next()
            if self.at("(") or self.at("()"):
                args = self.args()
                if t.value == "Fn" and len(args) == 1 and isinstance(args[0], A.Const) and type(args[0].value) is str:
                    self.check_fn_name(args[0])
                return A.Call(p, t.value, args)
            if self.at("::"):  # m::x, m::f(…), m::sub::f(…)
                path = [t.value]
                while self.accept("::"):
                    nt = self.tok
                    if nt.kind != "ID":
                        raise _perr("VariableExpected", "Expecting name of a variable", nt.pos)
                    self.next()
                    path.append(nt.value)
                if self.at("(") or self.at("()"):
                    return A.NsCall(p, path[:-1], path[-1], self.args())
                return A.NsVar(p, path[:-1], path[-1])
            if self.at("!") and self.peek().kind in ("(", "()"):
                self.next()
                return A.BangCall(p, t.value, self.args())
            return A.Var(p, t.value)
        if k == "break":
            self.next()
            if not self.loop_depth:
                raise _perr("LoopBreak", "Break statement should only be used inside a loop", p)
            value = None
            if not self.at(";") and not self.at("}") and not self.at("EOF"):
                value = self.expr()
            return A.Break(p, value)
        if k == "continue":
            self.next()
            if not self.loop_depth:
                raise _perr("LoopBreak", "Continue statement should only be used inside a loop", p)
            return A.Continue(p)
        if k == "return":
            self.next()
            value = None
            if not self.at(";") and not self.at("}") and not self.at("EOF"):
                value = self.expr()
            return A.Return(p, value)
        if k == "throw":
            self.next()
            value = None
            if not self.at(";") and not self.at("}") and not self.at("EOF"):
                value = self.expr()
            return A.Throw(p, value)
        if k == "fn" or k == "private":
            raise _perr("WrongFnDefinition", "Function definitions must be at global level and cannot be inside a block or another function", p)
        if k in ("Fn", "call", "curry", "type_of", "print", "debug", "is_def_fn", "is_def_var", "is_shared", "eval"):
            self.next()
            return A.Call(p, t.value, self.args())
        if k == "RESERVED":
            raise self.reserved(t)
        if k == "EOF":
            raise _perr("UnexpectedEOF", "Script is incomplete", p)
        if k == "let" or k == "const":
            raise _perr("ExprExpected" if False else "MissingSymbol", "Expecting an expression", p) if False else \
                _perr("ExprExpected", "Expecting an expression", p)
        if k == "=":
            raise _perr("ExprExpected", "Expecting an expression", p)
        raise _perr("ExprExpected", "Expecting an expression", p)

    def check_fn_name(self, c):
        name = c.value
        from ._lexer import KEYWORDS, RESERVED_WORDS
        if name in KEYWORDS or name in RESERVED_WORDS or name in SPECIAL_FNS - {"Fn"}:
            raise _perr("Reserved", f"'{name}' is a reserved keyword", c.pos)

    def check_cond(self, cond):
        if isinstance(cond, A.Const) and type(cond.value) is not bool:
            raise _perr("MismatchedType", f"Expecting a boolean expression, not {self.describe(cond.value)}",
                        cond.pos, expected="a boolean expression")

    def loop_body(self):
        self.loop_depth += 1
        b = self.block()
        self.loop_depth -= 1
        return b

    def if_expr(self):
        t = self.next()
        cond = self.expr()
        if self.at("="):
            raise _perr("MissingSymbol", "Possibly a typo of '=='?", self.tok.pos)
        self.check_cond(cond)
        then = self.block()
        other = None
        if self.accept("else"):
            if self.at("if"):
                other = self.if_expr()
            else:
                other = self.block()
        return A.If(t.pos, cond, then, other)

    def for_expr(self):
        t = self.next()
        paren = bool(self.accept("("))
        vt = self.tok
        if vt.kind != "ID":
            if vt.kind == "RESERVED":
                raise self.reserved(vt)
            raise _perr("VariableExpected", "Expecting name of a variable", vt.pos)
        self.next()
        ivar = None
        if paren:
            self.expect(",", "after the iteration variable name")
            it = self.tok
            if it.kind != "ID":
                raise _perr("VariableExpected", "Expecting name of a variable", it.pos)
            self.next()
            ivar = it.value
            self.expect(")", "to close the iteration variables")
        self.expect("in", "after the iteration variable")
        it = self.expr()
        if isinstance(it, (A.Const, A.MapLit)) and not (isinstance(it, A.Const) and type(it.value) is str):
            raise _perr("MismatchedType", "Expecting an iterable value", it.pos, expected="an iterable value")
        body = self.loop_body()
        return A.For(t.pos, vt.value, ivar, it, body)

    def closure(self):
        t = self.next()
        params = []
        if t.kind == "|":
            while not self.at("|"):
                pt = self.tok
                if pt.kind != "ID":
                    if pt.kind == "EOF":
                        raise _perr("UnexpectedEOF", "Script is incomplete", pt.pos)
                    raise _perr("MissingToken", "Expecting '|' to close the parameters list", pt.pos)
                self.next()
                if pt.value in params:
                    raise _perr("FnDuplicatedParam", f"Duplicated parameter '{pt.value}' for function anonymous", pt.pos)
                params.append(pt.value)
                if not self.accept(","):
                    break
            self.expect("|", "to close the parameters list")
        self.count_fn(t.pos)
        saved = (self.loop_depth, self.in_fn, self.depth)
        self.loop_depth, self.in_fn, self.depth = 0, True, 0
        if self.at("{"):
            body = self.block()
        else:
            body = self.statement_expr()
        self.loop_depth, self.in_fn, self.depth = saved
        return A.Closure(t.pos, params, body)

    def statement_expr(self):
        s = self.statement()
        return A.Block(s.pos, [s])

    def array_lit(self):
        t = self.next()
        self.enter(t.pos)
        items = []
        while not self.at("]"):
            items.append(self.expr())
            if not self.accept(","):
                break
        if not self.at("]"):
            tk = self.tok
            if tk.kind == "EOF":
                raise _perr("UnexpectedEOF", "Script is incomplete", tk.pos)
            raise _perr("MissingToken", "Expecting ']' to end this array literal", tk.pos,
                        token="]", description="to end this array literal")
        self.next()
        self.leave()
        if self.max_array_size and len(items) > self.max_array_size:
            raise _perr("LiteralTooLarge", f"Size of array literal exceeds the maximum limit ({self.max_array_size})", t.pos)
        return A.ArrayLit(t.pos, items)

    def map_lit(self):
        t = self.next()
        self.enter(t.pos)
        items = []
        seen = set()
        while not self.at("}"):
            kt = self.tok
            if kt.kind in ("ID", "STR") or (kt.kind in ("let", "const", "if", "fn", "in", "this", "true", "false", "loop", "for", "while", "do", "switch", "return", "throw", "break", "continue", "try", "catch", "else", "import", "export", "as", "private", "global", "until")):
                key = kt.value
            elif kt.kind == "EOF":
                raise _perr("UnexpectedEOF", "Script is incomplete", kt.pos)
            else:
                raise _perr("PropertyExpected", "Expecting name of a property", kt.pos)
            self.next()
            if key in seen:
                raise _perr("DuplicatedProperty", f"Duplicated property '{key}' for object map literal", kt.pos)
            seen.add(key)
            self.expect(":", "to follow the property")
            items.append((key, self.expr()))
            if not self.accept(","):
                break
        if not self.at("}"):
            tk = self.tok
            if tk.kind == "EOF":
                raise _perr("UnexpectedEOF", "Script is incomplete", tk.pos)
            raise _perr("MissingToken", "Expecting '}' to end this object map literal", tk.pos,
                        token="}", description="to end this object map literal")
        self.next()
        self.leave()
        if self.max_map_size and len(items) > self.max_map_size:
            raise _perr("LiteralTooLarge", f"Number of properties in object map literal exceeds the maximum limit ({self.max_map_size})", t.pos)
        return A.MapLit(t.pos, items)

    def istr(self, t):
        parts = []
        for part in t.value:
            if type(part) is str:
                parts.append(part)
            else:
                sub = Parser(part, self.max_depth, self.max_fn_depth, self.max_functions,
                             self.max_string_size, self.max_array_size, self.max_map_size)
                sub.loop_depth, sub.in_fn, sub.depth = self.loop_depth, self.in_fn, self.depth
                stmts = []
                while not sub.at("EOF"):
                    if sub.accept(";"):
                        continue
                    s = sub.statement()
                    stmts.append(s)
                    sub.end_of_statement(s)
                self.n_functions += sub.n_functions
                parts.append(A.Block(part[0].pos, stmts))
        return A.IStr(t.pos, parts)

    def switch_expr(self):
        t = self.next()
        subject = self.expr()
        self.expect("{", "to start a switch block")
        cases = []
        default = None
        seen_range = False
        while not self.at("}"):
            ct = self.tok
            if ct.kind == "EOF":
                raise _perr("UnexpectedEOF", "Script is incomplete", ct.pos)
            if default is not None:
                raise _perr("WrongSwitchDefaultCase", "Default switch case must be the last", ct.pos)
            if ct.kind == "_":
                self.next()
                if self.at("if"):
                    raise _perr("WrongSwitchCaseCondition", "Default switch case cannot have condition", self.tok.pos)
                self.expect("=>", "in this switch case")
                body = self.switch_body()
                default = body
            else:
                labels = []
                while True:
                    lt = self.tok
                    lab = self.binary(31)
                    if not self.is_constant(lab):
                        raise _perr("ExprExpected", "Expecting a constant", lab.pos)
                    if isinstance(lab, A.RangeE):
                        seen_range = True
                    elif seen_range and isinstance(lab, A.Const) and type(lab.value) in (int, float):
                        raise _perr("WrongSwitchIntegerCase", "Numeric switch case cannot follow a range case", lt.pos)
                    labels.append(lab)
                    if not self.accept("|"):
                        break
                guard = None
                if self.accept("if"):
                    guard = self.expr()
                self.expect("=>", "in this switch case")
                body = self.switch_body()
                cases.append((labels, guard, body))
            if isinstance(body, A.Block):
                self.accept(",")
            elif not self.accept(","):
                if not self.at("}"):
                    raise _perr("MissingToken", "Expecting ',' to separate the items of this switch block",
                                self.tok.pos, token=",", description="to separate the items of this switch block")
        self.next()
        return A.Switch(t.pos, subject, cases, default)

    def switch_body(self):
        if self.at("{"):
            return self.block()
        s = self.statement()
        if isinstance(s, A.ExprStmt):
            return s.expr
        return A.Block(s.pos, [s])

    def is_constant(self, e):
        if isinstance(e, A.Const):
            return True
        if isinstance(e, A.RangeE):
            return self.is_constant(e.left) and self.is_constant(e.right)
        if isinstance(e, A.ArrayLit):
            return all(self.is_constant(x) for x in e.items)
        if isinstance(e, A.MapLit):
            return all(self.is_constant(x) for _, x in e.items)
        return False


def parse(src, **limits):
    toks = tokenize(src)
    p = Parser(toks, **limits)
    try:
        return p.parse_program()
    except RecursionError:
        raise ParseError("ExprTooDeep", "Expression exceeds maximum complexity", p.tok.pos) from None


def parse_expression(src, **limits):
    toks = tokenize(src)
    p = Parser(toks, **limits)
    try:
        e = p.expr()
    except RecursionError:
        raise ParseError("ExprTooDeep", "Expression exceeds maximum complexity", p.tok.pos) from None
    if not p.at("EOF"):
        t = p.tok
        raise ParseError("BadInput", f"Unexpected '{t.value}'", t.pos, lex_error="UnexpectedInput")
    for bad in (A.Block, A.If, A.Switch, A.While, A.Loop, A.DoWhile, A.For):
        if isinstance(e, bad):
            raise ParseError("BadInput", "Unexpected statement in an expression", e.pos, lex_error="UnexpectedInput")
    return Program([A.ExprStmt(e.pos, e)], {})
