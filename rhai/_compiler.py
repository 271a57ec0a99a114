"""Rhai AST -> Python ``ast`` -> code object.

User text only ever becomes ``ast.Constant`` values. Rhai variables become
Python locals named ``v_<name>[_<n>]``; helpers start with ``_``. The static facts
the compiler keeps are in ``_lattice``, the questions it asks of Rhai code in
``_analysis``, and the Python-AST building blocks in ``_pyast``.
"""

from __future__ import annotations

import ast as P

from . import _ast as A
from ._analysis import (
    _CALLBACKS, _guardable, _guardable_stmt, _plain_key, assigns, calls_eval, has_node, mentions,
)
from ._compile_callbacks import CallbacksMixin
from ._compile_calls import CallsMixin
from ._compile_flow import ControlFlowMixin
from ._compile_fns import FunctionsMixin
from ._errors import ParseError
from ._frames import VarInfo
from ._lattice import (
    _INTISH, _SCALAR, _STR_METHOD_TYPES, BOT, elem_of, EMPTY, int_len_range, islist, ismap,
    map_fields, r_add, r_clamp, r_fits, r_hull, r_meet, r_mul, r_neg, r_widen, tjoin, tlist,
    tmap,
)
from ._parser import display_name
from ._pyast import (
    _ARITH_HELPER, _CMP, _CMP_HELPER, _pure, and_, assign, attr, C, call, ifexp, in_i64, is_,
    is_int_const, locate, N, S, simple, typeis,
)
from ._values import Char, INT_MAX

__all__ = ["compile_program"]


class Compiler(FunctionsMixin, CallsMixin, CallbacksMixin, ControlFlowMixin):
    inline_callbacks = True  # closure literals given to map/filter/... run in place (tests turn it off)

    def __init__(self, program, registry, strict=False, scope_names=(), max_variables=None,
                 max_array_size=0, max_string_size=0, max_map_size=0, max_call_levels=None):
        self.max_call_levels = max_call_levels
        self.prog = program
        # names of script functions, typed methods included (any arity); (name, arity)
        # of typed methods (see _parser.typed_name)
        self.script_names = {display_name(k[0]) for k in program.fns}
        self.typed_methods = {(display_name(k[0]), k[1]) for k in program.fns if display_name(k[0]) != k[0]}
        self.registry = registry
        self.strict = strict
        self.scope_names = set(scope_names)
        self.max_variables = max_variables
        self.max_array_size = max_array_size
        self.max_string_size = max_string_size
        self.max_map_size = max_map_size
        self.shared_keys = set()
        self.new_shared = set()
        self.vtypes = {}
        self.seen = {}
        self.vrange = {}
        self.rseen = {}
        self.rchanges = {}
        self.ntypes = {}
        self.fret = {}  # (name, arity) -> return type of the typed variant
        self.fparams = {}  # (name, arity) -> assumed parameter types of the typed variant
        self.fret_seen = {}
        self.fparams_seen = {}
        self.fprange = {}  # (name, arity) -> INT ranges of the typed variant's parameters
        self.fretr = {}  # (name, arity) -> INT range of the typed variant's result
        self.fprange_seen = {}
        self.fretr_seen = {}
        self.no_fn_types = False
        self.inline_ok = {}
        self.dchecks = {}  # id of an inlined call's depth check -> its test
        self.inline_k = {}  # fn key -> deepest inlined frame of its g_ variant (0: none)
        self.share_ok = set()  # ids of filter calls whose result may share elements (share_info)
        self.dnodes = []
        self.uses_this = {key: has_node(fd.body, A.This) for key, fd in program.fns.items()}
        self.dirty = False
        self.no_types = False
        self.defs = []
        self.nanon = 0
        self.fn_names = {name for (name, _) in program.fns}

    # ---------------------------------------------------------------- top
    def typed_fn(self, key):
        """Do direct calls of this script function go to its typed variant ``g_``?"""
        return key in self.prog.fns and not self.uses_this[key] and not self.no_fn_types

    def build(self):
        for attempt in range(8):
            if attempt == 7:
                self.no_fn_types = True
            self.fret_seen = {}
            self.fparams_seen = {}
            self.fprange_seen = {}
            self.fretr_seen = {}
            self.defs = []
            self.nanon = 0
            body = []
            for key, fd in self.prog.fns.items():
                body.extend(self.script_fn_variants(fd))
            main = self.unit(self.main_fn, typed=not calls_eval(self.prog.stmts))
            if self.no_fn_types:
                break
            changed = False
            for key in self.prog.fns:
                r = tjoin(self.fret.get(key, BOT), self.fret_seen.get(key, BOT))
                if r != self.fret.get(key, BOT):
                    self.fret[key] = r
                    changed = True
                old = self.fparams.get(key, (BOT,) * key[1])
                new = tuple(tjoin(a, b) for a, b in zip(old, self.fparams_seen.get(key, (BOT,) * key[1])))
                if new != old:
                    self.fparams[key] = new
                    changed = True
                old = self.fprange.get(key, (EMPTY,) * key[1])
                new = tuple(r_widen(a, b) for a, b in zip(old, self.fprange_seen.get(key, (EMPTY,) * key[1])))
                if new != old:
                    self.fprange[key] = new
                    changed = True
                old = self.fretr.get(key, EMPTY)
                new = r_widen(old, self.fretr_seen.get(key, EMPTY))
                if new != old:
                    self.fretr[key] = new
                    changed = True
            if not changed:
                break
        body.extend(self.defs)
        body.append(main)
        table = P.Dict(
            [P.Tuple([C(n), C(a)], P.Load()) for (n, a) in self.prog.fns],
            [N(self.fn_pyname(n, a)) for (n, a) in self.prog.fns],
        )
        body.append(assign("_FNS", table))
        mod = P.Module(body, [])
        locate(mod, None, full=True)
        return mod

    def unit(self, make, typed=True):
        """Compile a top-level unit, recompiling if closures discovered shared variables.
        ``typed=False`` (a body calling ``eval``, which may change any variable):
        without static types from the start."""
        saved_defs = len(self.defs)
        saved_anon = self.nanon
        attempt = 0
        while True:
            self.new_shared = set()
            self.dirty = False
            self.seen = {}
            self.rseen = {}
            if attempt >= 11 or not typed:  # no convergence: no static types (always valid)
                self.no_types = True
            node = make()
            vt = self.vtypes
            for key, t in self.seen.items():
                nt = tjoin(vt.get(key, BOT), t)
                if nt != vt.get(key, BOT):
                    vt[key] = nt
                    self.dirty = True
            vr = self.vrange
            for key, (hull, acc) in self.rseen.items():
                nr = r_clamp(r_add(hull, acc))
                if key in vr and vr[key] is None:
                    continue  # widened to unknown: stays so
                if nr != vr.get(key, EMPTY):
                    n = self.rchanges[key] = self.rchanges.get(key, 0) + 1
                    vr[key] = nr if n < 4 else None  # widen
                    self.dirty = True
            if not (self.new_shared - self.shared_keys) and (not self.dirty or self.no_types):
                self.no_types = False
                return node
            self.shared_keys |= self.new_shared  # (grows only: this ends)
            del self.defs[saved_defs:]
            self.nanon = saved_anon
            attempt += 1

    def note(self, key, ty):
        """Record a value of static type ``ty`` written to the variable ``key``."""
        if key is not None:
            self.seen[key] = tjoin(self.seen.get(key, BOT), ty)

    def note_range(self, key, r):
        """A value with INT range ``r`` written to (an INT leaf of) variable ``key``."""
        if key is not None:
            hull, acc = self.rseen.get(key, (EMPTY, (0, 0)))
            self.rseen[key] = (r_hull(hull, r), acc)

    def note_acc(self, key, r, k):
        """``x += e`` (e in ``r``) running at most ``k`` times per declaration of x."""
        if key is not None:
            if k is None or r is None:
                step = None
            elif r == EMPTY:
                step = (0, 0)
            else:
                step = (min(r[0], 0) * k, max(r[1], 0) * k)
            hull, acc = self.rseen.get(key, (EMPTY, (0, 0)))
            self.rseen[key] = (hull, r_add(acc, step))

    def srange(self, f, node):
        """Static range of an INT-valued expression (None = unknown)."""
        if self.no_types:
            return None
        if isinstance(node, A.Const):
            if type(node.value) is str:
                return (len(node.value), len(node.value))
            return (node.value, node.value) if type(node.value) is int else None
        if isinstance(node, (A.Var, A.Index, A.ArrayLit)):
            if isinstance(node, A.ArrayLit):
                r = EMPTY
                for x in node.items:
                    r = r_hull(r, self.srange(f, x))
                return r
            if isinstance(node, A.Index) and (node.safe or self.stype(f, node.idx) not in _INTISH):
                return None
            vi = self.root_var(f, node)
            if vi is None or vi.ty is None or not vi.ty.endswith(("int", BOT, "str")):
                return None
            if isinstance(node, A.Index):
                r = node
                while isinstance(r, A.Index):
                    r = r.obj
                if not isinstance(r, A.Var):
                    return None
                return self.vrange.get(vi.key)
            fact = f.facts.get(vi.key)
            return r_meet(self.vrange.get(vi.key), fact[1] if fact is not None else None)
        if isinstance(node, A.Binary):
            ty = self.stype(f, node)
            if ty == "str" and node.op == "+":
                return r_add(self.len_range(f, node.left), self.len_range(f, node.right))
            if ty not in _INTISH:
                return None
            a, b = self.srange(f, node.left), self.srange(f, node.right)
            return r_clamp(self.binop_range(node.op, a, b))
        if isinstance(node, A.Unary) and node.op == "-":
            return r_clamp(r_neg(self.srange(f, node.expr)))
        if isinstance(node, A.Call) and (node.name, len(node.args)) in self.prog.fns and \
                self.stype(f, node) in ("int", BOT) and self.calls_g(f, node):
            return self.fretr.get((node.name, len(node.args)), EMPTY)
        return None

    def len_range(self, f, node):
        """Range of the length of ``node`` converted to a string (for concatenation)."""
        ty = self.stype(f, node)
        if ty == "str":
            return self.srange(f, node)
        if ty == "int":
            return int_len_range(self.srange(f, node))
        return None

    @staticmethod
    def binop_range(op, a, b):
        """Unclamped range of ``a op b`` for INTs (None = unknown)."""
        if op == "+":
            return r_add(a, b)
        if op == "-":
            return r_add(a, r_neg(b))
        if op == "*":
            return r_mul(a, b)
        if a is None or b is None or a == EMPTY or b == EMPTY:
            return None if (a is None or b is None) else EMPTY
        if op == "%" and b[0] > 0:
            m = b[1] - 1
            return (0, min(m, a[1])) if a[0] >= 0 else (-m, m)
        if op == "/" and b[0] > 0 and a[0] >= 0:
            return (a[0] // b[1], a[1] // b[0])
        return None

    def note_elem(self, vi, ety, erng=None):
        """An element of static type ``ety`` stored into the array variable ``vi``."""
        if vi is not None and islist(vi.ty):
            self.note(vi.key, tlist(ety))
            self.note_range(vi.key, erng)

    def note_mutated(self, vi):
        """The array or map in ``vi`` (or something nested in it) was mutated in an unknown way."""
        if vi is not None and islist(vi.ty):
            self.note(vi.key, "list")
        elif vi is not None and ismap(vi.ty):
            self.note(vi.key, "map")

    def root_var(self, f, node):
        while isinstance(node, (A.Index, A.Prop)):
            node = node.obj
        if isinstance(node, A.Var):
            vi = f.lookup(node.name)
            if vi is not None and not vi.shared:
                return vi
        return None


    def var_limit(self, f):
        if self.max_variables is not None and f.nvars() > self.max_variables:
            return [P.Raise(call("_toomanyvars"), None)]
        return []

    # ---------------------------------------------------------------- blocks
    def block_value(self, f, block, want):
        f.scopes.append({})
        try:
            return self.stmts_value(f, block.stmts, want)
        finally:
            f.scopes.pop()

    def stmts_value(self, f, stmts, want):
        out = []
        f.tail = None
        if not stmts:
            return out, C(None)
        for s in stmts[:-1]:
            drop = self.facts_assigned(f, s)
            out += self.stmt(f, s)
            for key in drop:
                f.facts.pop(key, None)
        last = stmts[-1]
        drop = self.facts_assigned(f, last)
        if want:
            s2, v = self.stmt_value(f, last)
            out += s2
            f.tail = self.stype(f, last.expr) if isinstance(last, A.ExprStmt) else None
        else:
            out += self.stmt(f, last)
            v = C(None)
        for key in drop:
            f.facts.pop(key, None)
        return out, v

    def facts_assigned(self, f, s):
        """Facts invalidated by statement ``s``: dropped now if ``s`` changes the variable
        in a nested way, returned (to drop after ``s``) if ``s`` is ``x = ...``/``x op= ...``
        (its right side still sees the fact)."""
        after = []
        for key, (name, _) in list(f.facts.items()):
            if assigns(s, name):
                if isinstance(s, A.Assign) and isinstance(s.target, A.Var) and not assigns(s.value, name):
                    after.append(key)
                else:
                    del f.facts[key]
        return after

    def stmt_value(self, f, s):
        if isinstance(s, A.ExprStmt):
            stmts, e = self.expr(f, s.expr, want=True)
            return [locate(x, s.pos) for x in stmts], e
        if isinstance(s, A.Try):
            t = f.tmp()
            return self.try_stmt(f, s, t), N(t)
        return self.stmt(f, s), C(None)

    # ---------------------------------------------------------------- statements
    def stmt(self, f, s):
        saved = f.guard
        f.guard = [] if _guardable_stmt(s) else None
        try:
            out = self._stmt(f, s)
            if f.guard:
                # typed array indexing in this statement ran unchecked: an IndexError is
                # turned into the Rhai error by indexing again through _idx, in order
                handler = [P.Expr(x) for x in f.guard] + [P.Raise(None, None)]
                out = [P.Try(out, [P.ExceptHandler(N("IndexError"), None, handler)], [], [])]
        finally:
            f.guard = saved
        return [locate(x, s.pos) for x in out]

    def _stmt(self, f, s):
        if isinstance(s, A.ExprStmt):
            stmts, e = self.expr(f, s.expr, want=False)
            if isinstance(e, (P.Constant, P.Name)):
                return stmts
            return stmts + [P.Expr(e)]
        if isinstance(s, A.Let):
            return self.let(f, s)
        if isinstance(s, A.Assign):
            return self.assign_stmt(f, s)
        if isinstance(s, A.Try):
            return self.try_stmt(f, s, None)
        if isinstance(s, A.Import):
            return self.import_stmt(f, s)
        raise AssertionError(s)

    # ---------------------------------------------------------------- modules
    def import_stmt(self, f, s):
        """``import path as m``: the module lands in a local no Rhai name can reach
        (scope key ``m::``), block-scoped like a variable; imported at the top level
        of the script it is also registered for functions and closures (``_gmod``)."""
        stmts, x = self.expr(f, s.path)
        top = f.kind == "main" and len(f.scopes) == 1
        r = call("_import", self.depth(f), x, C(s.alias if top else None))
        if s.alias is None:
            return stmts + [locate(P.Expr(r), s.pos)]
        vi = VarInfo(s.alias + "::", f.tmp())
        f.scopes[-1][s.alias + "::"] = vi
        return stmts + [locate(assign(vi.py, r), s.pos)]

    def module_ref(self, f, path):
        alias = path[0]
        for scope in reversed(f.scopes):
            vi = scope.get(alias + "::")
            if vi is not None:
                return N(vi.py)
        return call("_gmod", C(alias))

    def e_NsVar(self, f, e):
        return [], call("_nsvar", self.module_ref(f, e.path), C(tuple(e.path)), C(e.name))

    def e_NsCall(self, f, e):
        stmts, xs = self.args(f, e.args)
        return stmts, call("_nscall", self.depth(f, 1), self.module_ref(f, e.path), C(tuple(e.path)), C(e.name),
                           *xs)

    def let(self, f, s):
        if s.value is None:
            stmts, e = [], C(None)
        else:
            stmts, e = self.expr(f, s.value)
            e = self.copy_if_alias(f, s.value, e)
        vi = f.declare(s.name, f.key(s, s.name), s.const, None if s.value is None else self.stype(f, s.value),
                       None if s.value is None else self.srange(f, s.value))
        out = stmts + self.var_limit(f)
        if vi.shared:
            out.append(assign(vi.py, call("_Shared", e)))
        else:
            out.append(assign(vi.py, e))
        if s.const and f.kind == "main" and len(f.scopes) == 1:
            out.append(P.Expr(call("_defconst", C(s.name), self.read_var(vi))))
        return out

    def read_var(self, vi):
        if vi.shared:
            return attr(N(vi.py), "v")
        return N(vi.py)

    def stype(self, f, node):
        if self.no_types:
            return None
        if isinstance(node, A.Const):
            t = type(node.value)
            return {int: "int", str: "str", bool: "bool", float: "float"}.get(t)
        if isinstance(node, A.ArrayLit):
            et = BOT
            for x in node.items:
                et = tjoin(et, self.stype(f, x))
            return tlist(et)
        if isinstance(node, A.Var):
            vi = f.lookup(node.name)
            return None if vi is None or vi.shared else vi.ty
        if isinstance(node, A.MapLit):
            fields = {}
            for k, v in node.items:
                t = self.stype(f, v)
                fields[k] = t
            return tmap({k: t for k, t in fields.items() if t in _SCALAR and _plain_key(k)})
        if isinstance(node, A.Prop) and not node.safe:
            ot = self.stype(f, node.obj)
            return map_fields(ot).get(node.name) if ismap(ot) else None
        if isinstance(node, A.Binary):
            if node.op in _CMP:
                return "bool"
            if node.op == "+" and "str" in (self.stype(f, node.left), self.stype(f, node.right)):
                return "str"
            if node.op in _ARITH_HELPER:
                tl, tr = self.stype(f, node.left), self.stype(f, node.right)
                if tl in _INTISH and tr in _INTISH:
                    return "int" if tl == "int" or tr == "int" else BOT
            return None
        if isinstance(node, A.Unary):
            if node.op in "-+" and self.stype(f, node.expr) == "int":
                return "int"
            if node.op == "!":
                return "bool"
            return None
        if isinstance(node, (A.And, A.Or, A.In)):
            return "bool"
        if isinstance(node, (A.If, A.Block)):
            return self.ntypes.get((id(node), f.variant, f.cb))
        if isinstance(node, A.Call) and self.calls_g(f, node):
            return self.fret.get((node.name, len(node.args)), BOT)
        if isinstance(node, A.Call) and self.native_only(node.name, len(node.args)):
            if node.name == "parse_int" and len(node.args) in (1, 2):
                return "int"
            return None
        if isinstance(node, A.MethodCall) and not node.safe and self.native_only(node.name, len(node.args)):
            if node.name in _CALLBACKS:
                return self.ntypes.get((id(node), f.variant, f.cb))
            return _STR_METHOD_TYPES.get((node.name, len(node.args))) if self.stype(f, node.obj) == "str" else None
        if isinstance(node, A.Index) and not node.safe:
            if self.stype(f, node.idx) == "int":
                return elem_of(self.stype(f, node.obj))
            ot = self.stype(f, node.obj)
            if ismap(ot) and isinstance(node.idx, A.Const) and type(node.idx.value) is str:
                return map_fields(ot).get(node.idx.value)
        return None

    def demote(self, vi, ty):
        self.note(vi.key, ty)

    def write_var(self, vi, value, ty=None):
        self.demote(vi, ty)
        if vi.shared:
            return P.Assign([P.Attribute(N(vi.py), "v", P.Store())], value)
        return assign(vi.py, value)

    def copy_if_alias(self, f, node, e):
        """Value semantics: copy arrays/maps/blobs read from a variable or element, or
        given by an expression whose value may be one (a block, if, switch or ``??``)."""
        if isinstance(node, (A.Var, A.Index, A.Prop, A.GlobalVar, A.This, A.Block, A.If, A.Switch,
                             A.Coalesce)):
            ty = self.stype(f, node)
            if ty in _SCALAR:
                return e
            if islist(ty) and ty != "list" and (elem_of(ty) or BOT) in _SCALAR | {BOT}:
                return P.Subscript(e, P.Slice(), P.Load())
            if isinstance(e, P.Name):
                return ifexp(P.Compare(call("type", e), [P.In()], [N("_IMMT")]), e, call("_cp", e))
            # immutable values (the common case) need no call
            t = f.tmp()
            return ifexp(P.Compare(call("type", P.NamedExpr(S(t), e)), [P.In()], [N("_IMMT")]), N(t),
                         call("_cp", N(t)))
        return e

    def try_stmt(self, f, s, result):
        name = f"_e{f.tmp()}"
        bs, bv = self.block_value(f, s.body, result is not None)
        if result is not None:
            bs = bs + [assign(result, bv)]
        f.scopes.append({})
        pre = []
        if s.var is not None:
            vi = f.declare(s.var, f.key(s, s.var))
            val = call("_catch", N(name))
            pre.append(assign(vi.py, call("_Shared", val)) if vi.shared else assign(vi.py, val))
        else:
            pre.append(P.Expr(call("_catch", N(name))))
        f.catches.append(name)
        cs, _ = self.stmts_value(f, s.catch.stmts, False)
        f.catches.pop()
        f.scopes.pop()
        if result is not None:
            cs = [assign(result, C(None))] + cs
        handler = P.ExceptHandler(N("_E"), name, pre + cs)
        return [P.Try(bs or [P.Pass()], [handler], [], [])]

    # ---------------------------------------------------------------- assignment
    def assign_stmt(self, f, s):
        t = s.target
        op = s.op
        if isinstance(t, (A.Var, A.This)):
            if isinstance(t, A.This):
                f.this_write = True
                cur = call("_this", N("this_"))
                writer = lambda v: assign("this_", v)  # noqa: E731
            else:
                vi = self.resolve(f, t.name, t.pos)
                if vi is None:
                    cur = call("_gv", C(t.name))
                    writer = lambda v: P.Expr(call("_sv", C(t.name), v))  # noqa: E731
                else:
                    if vi.const:
                        raise ParseError("AssignmentToConstant", f"Cannot assign to constant {t.name}", t.pos,
                                         variable=t.name)
                    cur = self.read_var(vi)
                    vty = self.stype(f, s.value)
                    if op == "=":
                        nty = vty
                    elif op == "+=" and islist(vi.ty):
                        nty = "list"
                    elif op == "+=" and vi.ty == "str":
                        nty = "str"
                    elif vi.ty in _INTISH and vty in _INTISH and op[:-1] in _ARITH_HELPER:
                        nty = "int"
                    else:
                        nty = None
                    writer = lambda v: self.write_var(vi, v, nty)  # noqa: E731
                    self.note_var_update(f, vi, op, s.value)
            vs, ve = self.expr(f, s.value)
            if op == "=":
                return vs + [writer(self.copy_if_alias(f, s.value, ve))]
            bop = op[:-1]
            ta = self.stype(f, t) if isinstance(t, A.Var) else None
            ra = self.srange(f, t) if isinstance(t, A.Var) else None
            plain = ta == "int" and self.stype(f, s.value) == "int" and bop in ("+", "-", "*") and \
                ra not in (None, EMPTY) and self.srange(f, s.value) not in (None, EMPTY) and \
                r_fits(self.binop_range(bop, ra, self.srange(f, s.value))) and _pure(ve)
            if not simple(ve) and not plain:
                tv = f.tmp()
                vs = vs + [assign(tv, ve)]
                ve = N(tv)
            full = writer(self.binop_expr(f, bop, cur, ve, inplace=True, ta=ta, tb=self.stype(f, s.value),
                                          ra=ra, rb=self.srange(f, s.value)))
            if bop == "+" and ta == "str" and self.stype(f, s.value) == "str" and isinstance(cur, P.Name) and \
                    isinstance(full, P.Assign) and isinstance(full.targets[0], P.Name) and \
                    full.targets[0].id == cur.id and simple(ve):
                # s += t on a plain local string: Python's in-place concatenation (no copy of
                # s while nothing else references it), the size test done before
                aug = P.AugAssign(S(cur.id), P.Add(), ve)
                if not self.max_string_size:
                    return vs + [aug]
                if isinstance(ve, P.Constant):  # (a constant's length is known)
                    lim = P.Compare(call("len", cur), [P.LtE()], [C(self.max_string_size // 4 - len(ve.value))])
                else:
                    lim = P.Compare(P.BinOp(call("len", cur), P.Add(), call("len", ve)), [P.LtE()],
                                    [C(self.max_string_size // 4)])
                return vs + [P.If(lim, [aug], [full])]
            return vs + [full]
        # index / property chain
        root, steps = self.flatten(t)
        rootty = None
        if isinstance(root, A.This):
            f.this_write = True
            rootread = call("_this", N("this_"))
            writer = lambda v: assign("this_", v)  # noqa: E731
        elif isinstance(root, A.Var):
            vi = self.resolve(f, root.name, root.pos)
            if vi is None:
                rootread = call("_gv", C(root.name))
                writer = lambda v: P.Expr(call("_sv", C(root.name), v))  # noqa: E731
            else:
                if vi.const:
                    return [P.Raise(call("_constmod", C(root.name)), None)]
                rootread = self.read_var(vi)
                writer = lambda v: self.write_var(vi, v, vi.ty)  # noqa: E731
                rootty = vi.ty
                if islist(rootty):
                    if len(steps) == 1 and isinstance(steps[0], A.Index):
                        vty = self.stype(f, s.value)
                        if op == "=":
                            ety = vty
                        elif elem_of(rootty) in _INTISH and vty in _INTISH and op[:-1] in _ARITH_HELPER:
                            ety = "int"
                        else:
                            ety = None
                        if op == "=":
                            self.note_elem(vi, ety, self.srange(f, s.value))
                        elif op in ("+=", "-=") and not mentions(s.value, root.name):
                            self.note_elem(vi, ety, EMPTY)
                            r = self.srange(f, s.value)
                            self.note_acc(vi.key, r if op == "+=" else r_neg(r), f.times(vi))
                        else:
                            self.note_elem(vi, ety, None)
                    else:
                        self.note_mutated(vi)
                else:
                    self.note_mutated(vi)  # (a map's fields: no longer known)
                    self.note_range(vi.key, None)  # e.g. bit-field assignment on an INT
        else:
            raise ParseError("AssignmentToInvalidLHS", "Expression cannot be assigned to", t.pos)
        out = []
        keys = []
        for st in steps:
            if isinstance(st, A.Index):
                ks, ke = self.expr(f, st.idx)
                out += ks
                if not simple(ke):
                    tk = f.tmp()
                    out.append(assign(tk, ke))
                    ke = N(tk)
                keys.append(("i", ke))
            elif isinstance(st, A.Prop):
                keys.append(("p", C(st.name)))
            else:
                raise ParseError("AssignmentToInvalidLHS", "Expression cannot be assigned to", st.pos)
        vs, ve = self.expr(f, s.value)
        out += vs
        ve = self.copy_if_alias(f, s.value, ve)
        if op != "=":
            if not simple(ve):
                tv = f.tmp()
                out.append(assign(tv, ve))
                ve = N(tv)
            if len(keys) == 1 and keys[0][0] == "i" and isinstance(rootread, P.Name) and ismap(rootty) and \
                    self.stype(f, steps[0].idx) == "str":
                curv = call(attr(rootread, "get"), keys[0][1])
            elif len(keys) == 1 and keys[0][0] == "i" and isinstance(rootread, P.Name):
                curv = self.index_expr(f, rootread, keys[0][1], rootty, None)
            else:
                curv = call("_getpath", rootread, P.Tuple([P.Tuple([C(k), e], P.Load()) for k, e in keys], P.Load()))
            tc = f.tmp()
            out.append(assign(tc, curv))
            ve = self.binop_expr(f, op[:-1], N(tc), ve, inplace=True)
        if len(keys) == 1 and keys[0][0] == "i" and isinstance(rootread, P.Name):
            r = rootread
            k = keys[0][1]
            if isinstance(ve, P.Constant):
                tv = ve
            else:
                tv = f.tmp()
                out.append(assign(tv, ve))
                tv = N(tv)
            fast = P.Try(
                [P.Assign([P.Subscript(r, k, P.Store())], tv)],
                [P.ExceptHandler(N("IndexError"), None, [P.Expr(call("_setidx", r, k, tv))])], [], [])
            kty = self.stype(f, steps[0].idx)
            if ismap(rootty):
                store = [P.Assign([P.Subscript(r, k, P.Store())], tv)]
                kv = f.lookup(steps[0].idx.name) if isinstance(steps[0].idx, A.Var) else None
                if self.max_map_size and not (kv is not None and (vi.key, kv.key) in f.infacts):
                    store.append(P.If(P.Compare(call("len", r), [P.Gt()], [C(self.max_map_size)]),
                                      [P.Expr(call("_chkmap", r))], []))
                if kty == "str" or (isinstance(k, P.Constant) and type(k.value) is str):
                    out += store
                else:
                    out.append(P.If(typeis(k, "str"), store, [writer(call("_setidx", r, k, tv))]))
                return out
            test = and_(None if islist(rootty) else typeis(r, "list"),
                        None if (is_int_const(k) or kty == "int") else typeis(k, "int"))
            if test is None:
                out.append(fast)
                return out
            slow = writer(call("_setidx", r, k, tv))
            if not islist(rootty) and not self.max_map_size:
                slow = P.If(and_(typeis(r, "dict"), typeis(k, "str")),
                            [P.Assign([P.Subscript(r, k, P.Store())], tv)], [slow])
            out.append(P.If(test, [fast], [slow]))
            return out
        path = P.Tuple([P.Tuple([C(k), e], P.Load()) for k, e in keys], P.Load())
        out.append(writer(call("_setpath", rootread, path, ve)))
        return out

    def note_var_update(self, f, vi, op, value):
        """Range bookkeeping for ``x op= value`` (x a variable)."""
        name = vi.name
        if op == "=" and isinstance(value, A.Binary) and value.op in "+-":
            if isinstance(value.left, A.Var) and value.left.name == name and not mentions(value.right, name):
                op, value = value.op + "=", value.right
            elif value.op == "+" and isinstance(value.right, A.Var) and value.right.name == name and \
                    not mentions(value.left, name):
                op, value = "+=", value.left
        if op in ("+=", "-=") and not mentions(value, name) and vi.key in f.facts:
            x = self.srange(f, A.Var(None, name))
            self.note_range(vi.key, r_clamp(self.binop_range(op[0], x, self.srange(f, value))))
        elif op in ("+=", "-=") and not mentions(value, name):
            r = self.srange(f, value)
            self.note_acc(vi.key, r if op == "+=" else r_neg(r), f.times(vi))
        elif op == "=" and not mentions(value, name):
            self.note_range(vi.key, self.srange(f, value))
        else:
            self.note_range(vi.key, None)

    def flatten(self, e):
        steps = []
        while isinstance(e, (A.Index, A.Prop)):
            steps.append(e)
            e = e.obj
        steps.reverse()
        return e, steps

    # ---------------------------------------------------------------- names
    def resolve(self, f, name, pos):
        vi = f.lookup(name)
        if vi is None and self.strict and name not in self.scope_names and f.kind == "main":
            if name not in self.fn_names:
                raise ParseError("VariableUndefined", f"Undefined variable: {name}", pos, variable=name)
        return vi

    # ---------------------------------------------------------------- expressions
    def expr(self, f, e, want=True):
        """Returns (stmts, pyexpr)."""
        m = getattr(self, "e_" + type(e).__name__)
        stmts, x = m(f, e, want) if type(e).__name__ in _WANT else m(f, e)
        locate(x, e.pos)
        return stmts, x

    def seq(self, f, nodes):
        """Compile several operands preserving left-to-right order."""
        results = [self.expr(f, n) for n in nodes]
        stmts = []
        exprs = []
        checked = set()  # depth checks already run by an earlier operand (_d is constant)
        for i, (s, x) in enumerate(results):
            if checked:
                s = [y for y in s if self.dchecks.get(id(y)) not in checked]
            checked |= {self.dchecks[id(y)] for y in s if id(y) in self.dchecks}
            if s and exprs:
                # later operand has statements: spill earlier non-trivial values
                for j, prev in enumerate(exprs):
                    if not isinstance(prev, P.Constant) and not (isinstance(prev, P.Name) and prev.id.startswith("_t")):
                        t = f.tmp()
                        stmts.append(assign(t, prev))
                        exprs[j] = N(t)
            stmts += s
            exprs.append(x)
        return stmts, exprs

    def e_Const(self, f, e):
        if type(e.value) is Char:
            return [], call("_Char", C(str(e.value)))
        return [], C(e.value)

    def e_Var(self, f, e):
        vi = self.resolve(f, e.name, e.pos)
        if vi is not None:
            return [], self.read_var(vi)
        if e.name in self.fn_names:
            return [], call("_fnptr", C(e.name))
        if f.kind == "main":
            return [], call("_gv", C(e.name))
        return [], call("_gvf", C(e.name))

    def e_This(self, f, e):
        return [], call("_this", N("this_"))

    def e_GlobalVar(self, f, e):
        return [], call("_gconst", C(e.name))

    def e_IStr(self, f, e):
        stmts = []
        parts = []
        for p in e.parts:
            if type(p) is str:
                parts.append(C(p))
            else:
                s, v = self.block_value(f, p, True)
                if s:
                    t = f.tmp()
                    stmts += s + [assign(t, v)]
                    v = N(t)
                parts.append(v)
        return stmts, call("_istr", *parts)

    def e_ArrayLit(self, f, e):
        stmts, xs = self.seq(f, e.items)
        xs = [self.copy_if_alias(f, n, x) for n, x in zip(e.items, xs)]
        return stmts, P.List(xs, P.Load())

    def e_MapLit(self, f, e):
        stmts, xs = self.seq(f, [v for _, v in e.items])
        xs = [self.copy_if_alias(f, n, x) for (_, n), x in zip(e.items, xs)]
        return stmts, P.Dict([C(k) for k, _ in e.items], xs)

    def e_Unary(self, f, e):
        s, x = self.expr(f, e.expr)
        if e.op == "-":
            return s, call("_neg", x)
        if e.op == "+":
            return s, call("_pos", x)
        if isinstance(x, P.Name):
            return s, ifexp(typeis(x, "bool"), P.UnaryOp(P.Not(), x), call("_not", x))
        return s, call("_not", x)

    def binop_expr(self, f, op, a, b, inplace=False, ta=None, tb=None, ra=None, rb=None):
        """Expression for a `op` b with inline fast paths; a, b evaluated once, in order.
        ``ra``/``rb``: static INT ranges of the operands (when typed INT)."""
        if (ta == "int" or is_int_const(a)) and (tb == "int" or is_int_const(b)) and ra is not None and \
                rb is not None and ra != EMPTY and rb != EMPTY:
            pyop = {"+": P.Add, "-": P.Sub, "*": P.Mult}.get(op)
            if pyop is not None and r_fits(self.binop_range(op, ra, rb)):
                return P.BinOp(a, pyop(), b)  # cannot overflow
            if op in ("%", "/") and ra[0] >= 0 and rb[0] > 0:
                return P.BinOp(a, P.Mod() if op == "%" else P.FloorDiv(), b)
            if op == "+" and ra[0] >= 0 and rb[0] >= 0 and simple(a) and simple(b):
                t = f.tmp()  # both non-negative: only the upper bound can be exceeded
                return ifexp(P.Compare(P.NamedExpr(S(t), P.BinOp(a, P.Add(), b)), [P.LtE()], [C(INT_MAX)]),
                             N(t), call("_add", a, b))
        if op == "+" and "str" in (ta, tb) and simple(a) and simple(b):
            lens = [ra if ta == "str" else int_len_range(ra) if ta == "int" else None,
                    rb if tb == "str" else int_len_range(rb) if tb == "int" else None]
            for j, x in enumerate((a, b)):
                if isinstance(x, P.Constant) and type(x.value) in (str, int):
                    lens[j] = (len(str(x.value)),) * 2
            short = r_add(lens[0], lens[1])
            short = short is not None and (short == EMPTY or short[1] * 4 <= self.max_string_size)
            return self.str_add_typed(f, a, b, ta, tb, call("_iadd" if inplace else "_add", a, b), short)
        sa = isinstance(a, P.Constant) and type(a.value) is str
        sb = isinstance(b, P.Constant) and type(b.value) is str
        if op in ("==", "!=") and sa != sb:
            # comparison with a string constant: plain str comparison for a str operand
            other, oty = (b, tb) if sa else (a, ta)
            if oty == "str":
                return P.Compare(a, [_CMP[op]()], [b])
            if simple(other):
                test, ref = typeis(other, "str"), other
            else:
                t = f.tmp()
                test, ref = typeis(P.NamedExpr(S(t), other), "str"), N(t)
            x, y = (a, ref) if sa else (ref, b)
            return ifexp(test, P.Compare(x, [_CMP[op]()], [y]), call(_CMP_HELPER[op], x, y))
        if not simple(a) or not simple(b):
            n1, n2 = f.tmp(), f.tmp()
            wa = a if simple(a) else P.NamedExpr(S(n1), a)
            wb = b if simple(b) else P.NamedExpr(S(n2), b)
            ra = a if simple(a) else N(n1)
            rb = b if simple(b) else N(n2)
            inner = self.binop_expr(f, op, ra, rb, inplace, ta, tb)
            # evaluate both operands (no short-circuit) before the fast-path test
            if ta == "int" and tb == "int":
                tests = [wa if not simple(a) else None, wb if not simple(b) else None]
                tests = [t for t in tests if t is not None]
                first = P.Compare(tests[0], [P.IsNot()], [N("_UNB")]) if len(tests) == 1 else P.BinOp(
                    P.Compare(tests[0], [P.IsNot()], [N("_UNB")]), P.BitAnd(),
                    P.Compare(tests[1], [P.IsNot()], [N("_UNB")]))
                return ifexp(first, inner, C(None))
            ca = typeis(wa, "int") if ta != "int" else P.Compare(wa, [P.IsNot()], [N("_UNB")])
            cb = typeis(wb, "int") if tb != "int" else P.Compare(wb, [P.IsNot()], [N("_UNB")])
            if isinstance(inner, P.IfExp):
                # inner = fast if (checks...) else slow: replace the type checks with the forced pair
                rest = self.binop_expr(f, op, ra, rb, inplace, "int", "int")
                slow = inner.orelse
                if isinstance(rest, P.IfExp):
                    return ifexp(and_(P.BinOp(ca, P.BitAnd(), cb), rest.test), rest.body, slow)
                return ifexp(P.BinOp(ca, P.BitAnd(), cb), rest, slow)
            return P.Subscript(P.Tuple([P.Tuple([wa, wb], P.Load()), inner], P.Load()), C(1), P.Load())
        helper = _ARITH_HELPER.get(op) or _CMP_HELPER[op]
        if inplace and op == "+":
            helper = "_iadd"
        slow = call(helper, a, b)
        checks = []
        if not is_int_const(a) and ta != "int":
            checks.append(typeis(a, "int"))
        if not is_int_const(b) and tb != "int":
            checks.append(typeis(b, "int"))
        if op in _CMP:
            fast = P.Compare(a, [_CMP[op]()], [b])
            if not checks:
                return fast
            return ifexp(and_(*checks), fast, slow)
        if op in ("+", "-", "*"):
            r = f.tmp()
            pyop = {"+": P.Add, "-": P.Sub, "*": P.Mult}[op]()
            if op == "+" and (isinstance(a, P.Constant) and type(a.value) is str or
                              isinstance(b, P.Constant) and type(b.value) is str):
                return self.str_add(f, a, b, slow)
            calc = P.NamedExpr(S(r), P.BinOp(a, pyop, b))
            rng = in_i64(calc, r)
            if op == "+" and checks and ta is None and tb is None:
                slow = self.str_add(f, a, b, slow)
            return ifexp(and_(*checks, rng), N(r), slow)  # rng always present
        if op in ("%", "/"):  # Python's // and % equal Rhai's for a >= 0, b > 0
            conds = list(checks)
            if not (is_int_const(a) and a.value >= 0):
                conds.append(P.Compare(a, [P.GtE()], [C(0)]))
            if not (is_int_const(b) and b.value > 0):
                conds.append(P.Compare(b, [P.Gt()], [C(0)]))
            test = and_(*conds)
            fast = P.BinOp(a, P.Mod() if op == "%" else P.FloorDiv(), b)
            return fast if test is None else ifexp(test, fast, slow)
        if op in ("&", "|", "^"):
            if not checks:
                return P.BinOp(a, {"&": P.BitAnd, "|": P.BitOr, "^": P.BitXor}[op](), b)
            pyop = {"&": P.BitAnd, "|": P.BitOr, "^": P.BitXor}[op]()
            return ifexp(and_(*checks), P.BinOp(a, pyop, b), slow)
        return slow

    def str_add_typed(self, f, a, b, ta, tb, slow, short=False):
        """a + b where a or b is statically a string (the result is a string);
        ``short``: the result is statically within the size limit."""
        checks = []
        xs = []
        unknown = None
        for x, t in ((a, ta), (b, tb)):
            if t == "str" or (isinstance(x, P.Constant) and type(x.value) is str):
                xs.append(x)
            elif t == "int" or is_int_const(x):
                xs.append(call("str", x))
            elif t == "bool" and isinstance(x, P.Name):
                xs.append(ifexp(x, C("true"), C("false")))
            else:
                checks.append(typeis(x, "str"))
                unknown = x
                xs.append(x)
        r = f.tmp()

        def test(xs, checks):
            cat = P.BinOp(xs[0], P.Add(), xs[1])
            if self.max_string_size:
                lim = P.Compare(call("len", P.NamedExpr(S(r), cat)), [P.LtE()], [C(self.max_string_size // 4)])
            else:
                lim = P.Compare(P.NamedExpr(S(r), cat), [P.IsNot()], [C(None)])
            return and_(*checks, lim)
        if short and not checks:
            return P.BinOp(xs[0], P.Add(), xs[1])
        t1 = test(xs, checks)
        if unknown is not None and len(checks) == 1:
            # an INT operand converts like to_string
            xs2 = [call("str", x) if x is unknown else x for x in xs]
            t1 = P.BoolOp(P.Or(), [t1, test(xs2, [typeis(unknown, "int")])])
        elif not checks and not self.max_string_size:
            return P.BinOp(xs[0], P.Add(), xs[1])
        return ifexp(t1, N(r), slow)

    def str_add(self, f, a, b, slow):
        checks = [typeis(x, "str") for x in (a, b) if not (isinstance(x, P.Constant) and type(x.value) is str)]
        if self.max_string_size:
            r = f.tmp()
            lim = P.Compare(call("len", P.NamedExpr(S(r), P.BinOp(a, P.Add(), b))), [P.LtE()],
                            [C(self.max_string_size // 4)])
            return ifexp(and_(*checks, lim), N(r), slow)
        return ifexp(and_(*checks), P.BinOp(a, P.Add(), b), slow)

    def e_Binary(self, f, e):
        stmts, (a, b) = self.seq(f, [e.left, e.right])
        typed_int = e.op in ("+", "-", "*") and self.stype(f, e.left) == "int" and self.stype(f, e.right) == "int" \
            and not r_fits(self.binop_range(e.op, self.srange(f, e.left), self.srange(f, e.right)))
        if (e.op == "+" and self.stype(f, e) == "str") or typed_int:
            stmts, (a, b) = self.hoist(f, stmts, [a, b])
        return stmts, self.binop_expr(f, e.op, a, b, ta=self.stype(f, e.left), tb=self.stype(f, e.right),
                                      ra=self.srange(f, e.left), rb=self.srange(f, e.right))

    def cond_expr(self, f, node):
        s, x = self.expr(f, node)
        if self.is_bool(node) or self.stype(f, node) == "bool":
            return s, x
        t = f.tmp()
        fast = is_(P.NamedExpr(S(t), x), C(True))
        slow = and_(P.Compare(N(t), [P.IsNot()], [C(False)]), call("_cond", N(t)))
        return s, P.BoolOp(P.Or(), [fast, slow])

    def is_bool(self, node):
        if isinstance(node, A.Binary):
            return node.op in _CMP
        if isinstance(node, (A.And, A.Or, A.In)):
            return True
        if isinstance(node, A.Unary):
            return node.op == "!"
        if isinstance(node, A.Const):
            return type(node.value) is bool
        return False

    def logic(self, f, e, pyop):
        ls, lx = self.cond_expr(f, e.left)
        rs, rx = self.cond_expr(f, e.right)
        if not rs:
            return ls, P.BoolOp(pyop(), [lx, rx])
        t = f.tmp()
        out = ls + [assign(t, lx)]
        test = N(t) if isinstance(pyop(), P.And) else P.UnaryOp(P.Not(), N(t))
        out.append(P.If(test, rs + [assign(t, rx)], []))
        return out, N(t)

    def e_And(self, f, e):
        return self.logic(f, e, P.And)

    def e_Or(self, f, e):
        return self.logic(f, e, P.Or)

    def e_Coalesce(self, f, e):
        ls, lx = self.expr(f, e.left)
        rs, rx = self.expr(f, e.right)
        t = f.tmp()
        if not rs:
            return ls, ifexp(P.Compare(P.NamedExpr(S(t), lx), [P.IsNot()], [C(None)]), N(t), rx)
        out = ls + [assign(t, lx), P.If(is_(N(t), C(None)), rs + [assign(t, rx)], [])]
        return out, N(t)

    def e_In(self, f, e):
        stmts, (a, b) = self.seq(f, [e.left, e.right])
        if not simple(a) and not simple(b):
            # _contains(b, a) evaluates b first: evaluate the left operand before
            t = f.tmp()
            stmts = stmts + [assign(t, a)]
            a = N(t)
        if ismap(self.stype(f, e.right)) and simple(a) and simple(b) and self.stype(f, e.left) == "str":
            x = P.Compare(a, [P.In()], [b])
        elif isinstance(a, P.Name) and isinstance(b, P.Name):
            x = ifexp(and_(typeis(b, "dict"), typeis(a, "str")), P.Compare(a, [P.In()], [b]), call("_contains", b, a))
        else:
            x = call("_contains", b, a)
        if e.negate:
            x = P.UnaryOp(P.Not(), x)
        return stmts, x

    def e_RangeE(self, f, e):
        stmts, (a, b) = self.seq(f, [e.left, e.right])
        return stmts, call("_range", a, b, C(e.inclusive))

    def e_Index(self, f, e):
        if e.safe:
            return self.safe_step(f, e)
        chain = self.index_chain(f, e, 1 if f.guard is not None else 2)
        if chain is not None and f.guard is not None:
            root, idxs = chain
            fast, slow = root, root
            for i in idxs:
                fast = P.Subscript(fast, i, P.Load())
                slow = call("_idx", slow, i)
            f.guard.append(locate(slow, e.pos))
            return [], fast
        if chain is not None:
            # a[i][j]...: typed arrays, INT indices: one Python expression, one try
            root, idxs = chain
            fast, slow = root, root
            for i in idxs:
                fast = P.Subscript(fast, i, P.Load())
                slow = call("_idx", slow, i)
            t = f.tmp()
            tr = P.Try([assign(t, fast)], [P.ExceptHandler(N("IndexError"), None, [assign(t, slow)])], [], [])
            return [locate(tr, e.pos)], N(t)
        stmts, (o, i) = self.seq(f, [e.obj, e.idx])
        oty, ity = self.stype(f, e.obj), self.stype(f, e.idx)
        if (islist(oty) and (ity == "int" or is_int_const(i))) or ismap(oty):
            stmts, (o, i) = self.hoist(f, stmts, [o, i])
        if ismap(oty):
            if ity == "str" or (isinstance(i, P.Constant) and type(i.value) is str):
                return stmts, call(attr(o, "get"), i)
            return stmts, ifexp(typeis(i, "str"), call(attr(o, "get"), i), call("_idx", o, i))
        if islist(oty) and (ity == "int" or is_int_const(i)) and simple(o) and simple(i):
            # Python's list indexing == Rhai's for an INT index (negative from the end);
            # out of bounds -> the general path raises the Rhai error.
            t = f.tmp()
            fast = P.Try([assign(t, P.Subscript(o, i, P.Load()))],
                         [P.ExceptHandler(N("IndexError"), None, [assign(t, call("_idx", o, i))])], [], [])
            return stmts + [locate(fast, e.pos)], N(t)
        return stmts, self.index_expr(f, o, i, oty, ity)

    def index_chain(self, f, e, least=2):
        """(root, [index exprs]) for a[i][j]... on a typed array variable with INT
        variable/constant indices (at least two steps), else None."""
        idxs = []
        node = e
        while isinstance(node, A.Index) and not node.safe:
            if not isinstance(node.idx, (A.Var, A.Const, A.Binary, A.Unary)) or has_node(node.idx, A.Index) or \
                    not _guardable(node.idx):
                return None
            if self.stype(f, node.idx) != "int" or not islist(self.stype(f, node.obj)):
                return None
            idxs.append(node.idx)
            node = node.obj
        if len(idxs) < least or not isinstance(node, A.Var):
            return None
        vi = f.lookup(node.name)
        if vi is None or vi.shared:
            return None
        xs = []
        for i in reversed(idxs):
            s, x = self.expr(f, i)
            if s or not _pure(x):  # (evaluated again by the slow path)
                return None
            xs.append(x)
        return self.read_var(vi), xs

    def index_expr(self, f, o, i, oty=None, ity=None):
        if ismap(oty) and simple(o) and simple(i):
            if ity == "str" or (isinstance(i, P.Constant) and type(i.value) is str):
                return call(attr(o, "get"), i)
            return ifexp(typeis(i, "str"), call(attr(o, "get"), i), call("_idx", o, i))
        if not simple(o):
            t = f.tmp()
            wo, o = P.NamedExpr(S(t), o), N(t)
        else:
            wo = o
        pre = []
        if not simple(i):
            t2 = f.tmp()
            pre.append(P.NamedExpr(S(t2), i))
            i = N(t2)
        first = typeis(wo, "list") if not islist(oty) or wo is not o else P.Compare(wo, [P.IsNot()], [N("_UNB")])
        checks = [first]
        if pre:
            checks = [P.Subscript(P.Tuple([*pre, first], P.Load()), C(-1), P.Load())]
        if islist(oty) and not pre and wo is o:
            checks = []
        if not is_int_const(i) and ity != "int":
            checks.append(typeis(i, "int"))
        if is_int_const(i) and i.value >= 0:
            checks.append(P.Compare(i, [P.Lt()], [call("len", o)]))
        else:
            checks.append(P.Compare(C(0), [P.LtE(), P.Lt()], [i, call("len", o)]))
        slow = call("_idx", o, i)
        if not islist(oty) and not (isinstance(i, P.Constant) and type(i.value) is not str):
            slow = ifexp(and_(typeis(o, "dict"), typeis(i, "str")), call(attr(o, "get"), i), slow)
        if not checks:
            return P.Subscript(o, i, P.Load())
        return ifexp(and_(*checks), P.Subscript(o, i, P.Load()), slow)

    def safe_step(self, f, e):
        s, o = self.expr(f, e.obj)
        t = f.tmp()
        test = is_(P.NamedExpr(S(t), o), C(None))
        if isinstance(e, A.Index):
            ks, k = self.expr(f, e.idx)
            return s + ks, ifexp(test, C(None), call("_idx", N(t), k))
        if isinstance(e, A.Prop):
            return s, ifexp(test, C(None), call("_getp", N(t), C(e.name)))
        cs, ce = self.method_call(f, e, N(t), lvalue=False)
        return s + cs, ifexp(test, C(None), ce)

    def e_Prop(self, f, e):
        if e.safe:
            return self.safe_step(f, e)
        s, o = self.expr(f, e.obj)
        if isinstance(o, P.Name):
            fast = call(attr(o, "get"), C(e.name))
            if ismap(self.stype(f, e.obj)):
                return s, fast
            return s, ifexp(typeis(o, "dict"), fast, call("_getp", o, C(e.name)))
        return s, call("_getp", o, C(e.name))

    # ---------------------------------------------------------------- calls


    # ---------------------------------------------------------------- control flow


_WANT = frozenset(("Block", "If", "While", "Loop", "DoWhile", "For", "Break", "Continue", "Return", "Throw", "Switch"))


def _e_raw(self, f, e):
    return [], e.expr


Compiler.e__Raw = _e_raw


def compile_program(program, registry, **opts):
    comp = Compiler(program, registry, **opts)
    mod = comp.build()
    import warnings
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return compile(mod, "<rhai>", "exec")
    except RecursionError:
        raise ParseError("ExprTooDeep", "Expression exceeds maximum complexity", None) from None
