"""Rhai AST -> Python ``ast`` -> code object.

User text only ever becomes ``ast.Constant`` values. Rhai variables become
Python locals named ``v_<name>[_<n>]``; helpers start with ``_``. The static facts
the compiler keeps are in ``_lattice``, the questions it asks of Rhai code in
``_analysis``, and the Python-AST building blocks in ``_pyast``.
"""

from __future__ import annotations

import ast as P
import copy
import sys

from . import _ast as A
from ._analysis import (
    _CALLBACKS, _COUNTED_MAX, _cheap, _drops_keys, _guardable, _guardable_stmt, _plain_key,
    _prop_reads_only, _root_name, _size, _walk, assigns, base_case, has_node, mentions,
    push_names, push_sites, share_info,
)
from ._lattice import (
    BOT, EMPTY, _INTISH, _SCALAR, elem_of, int_len_range, islist, ismap, map_fields, r_add,
    r_clamp, r_fits, r_hull, r_meet, r_mul, r_neg, r_widen, tjoin, tlist, tmap,
)
from ._pyast import (
    C, N, S, _ARITH_HELPER, _CMP, _CMP_HELPER, _hoist_depth, _is_tmp, _pure, _tail_assigns,
    _tail_return, and_, assign, attr, call, ifexp, in_i64, is_, is_int_const, locate, simple,
    typeis,
)
from ._errors import ParseError
from ._values import INT_MAX, INT_MIN, Char

__all__ = ["compile_program"]


_GUARD = {"int": "int", "str": "str", "bool": "bool", "float": "float", "map": "dict", "list": "list"}


_NONMUT = frozenset(("len", "is_empty", "contains", "index_of", "type_of", "keys", "values", "to_string",
                     "to_debug", "get", "is_shared"))


_RO_METHODS = _NONMUT | {"sub_string", "to_upper", "to_lower", "starts_with", "ends_with", "split", "chars",
                          "to_int", "to_float", "parse_int", "parse_float", "abs", "sign"}


SPECIAL_CALLS = frozenset(("Fn", "call", "curry", "type_of", "print", "debug", "is_def_fn", "is_def_var",
                           "is_shared", "eval"))


# result types of string methods on a string receiver: (name, arguments after it)
_STR_METHOD_TYPES = {("split", 1): "list:str", ("split", 0): "list:str", ("split_rev", 1): "list:str",
                     ("to_upper", 0): "str", ("to_lower", 0): "str", ("sub_string", 1): "str",
                     ("sub_string", 2): "str", ("len", 0): "int", ("index_of", 1): "int",
                     ("index_of", 2): "int", ("contains", 1): "bool", ("starts_with", 1): "bool",
                     ("ends_with", 1): "bool"}


_NOCONST = object()


_INLINE_DEPTH = 1  # direct calls of small functions are inlined this many levels deep


_INLINE_SIZE = 40  # ... if their body has at most this many nodes


class VarInfo:
    __slots__ = ("name", "py", "const", "shared", "key", "dyn", "ty", "depth")

    def __init__(self, name, py, const=False, shared=False, key=None, dyn=False):
        self.ty = None
        self.depth = 0
        self.name = name
        self.py = py
        self.const = const
        self.shared = shared
        self.key = key
        self.dyn = dyn


class Fn:
    """Compilation state for one Python function (main, script fn, closure)."""

    def __init__(self, comp, kind, parent=None):
        self.comp = comp
        self.kind = kind
        self.parent = parent
        self.scopes = [{}]
        self.captures = []
        self.loops = []
        self.catches = []
        self.ntmp = 0
        self.names = {}
        self.this_write = False
        self.trips = []  # per enclosing loop: bound on its iterations (None = unbounded)
        self.variant = parent.variant if parent is not None else ""
        self.facts = {}  # var key -> INT range known to hold here (from conditions)
        self.tail = None  # static type of the last block value compiled
        self.fkey = None  # (name, arity) of the script function (typed variant)
        self.push_ok = {}  # array var key -> local flag: pushes in this loop stay in the limit
        self.infacts = frozenset()  # (map var key, key var key): the key is in the map here
        self.guard = None  # statement-level IndexError guard: slow re-indexing expressions
        self.doff = 0  # call depth of the code being compiled relative to _d (inlined calls)
        # a typed g_ variant whose f_ entry has a generic body: its inlined calls need no depth
        # check of their own; the entry sends calls too deep for them to f_ (see fn_wrapper)
        self.redirect = False
        self.inline_k = 0  # deepest inlined frame, relative to _d
        # a closure that captures copies of the variables it reads, not shared cells: it
        # never writes them and runs before anything else can (see inline_callback)
        self.snapshot = False
        self.cb = False  # compiling a closure body in place (its nodes get keys of their own)
        # (deep, touched) of share_info for the body being compiled (None: no sharing)
        self.share = parent.share if parent is not None else None

    def key(self, node, name):
        return (id(node), name, self.variant, self.cb)

    def times(self, vi):
        """How often a statement here can run per declaration of ``vi``."""
        if vi.shared or vi.key is None:
            return None
        k = 1
        for t in self.trips[vi.depth:]:
            if t is None:
                return None
            k *= t
        return k

    def tmp(self):
        self.ntmp += 1
        return f"_t{self.ntmp}"

    def nvars(self):
        return sum(len(s) for s in self.scopes)

    def declare(self, name, key, const=False, ty=None, rng=None):
        n = self.names.get(name, 0)
        self.names[name] = n + 1
        py = f"v_{name}" if n == 0 else f"v_{name}_{n}"
        vi = VarInfo(name, py, const, key in self.comp.shared_keys, key)
        vt = self.comp.vtypes
        if vi.shared:
            ty = None
        if key not in vt:
            vt[key] = ty
        self.comp.note(key, ty)
        vi.ty = None if vi.shared else vt[key]
        vi.depth = len(self.trips)
        if not vi.shared:
            vr = self.comp.vrange
            if key not in vr:
                vr[key] = rng
            self.comp.note_range(key, rng)
        self.scopes[-1][name] = vi
        return vi

    def lookup(self, name):
        for s in reversed(self.scopes):
            vi = s.get(name)
            if vi is not None:
                return vi
        if self.parent is not None:
            outer = self.parent.lookup(name)
            if outer is not None:
                if not outer.shared and not self.snapshot:
                    self.comp.new_shared.add(outer.key)
                inner = VarInfo(name, f"c_{name}_{len(self.captures)}", outer.const, True, None)
                self.captures.append((outer, inner))
                self.scopes[0][name] = inner
                return inner
        return None


_CONST_TYPES = {str: "str", int: "int", float: "float", bool: "bool", type(None): None}


def calln(generic, prefix, d, name, *xs, tmp=None):
    """A native call through the cached dispatch helpers ``_cmN``/``_ctN`` (N = number
    of arguments after the receiver/first, up to 3), else the generic helper.  With
    simple arguments and ``tmp`` (a temporary-name factory) the call site looks up the
    plain-native table ``_FM`` itself: ``f(*xs) if (f := _FM.get((name, type(x)…)))
    is not None else _cmN(…)``."""
    n = len(xs) - (prefix == "_cm")
    if not 0 <= n <= 3:
        return call(generic, d, name, *xs)
    if tmp is None or not xs or \
            any(isinstance(x, P.Constant) and type(x.value) not in _CONST_TYPES for x in xs):
        return call(f"{prefix}{n}", d, name, *xs)
    key = [name]
    args = []
    for x in xs:
        if isinstance(x, P.Constant):
            tn = _CONST_TYPES[type(x.value)]
            key.append(call("type", C(None)) if tn is None else N(tn))
        elif isinstance(x, P.Name):
            key.append(call("type", x))
        else:
            # (hoisting the argument into a temporary here would nest chains of calls
            # several times deeper in the Python AST)
            return call(f"{prefix}{n}", d, name, *xs)
        args.append(x)
    xs = args
    slow = call(f"{prefix}{n}", d, name, *xs)
    t = tmp()
    look = P.NamedExpr(S(t), call(attr(N("_FM"), "get"), P.Tuple(key, P.Load())))
    return ifexp(P.Compare(look, [P.IsNot()], [C(None)]), call(N(t), *xs), slow)


class Compiler:
    def __init__(self, program, registry, strict=False, scope_names=(), max_variables=None,
                 max_array_size=0, max_string_size=0, max_map_size=0, max_call_levels=None):
        self.max_call_levels = max_call_levels
        self.prog = program
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
            main = self.unit(self.main_fn)
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

    def unit(self, make):
        """Compile a top-level unit, recompiling if closures discovered shared variables."""
        saved_defs = len(self.defs)
        saved_anon = self.nanon
        attempt = 0
        while True:
            self.new_shared = set()
            self.dirty = False
            self.seen = {}
            self.rseen = {}
            if attempt >= 11:  # no convergence: compile without static types (always valid)
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

    def mutating(self, name, arity):
        """Could a call of ``name`` mutate its first argument / receiver?"""
        if name in _NONMUT and (name, arity) not in self.prog.fns:
            for (n, _), nats in self.registry.by_key.items():
                if n == name and any(not nat.pure or nat.host or nat.by_ref for nat in nats):
                    return True
            return False
        return True

    @staticmethod
    def fn_pyname(name, arity):
        return f"f_{name}_{arity}"

    def fn_wrapper(self, f, pyname, params, stmts, fname, pos, this=True):
        """def pyname(_d, this_, *params): stack check; tick; try body except wrap.

        A g_ variant with inlined calls checks the depth of its deepest inlined frame
        instead, and hands a call that deep to the generic f_ body, whose every call checks
        its own depth: one comparison per call, and stack overflows still exact."""
        if f.redirect and f.inline_k:
            fwd = P.Return(call("f" + pyname[1:], N("_d"), N("_UNB"), *[N(p) for p in params]))
            for n in P.walk(fwd):
                if "lineno" in n._attributes:  # line 0: not a Rhai position (see caller_pos)
                    n.lineno = n.end_lineno = 0
                    n.col_offset = n.end_col_offset = 0
            k = _hoist_depth(stmts)
            if k is not None:  # (_dk := _d + k) once instead of _d + k at each call
                check = P.If(P.Compare(P.NamedExpr(P.Name(f"_d{k}", P.Store()), P.BinOp(N("_d"), P.Add(), C(k))),
                                       [P.Gt()], [self.maxd(f.inline_k - k)]), [fwd], [])
            else:
                check = P.If(P.Compare(N("_d"), [P.Gt()], [self.maxd(f.inline_k)]), [fwd], [])
        else:
            check = P.If(P.Compare(N("_d"), [P.Gt()], [self.maxd(0)]), [P.Raise(call("_so"), None)], [])
        head = [check, P.Expr(call("next", N("_T")))]
        handler = P.ExceptHandler(N("_E"), "_e", [P.Raise(call("_wrapfn", N("_e"), C(fname)), None)])
        body = head + [P.Try(stmts, [handler], [], [])]
        lead = [P.arg("_d"), P.arg("this_")] if this else [P.arg("_d")]
        args = P.arguments([], lead + [P.arg(p) for p in params], None, [], [], None, [])
        fdef = P.FunctionDef(pyname, args, body, [], None)
        return locate(fdef, pos)

    def script_fn_variants(self, fd):
        """``f_<name>_<n>(_d, this_, *params)`` is the entry for dynamic calls (function
        pointers, the host); a function not using ``this`` also gets ``g_<name>_<n>(_d,
        *params)``, compiled for the parameter types seen at its direct call sites, which
        direct calls use. ``f_`` checks the arguments and forwards to ``g_`` or runs a
        generic copy."""
        key = (fd.name, len(fd.params))
        if not self.typed_fn(key):
            return [self.unit(lambda: self.script_fn(fd))]
        ptys = self.fparams.get(key, (BOT,) * key[1])
        redirect = BOT not in ptys  # f_ forwards to g_, so it has a generic body to send back to
        out = [self.unit(lambda: self.script_fn(fd, "g", ptys, redirect))]
        guards = []
        for p, t in zip(fd.params, ptys):
            if t == BOT:
                guards = None  # never called directly: no typed entry from f_
                break
            if t is not None:
                guards.append(typeis(N("v_" + p), _GUARD[t]))
        if guards is not None:
            for p, t, r in zip(fd.params, ptys, self.fprange.get(key, (None,) * key[1])):
                if t == "int" and r is not None and r != EMPTY and r != (INT_MIN, INT_MAX):
                    guards.append(P.Compare(C(r[0]), [P.LtE(), P.LtE()], [N("v_" + p), C(r[1])]))
            if self.inline_k.get(key):  # g_ sends calls too deep for its inlined frames here
                guards.append(P.Compare(N("_d"), [P.LtE()], [self.maxd(self.inline_k[key])]))
        pyname = self.fn_pyname(fd.name, len(fd.params))
        fwd = P.Return(call("g" + pyname[1:], N("_d"), *[N("v_" + p) for p in fd.params]))
        for n in P.walk(fwd):
            if "lineno" in n._attributes:  # line 0: not a Rhai position (see caller_pos)
                n.lineno = n.end_lineno = 0
                n.col_offset = n.end_col_offset = 0
        if guards == []:
            args = P.arguments([], [P.arg("_d"), P.arg("this_")] + [P.arg("v_" + p) for p in fd.params],
                               None, [], [], None, [])
            out.append(locate(P.FunctionDef(pyname, args, [fwd], [], None), fd.pos))
            return out
        generic = self.unit(lambda: self.script_fn(fd, "h"))
        if guards:
            test = and_(*guards)
            for n in P.walk(test):
                if "lineno" in n._attributes:
                    n.lineno = n.end_lineno = 0
                    n.col_offset = n.end_col_offset = 0
            generic.body.insert(0, P.If(test, [fwd], []))
        out.append(generic)
        return out

    def script_fn(self, fd, variant="", ptys=None, redirect=False):
        f = Fn(self, "fn")
        f.variant = variant
        f.redirect = redirect
        f.share = share_info(fd.body, self)
        params = []
        pre = []
        if variant == "g":
            f.fkey = (fd.name, len(fd.params))
        for k, p in enumerate(fd.params):
            vi = f.declare(p, f.key(fd, p), ty=None if ptys is None else ptys[k])
            params.append(vi.py if not vi.shared else vi.py + "_raw")
            if vi.shared:
                pre.append(assign(vi.py, call("_Shared", N(vi.py + "_raw"))))
        pre += self.var_limit(f)
        if variant == "g":
            f.facts = self.param_facts(f, fd, self.fprange.get(f.fkey, (EMPTY,) * len(fd.params)))
        stmts, val = self.block_value(f, fd.body, True)
        self.note_return(f, f.tail)
        if variant == "g":
            self.fretr_seen[f.fkey] = r_hull(self.fretr_seen.get(f.fkey, EMPTY), self.value_range(f, fd.body))
            f.facts = {}
        if not f.this_write and _is_tmp(val) and stmts and _tail_assigns(stmts[-1], val.id):
            body = pre + stmts[:-1] + [_tail_return(stmts[-1], val.id)]  # return from each branch
        else:
            body = pre + stmts + [P.Return(self.ret_value(f, val))]
        pyname = self.fn_pyname(fd.name, len(fd.params))
        if variant == "g":
            self.inline_k[f.fkey] = f.inline_k if f.redirect else 0
            return self.fn_wrapper(f, "g" + pyname[1:], params, body, fd.name, fd.pos, this=False)
        return self.fn_wrapper(f, pyname, params, body, fd.name, fd.pos)

    def maxd(self, k):
        """Largest _d for which code at depth _d + k may run (the limit is a constant)."""
        if self.max_call_levels is None:
            return P.BinOp(N("_MAXD"), P.Sub(), C(k)) if k else N("_MAXD")
        return C((self.max_call_levels or sys.maxsize) - k)

    def depth(self, f, extra=0):
        """Call depth expression for code compiled in ``f`` (+ ``extra``)."""
        k = f.doff + extra
        return P.BinOp(N("_d"), P.Add(), C(k)) if k else N("_d")

    def inlinable(self, f, key):
        fd = self.prog.fns[key]
        if f.doff >= _INLINE_DEPTH or self.max_variables is not None or self.no_types:
            return False
        if key not in self.inline_ok:
            self.inline_ok[key] = _size(fd.body) <= _INLINE_SIZE and not has_node(
                fd.body, (A.Return, A.Closure, A.Try, A.This, A.Break, A.Continue))
        return self.inline_ok[key]

    def inline_call(self, f, e, stmts, xs):
        """The body of a small script function in place of a direct call (at depth + 1):
        same depth check, operation, error wrapping (ErrorInFunctionCall at the call)."""
        key = (e.name, len(e.args))
        fd = self.prog.fns[key]
        ptys = self.fparams.get(key, (BOT,) * key[1])
        out = list(stmts)
        xs = list(xs)
        arg_rs = tuple(self.srange(f, a) for a in e.args)
        for k, x in enumerate(xs):  # arguments are evaluated before the call
            if not simple(x):
                t = f.tmp()
                out.append(assign(t, x))
                xs[k] = N(t)
        # (located like the check at the start of the function)
        check = locate(P.If(P.Compare(N("_d"), [P.Gt()], [self.maxd(f.doff + 1)]),
                            [P.Raise(call("_so"), None)], []), fd.pos)
        if f.redirect:  # checked once at the entry of the g_ variant (see fn_wrapper)
            f.inline_k = max(f.inline_k, f.doff + 1)
        else:
            self.dchecks[id(check)] = P.dump(check.test)
            self.dnodes.append(check)  # (keeps ids unique)
            out.append(check)
        # no tick: an inlined call is charged with the frame it is inlined into (that frame
        # ticks on entry and holds a bounded number of inlined calls, so recursion still
        # ticks at least once per Python frame)
        saved = (f.scopes, f.loops, f.catches, f.trips, f.facts, f.fkey, f.kind, f.variant, f.push_ok, f.tail,
                 f.share)
        f.scopes, f.loops, f.catches, f.trips, f.facts, f.fkey, f.kind, f.variant, f.push_ok, f.share = \
            [{}], [], [], [], {}, None, "fn", "g", {}, share_info(fd.body, self)
        f.doff += 1
        try:
            body = []
            for k, (p, x) in enumerate(zip(fd.params, xs)):
                vi = f.declare(p, f.key(fd, p), ty=ptys[k], rng=self.srange_expr_hint(x))
                if vi.shared:
                    body.append(assign(vi.py, call("_Shared", x)))
                elif _is_tmp(x):
                    vi.py = x.id  # the argument's temporary is the parameter (no copy)
                else:
                    body.append(assign(vi.py, x))
            f.facts = self.param_facts(f, fd, arg_rs)
            bs, val = self.block_value(f, fd.body, True)
            if _is_tmp(val):  # a temporary written only by this call site
                t = val.id
                body += bs
            else:
                t = f.tmp()
                body += bs + [assign(t, val)]
        finally:
            f.doff -= 1
            (f.scopes, f.loops, f.catches, f.trips, f.facts, f.fkey, f.kind, f.variant, f.push_ok, f.tail,
             f.share) = saved
        line, col = (e.pos[0], e.pos[1]) if e.pos is not None else (0, 0)
        handler = P.ExceptHandler(N("_E"), "_e", [P.Raise(call("_wrapat", N("_e"), C(fd.name), C(line), C(col)),
                                                            None)])
        out.append(P.Try(body or [P.Pass()], [handler], [], []))
        return out, N(t)

    def param_facts(self, f, fd, rs):
        """Facts for the INT parameters of ``fd`` (ranges ``rs``) the body never assigns."""
        facts = {}
        for p, r in zip(fd.params, rs):
            vi = f.lookup(p)
            if r is not None and vi is not None and not vi.shared and vi.key is not None \
                    and not assigns(fd.body, p):
                facts[vi.key] = (p, r)
        return facts

    def value_range(self, f, node):
        """INT range of a function body's value: single-expression blocks and if/else whose
        branches are such blocks (names there can only be the parameters)."""
        if isinstance(node, A.Block):
            if len(node.stmts) != 1 or not isinstance(node.stmts[0], A.ExprStmt):
                return None
            return self.value_range(f, node.stmts[0].expr)
        if isinstance(node, A.If):
            if node.other is None:
                return None
            tf, ef = self.cond_facts(f, node.cond)
            saved = f.facts
            try:
                f.facts = self.with_facts(f, tf, node.then)
                a = self.value_range(f, node.then)
                f.facts = self.with_facts(f, ef, node.other)
                b = self.value_range(f, node.other)
            finally:
                f.facts = saved
            return r_hull(a, b)
        if isinstance(node, (A.Block, A.Closure)) or self.stype(f, node) not in _INTISH:
            return None
        return self.srange(f, node)

    def note_args_range(self, f, e):
        key = (e.name, len(e.args))
        old = self.fprange_seen.get(key, (EMPTY,) * key[1])
        self.fprange_seen[key] = tuple(r_hull(a, self.srange(f, x)) for a, x in zip(old, e.args))

    @staticmethod
    def srange_expr_hint(x):
        return None

    def calls_g(self, f, e):
        """Does the direct call ``e`` go to the typed variant? (Arguments of unknown type go
        through ``f_``, which checks them.)"""
        key = (e.name, len(e.args))
        if not self.typed_fn(key) or f.variant == "h" or e.name in SPECIAL_CALLS:
            return False
        return all(self.param_type(self.stype(f, a)) is not None for a in e.args)

    @staticmethod
    def param_type(t):
        """Types a parameter may be specialised on (checkable by f_'s guard)."""
        if t == BOT or t in _GUARD:
            return t
        if ismap(t):
            return "map"
        return "list" if islist(t) else None

    def note_return(self, f, ty):
        if f.fkey is not None:
            self.fret_seen[f.fkey] = tjoin(self.fret_seen.get(f.fkey, BOT), ty)

    def ret_value(self, f, val):
        if f.this_write:
            return call("_retwb", val, N("this_"))
        return val

    def main_fn(self):
        f = Fn(self, "main")
        f.share = share_info(self.prog.stmts, self)
        stmts, val = self.stmts_value(f, self.prog.stmts, True)
        body = stmts + [P.Return(self.main_ret(f, val))]
        args = P.arguments([], [P.arg("_d")], None, [], [], None, [])
        body = [assign("this_", N("_UNB"))] + body
        return P.FunctionDef("_main", args, body, [], None)

    def main_ret(self, f, val):
        top = f.scopes[0]
        names = [(n, vi) for n, vi in top.items()]
        d = P.Dict([C(n) for n, _ in names],
                   [attr(N(vi.py), "v") if vi.shared else N(vi.py) for _, vi in names])
        return P.Tuple([val, d, P.Tuple([C(n) for n, vi in names if vi.const], P.Load())], P.Load())

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
        raise AssertionError(s)

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
        if op == "%":
            conds = list(checks)
            if not (is_int_const(a) and a.value >= 0):
                conds.append(P.Compare(a, [P.GtE()], [C(0)]))
            if not (is_int_const(b) and b.value > 0):
                conds.append(P.Compare(b, [P.Gt()], [C(0)]))
            test = and_(*conds)
            return P.BinOp(a, P.Mod(), b) if test is None else ifexp(test, P.BinOp(a, P.Mod(), b), slow)
        if op == "/":
            conds = list(checks)
            if not (is_int_const(a) and a.value >= 0):
                conds.append(P.Compare(a, [P.GtE()], [C(0)]))
            if not (is_int_const(b) and b.value > 0):
                conds.append(P.Compare(b, [P.Gt()], [C(0)]))
            test = and_(*conds)
            return P.BinOp(a, P.FloorDiv(), b) if test is None else ifexp(test, P.BinOp(a, P.FloorDiv(), b), slow)
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
            for x in (a, b):
                if not simple(x):
                    t = f.tmp()
                    stmts = stmts + [assign(t, x)]
                    if x is a:
                        a = N(t)
                    else:
                        b = N(t)
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
            for x in (o, i):
                if not simple(x):
                    t = f.tmp()
                    stmts = stmts + [assign(t, x)]
                    if x is o:
                        o = N(t)
                    else:
                        i = N(t)
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
    def args(self, f, nodes):
        stmts, xs = self.seq(f, nodes)
        return stmts, [self.copy_if_alias(f, n, x) for n, x in zip(nodes, xs)]

    def e_Call(self, f, e):
        name = e.name
        n = len(e.args)
        if name in SPECIAL_CALLS:
            return self.special_call(f, e)
        if (name, n) in self.prog.fns:
            stmts, xs = self.args(f, e.args)
            d1 = self.depth(f, 1)
            if self.calls_g(f, e):
                tys = tuple(self.param_type(self.stype(f, a)) for a in e.args)
                self.note_args_range(f, e)
                if self.inlinable(f, (name, n)):
                    old = self.fparams_seen.get((name, n), (BOT,) * n)
                    self.fparams_seen[(name, n)] = tuple(tjoin(a, b) for a, b in zip(old, tys))
                    return self.inline_call(f, e, stmts, xs)
                # arguments of unknown type go through f_ (which checks them)
                old = self.fparams_seen.get((name, n), (BOT,) * n)
                self.fparams_seen[(name, n)] = tuple(tjoin(a, b) for a, b in zip(old, tys))
                gcall = call("g" + self.fn_pyname(name, n)[1:], d1, *xs)
                base = base_case(self.prog.fns[(name, n)], tys) if f.redirect else None
                if base is None:
                    return stmts, gcall
                return self.peel_base_case(f, stmts, xs, base, gcall)
            return stmts, call(self.fn_pyname(name, n), d1, N("_UNB"), *xs)
        if name == "take" and n == 1 and self.native_only(name, n):
            return self.take_call(f, e)
        # native: first argument by reference if plain variable
        if n and isinstance(e.args[0], A.Var) and self.mutating(name, n):
            self.note_mutated(self.root_var(f, e.args[0]))
        if n and isinstance(e.args[0], A.Var) and name in self.registry.byref_names:
            vi = self.resolve(f, e.args[0].name, e.args[0].pos)
            if vi is not None and not vi.const:
                stmts, xs = self.seq(f, e.args)
                xs = [xs[0]] + [self.copy_if_alias(f, a, x) for a, x in zip(e.args[1:], xs[1:])]
                t = f.tmp()
                stmts.append(assign(t, call("_call", self.depth(f), C(name), *xs)))
                stmts.append(P.If(typeis(N(t), "_WB"),
                                  [self.write_var(vi, attr(N(t), "this")), assign(t, attr(N(t), "r"))], []))
                return stmts, N(t)
        stmts, xs = self.seq(f, e.args)
        if n:
            first = e.args[0]
            rest = [self.copy_if_alias(f, a, x) for a, x in zip(e.args[1:], xs[1:])]
            x0 = xs[0]
            if isinstance(first, A.Var):
                vi = self.resolve(f, first.name, first.pos)
                if vi is not None and vi.const:
                    x0 = call("_cp", x0)
            elif not isinstance(first, (A.Const, A.ArrayLit, A.MapLit, A.Call, A.Binary)) and \
                    self.stype(f, first) not in _SCALAR:
                if not simple(x0):
                    t = f.tmp()
                    stmts = stmts + [assign(t, x0)]
                    x0 = N(t)
                x0 = ifexp(P.Compare(call("type", x0), [P.In()], [N("_IMMT")]), x0, call("_cp", x0))
            xs = [x0] + rest
        stmts, xs = self.hoist(f, stmts, xs)
        generic = calln("_callt", "_ct", self.depth(f), C(name), *xs, tmp=f.tmp)
        if name == "parse_int" and n == 1 and isinstance(xs[0], P.Name) and self.native_only(name, n):
            # plain short decimal digits (the native's own fast path) as int()
            x = xs[0]
            test = and_(P.Compare(call("len", x), [P.Lt()], [C(19)]), call(attr(x, "isascii")), call(attr(x, "isdigit")))
            if self.stype(f, first) != "str":
                test = and_(typeis(x, "str"), test)
            return stmts, ifexp(test, call("int", x), generic)
        return stmts, generic

    def peel_base_case(self, f, stmts, xs, base, gcall):
        """``x if x < 2 else g_fib_1(_d + 1, x)``: the callee's base case, which cannot raise,
        answered at the call site. The frame it stands for is covered by the g_ variant's
        entry depth check (like an inlined call) and, like one, is not ticked."""
        k, op, c, then = base
        stmts = list(stmts)
        for i, x in enumerate(xs):  # every argument is evaluated whichever branch runs
            if not simple(x):
                t = f.tmp()
                stmts.append(assign(t, x))
                xs[i] = gcall.args[i + 1] = N(t)
        f.inline_k = max(f.inline_k, f.doff + 1)
        test = P.Compare(xs[k], [_CMP[op]()], [C(c)])
        value = xs[then] if type(then) is int else C(then[0])
        return stmts, ifexp(test, value, gcall)

    def take_call(self, f, e):
        """``take(x)``: x's value, leaving ``()`` in the variable, element or property
        (a constant is an error; any other expression just gives its value)."""
        arg = e.args[0]
        s, x = self.expr(f, arg)
        root = arg
        while isinstance(root, (A.Index, A.Prop)):
            root = root.obj
        if not isinstance(root, A.Var) or any(getattr(st, "safe", False) for st in _walk(arg)
                                              if isinstance(st, (A.Index, A.Prop))):
            return s, x
        vi = f.lookup(root.name)
        if vi is not None and vi.const:
            return s + [locate(P.Raise(call("_constmod", C(root.name)), None), e.pos)], C(None)
        t = f.tmp()
        s = s + [assign(t, x)]
        s += self.assign_stmt(f, A.Assign(e.pos, arg, "=", A.Const(e.pos, None)))
        return s, N(t)

    def special_call(self, f, e):
        name = e.name
        n = len(e.args)
        if name == "is_def_var" and n == 1 and isinstance(e.args[0], A.Const) and type(e.args[0].value) is str:
            vname = e.args[0].value
            if f.lookup(vname) is not None:
                return [], C(True)
            return [], call("_is_dyn_var", C(vname), C(f.kind == "main"))
        if name == "is_shared" and n == 1 and isinstance(e.args[0], A.Var):
            vi = f.lookup(e.args[0].name)
            return [], C(bool(vi is not None and vi.shared))
        stmts, xs = self.args(f, e.args)
        if name == "Fn" and n == 1:
            return stmts, call("_mkfnptr", xs[0])
        if name == "call" and n >= 1:
            return stmts, call("_strip", call("_callfp", self.depth(f), xs[0], N("_UNB"), *xs[1:]))
        if name == "curry" and n >= 1:
            return stmts, call("_curry", *xs)
        if name == "type_of" and n == 1:
            return stmts, call("_type_of", xs[0])
        if name == "print" and n == 1:
            return stmts, call("_print", xs[0])
        if name == "debug" and n == 1:
            return stmts, call("_debug", xs[0], C(e.pos[0]), C(e.pos[1]))
        if name == "is_def_fn" and n in (2, 3):
            return stmts, call("_is_def_fn", *xs)
        if name == "is_def_var" and n == 1:
            return stmts, call("_is_dyn_var", xs[0], C(f.kind == "main"))
        if name == "is_shared" and n == 1:
            return stmts, C(False)
        stmts, xs = self.hoist(f, stmts, xs)
        return stmts, calln("_callt", "_ct", self.depth(f), C(name), *xs, tmp=f.tmp)

    def e_MethodCall(self, f, e):
        if e.safe:
            return self.safe_step(f, e)
        obj = e.obj
        lv = self.lvalue_info(f, obj)
        s, o = self.expr(f, obj)
        if not simple(o):  # the receiver is evaluated before the arguments
            t = f.tmp()
            s = s + [assign(t, o)]
            o = N(t)
        cs, ce = self.method_call(f, e, o, lvalue=lv is not None, lv=lv, objnode=obj)
        return s + cs, ce

    def lvalue_info(self, f, obj):
        """Returns a write-back function for a plain variable / this receiver, else None."""
        if isinstance(obj, A.This):
            def wb(v):
                f.this_write = True
                return [assign("this_", v)]
            return wb
        if isinstance(obj, A.Var):
            vi = f.lookup(obj.name)
            if vi is None:
                if obj.name in self.fn_names:
                    return None
                return lambda v: [P.Expr(call("_sv", C(obj.name), v))]
            if vi.const:
                return None
            return lambda v: [self.write_var(vi, v)]
        if isinstance(obj, (A.Index, A.Prop)):
            root, steps = self.flatten(obj)
            if not isinstance(root, (A.Var, A.This)) or any(st.safe for st in steps):
                return None
            if not all(isinstance(st.idx, (A.Const, A.Var)) if isinstance(st, A.Index) else True for st in steps):
                return None

            def wbp(v):
                return self.assign_stmt(f, A.Assign(obj.pos, obj, "=", _Raw(v)))
            return wbp
        return None

    def is_const_var(self, f, obj):
        if isinstance(obj, A.Var):
            vi = f.lookup(obj.name)
            return vi is not None and vi.const
        return False

    def method_call(self, f, e, o, lvalue, lv=None, objnode=None):
        name = e.name
        n = len(e.args)
        d = self.depth(f)
        if name == "call":
            stmts, xs = self.args(f, e.args)
            r = call("_callmfp", d, o, *xs)
            return self.with_wb(f, stmts, r, lv)
        if name == "curry":
            stmts, xs = self.args(f, e.args)
            return stmts, call("_curry", o, *xs)
        if name == "type_of" and n == 0:
            return [], call("_type_of", o)
        if name == "is_shared" and n == 0:
            return [], C(False)
        if name in _CALLBACKS and (name, n) not in self.prog.fns:
            r = self.inline_callback(f, e, o)
            if r is not None:
                return r
        stmts, xs = self.args(f, e.args)
        rvi = self.root_var(f, objnode) if objnode is not None else None
        if rvi is not None:
            if isinstance(objnode, A.Var) and name == "push" and n == 1 and (name, n) not in self.prog.fns:
                self.note_elem(rvi, self.stype(f, e.args[0]), self.srange(f, e.args[0]))
            elif self.mutating(name, n):
                self.note_mutated(rvi)
        if (name, n) in self.prog.fns:
            r = call(self.fn_pyname(name, n), self.depth(f, 1), o, *xs)
            return self.with_wb(f, stmts, r, lv)
        if objnode is not None and self.is_const_var(f, objnode):
            return stmts, call("_callmc", d, C(name), o, *xs)
        # inline fast paths for the hottest natives
        if name == "push" and n == 1 and isinstance(o, P.Name) and not (("push", 1) in self.prog.fns):
            x = xs[0]
            if not simple(x):
                t = f.tmp()
                stmts = stmts + [assign(t, x)]
                x = N(t)
            test = None
            oty = self.stype(f, objnode) if objnode is not None else None
            if not islist(oty):
                test = typeis(o, "list")
            if self.max_array_size:
                ety = elem_of(oty)
                xty = self.stype(f, e.args[0])
                flat = lambda t: t == BOT or t in _SCALAR  # noqa: E731
                if (ety is not None and flat(ety)) and (isinstance(e.args[0], A.Const) or xty in _SCALAR):
                    # no nested arrays: the size is len()
                    lim = P.Compare(call("len", o), [P.Lt()], [C(self.max_array_size)])
                    if rvi is not None and rvi.key in f.push_ok and isinstance(objnode, A.Var):
                        lim = P.BoolOp(P.Or(), [N(f.push_ok[rvi.key]), lim])
                elif ety is not None and islist(ety) and flat(elem_of(ety) or BOT) and islist(xty) and \
                        flat(elem_of(xty) or BOT) and xty != "list" and ety != "list":
                    # arrays of flat arrays: size = len + sum of lengths
                    size = P.BinOp(P.BinOp(call("len", o), P.Add(), call("sum", call("map", N("len"), o))),
                                   P.Add(), call("len", x))
                    lim = P.Compare(size, [P.Lt()], [C(self.max_array_size)])
                else:
                    lim = P.Compare(call("len", o), [P.Lt()], [C(self.max_array_size)])
                    if not isinstance(e.args[0], A.Const):
                        lim = and_(lim, is_(call("type", x), N("int")))
                test = and_(test, lim)
            if test is None:
                return stmts, call(attr(o, "append"), x)
            return stmts, ifexp(test, call(attr(o, "append"), x), call("_callm", d, C(name), o, x))
        if name == "len" and n == 0 and isinstance(o, P.Name):
            return stmts, ifexp(typeis(o, "list"), call("len", o), call("_callm", d, C(name), o))
        stmts, oxs = self.hoist(f, stmts, [o] + list(xs))
        r = calln("_callm", "_cm", d, C(name), *oxs, tmp=f.tmp)
        if name not in self.registry.byref_names:
            fast = self.str_intrinsic(f, e, oxs[0], oxs[1:], r)
            if fast is not None:
                return stmts, fast
        if name in self.registry.byref_names or (objnode is not None and isinstance(objnode, A.Var) is False and False):
            return self.with_wb(f, stmts, r, lv)
        return stmts, call("_strip", r) if lv is None and name in self.registry.byref_names else r

    def may_share(self, f, node):
        """May the array ``node`` (a variable, or a filter of one) hold elements shared
        with another array? (Neither ever changes an element in place or hands one out.)"""
        if f.share is None or self.no_types:
            return False
        while isinstance(node, A.MethodCall) and node.name == "filter" and not node.safe:
            node = node.obj
        if isinstance(node, A.Var):
            return node.name not in f.share[0]
        return not isinstance(node, (A.Index, A.Prop, A.This, A.GlobalVar))  # a fresh value

    def binds_shared(self, f, name):
        """May a loop/callback variable ``name`` be bound to an element without a copy?"""
        return f.share is not None and not self.no_types and name not in f.share[0] and name not in f.share[1]

    def native_only(self, name, n):
        """Is a call of ``name`` with ``n`` arguments (after the receiver) always a built-in?"""
        return (name, n) not in self.prog.fns and name not in self.registry.host_names

    def str_intrinsic(self, f, e, o, xs, generic):
        """Common string methods as Python's own str operations when the receiver is a
        string (known, or tested here), else ``generic``. Natives that charge operations
        for long strings are inlined for short ones only."""
        name, n = e.name, len(e.args)
        if not self.native_only(name, n) or not isinstance(o, P.Name):
            return None
        cs = [a.value if isinstance(a, A.Const) else _NOCONST for a in e.args]
        if name in ("contains", "index_of", "starts_with", "ends_with") and n == 1 and type(cs[0]) is str:
            fast = {"contains": lambda: P.Compare(xs[0], [P.In()], [o]),
                    "index_of": lambda: call(attr(o, "find"), xs[0]),
                    "starts_with": lambda: call(attr(o, "startswith"), xs[0]),
                    "ends_with": lambda: call(attr(o, "endswith"), xs[0])}[name]()
            charged = name == "index_of"
        elif name == "sub_string" and n in (1, 2) and all(type(c) is int and 0 <= c <= INT_MAX for c in cs):
            fast = P.Subscript(o, P.Slice(C(cs[0]), C(cs[0] + cs[1]) if n == 2 else None, None), P.Load())
            charged = False
        elif name == "split" and n == 1 and type(cs[0]) is str and cs[0]:
            fast, charged = call(attr(o, "split"), xs[0]), True
        elif name in ("to_upper", "to_lower") and n == 0:
            fast, charged = call(attr(o, "upper" if name == "to_upper" else "lower")), True
        elif name == "len" and n == 0:
            fast, charged = call("len", o), False
        else:
            return None
        test = None if self.stype(f, e.obj) == "str" else typeis(o, "str")
        if charged:  # (the native charges len(s) operations from 64 characters on)
            test = and_(test, P.Compare(call("len", o), [P.Lt()], [C(64)]))
        return fast if test is None else ifexp(test, fast, generic)

    def inline_callback(self, f, e, o):
        """``a.map(|x| body)`` (also filter, some, all, reduce) with a closure literal: the
        closure's body compiled into a loop here when ``a`` is an array, instead of a
        native calling a closure per element. Same copies, operation charges, depth and
        error wrapping (ErrorInFunctionCall at the call) as the call; any other receiver
        gets the native with the closure, which then captures copies: the body writes no
        variable of the enclosing scope, so none can change while it runs."""
        name, n = e.name, len(e.args)
        clo = e.args[0] if n else None
        if not isinstance(clo, A.Closure) or self.max_variables is not None or name in self.registry.host_names:
            return None
        np = len(clo.params)
        if (name == "reduce" and (n not in (1, 2) or np not in (2, 3))) or \
                (name != "reduce" and (n != 1 or np not in (1, 2))):
            return None
        if not self.callback_inlinable(f, clo):
            return None
        line, col = (e.pos[0], e.pos[1]) if e.pos is not None else (0, 0)
        src = f.tmp()
        stmts = [assign(src, o)]
        extra = []
        if n == 2:  # reduce's initial value, evaluated after the receiver
            s2, init = self.expr(f, e.args[1])
            init = self.copy_if_alias(f, e.args[1], init)
            stmts += s2
            if not simple(init):
                t = f.tmp()
                stmts.append(assign(t, init))
                init = N(t)
            extra = [init]
        # any other receiver: the native, with the closure
        cs, cx = self.e_Closure(f, clo, snapshot=True)
        fname = cx.args[1].value  # errors name the closure as a call of it would
        res = f.tmp()
        slow = cs + [assign(res, call("_callm", self.depth(f), C(name), N(src), cx, *extra))]
        fast = self.callback_loop(f, e, clo, src, res, extra)
        oty = self.stype(f, e.obj)
        if islist(oty):  # (any other receiver type: unknown result)
            rty = {"map": tlist(self.cb_tail), "filter": oty, "some": "bool", "all": "bool"}.get(name)
            self.ntypes[(id(e), f.variant, f.cb)] = rty
        handler = P.ExceptHandler(N("_E"), "_e", [P.Raise(call("_wrapat", N("_e"), C(fname), C(line), C(col)),
                                                            None)])
        if f.redirect:  # the g_ variant's entry checks the depth (see fn_wrapper)
            f.inline_k = max(f.inline_k, f.doff + 1)
            check = []
        else:
            check = [P.If(P.Compare(N("_d"), [P.Gt()], [self.maxd(f.doff + 1)]), [P.Raise(call("_so"), None)], [])]
        # the closure's own checks (depth on entry, a tick per call: the chunked loop) are
        # located at the closure, the native's charge at the call
        for x in check + [y for y in fast if isinstance(y, P.For)]:
            locate(x, clo.pos)
        fast = check + [P.Expr(call("_charge", call("len", N(src)))), P.Try(fast, [handler], [], [])]
        stmts.append(P.If(typeis(N(src), "list"), fast, slow))
        return [locate(x, e.pos) for x in stmts], N(res)

    def callback_inlinable(self, f, clo):
        """A closure body that can run in place: no return, this, nested closure, break or
        continue, rethrow, scope introspection; and no write to a variable from outside
        (assignment, mutating method, by-reference native) - its own parameters and
        variables it declares (and that do not shadow an outer one) excepted."""
        body = clo.body
        if has_node(body, (A.Return, A.This, A.Closure, A.Break, A.Continue, A.FnDef)):
            return False
        own = set(clo.params)
        nodes = list(_walk(body))
        for x in nodes:
            if isinstance(x, A.Let) and f.lookup(x.name) is None:
                own.add(x.name)
        for x in nodes:
            if isinstance(x, A.Throw) and x.value is None:
                return False
            if isinstance(x, A.Call) and x.name in ("is_def_var", "eval", "is_shared"):
                return False
            root = None
            if isinstance(x, A.Assign):
                root = _root_name(x.target) or "this"
            elif isinstance(x, A.MethodCall) and not self.safe_method(x.name):
                root = _root_name(x.obj)
            elif isinstance(x, A.Call) and x.args and isinstance(x.args[0], A.Var) and (
                    self.mutating(x.name, len(x.args)) or x.name in self.registry.byref_names):
                root = x.args[0].name
            if root is not None and root not in own:
                return False
        return True

    def callback_loop(self, f, e, clo, src, res, extra):
        """The loop of an inlined callback over the array in ``src``, result in ``res``."""
        name = e.name
        objnode = e.obj
        oty = self.stype(f, objnode)
        ety = elem_of(oty) if islist(oty) else None
        erng = self.srange(f, objnode) if ety is not None and ety.endswith(("int", BOT)) else None
        params = list(clo.params)
        acc = params.pop(0) if name == "reduce" else None
        x, i = (params + [None])[:2]
        saved = (f.doff, f.guard, f.facts, f.cb)
        f.cb = True  # (keys apart from the closure's own compilation, for other receivers)
        f.doff += 1
        f.guard = None
        f.facts = dict(f.facts)
        f.trips.append(None)
        f.scopes.append({})
        try:
            avi = f.declare(acc, f.key(clo, acc)) if acc is not None else None
            xvi = f.declare(x, f.key(clo, x), ty=ety, rng=erng)
            ivi = f.declare(i, f.key(clo, i), ty="int") if i is not None else None
            bs, val = self.block_value(f, clo.body, True)
            last = clo.body.stmts[-1].expr if clo.body.stmts and isinstance(clo.body.stmts[-1], A.ExprStmt) else None
            self.cb_tail = f.tail if last is not None else None
            if last is not None:
                val = self.copy_if_alias(f, last, val)
        finally:
            f.scopes.pop()
            f.trips.pop()
            f.doff, f.guard, f.facts, f.cb = saved
        el = f.tmp()
        # (the body writes no outer variable: nothing changes the element while it runs)
        ro = _prop_reads_only(clo.body, x, self.safe_method) or self.binds_shared(f, x)
        share = name == "filter" and self.may_share(f, objnode) and id(e) in self.share_ok
        scalar = ety in _SCALAR
        copy = ifexp(P.Compare(call("type", N(el)), [P.In()], [N("_IMMT")]), N(el), call("_cp", N(el)))
        keep = N(el) if scalar or share else copy
        head = [assign(xvi.py, N(el) if ro or scalar else copy)]
        pre = []
        if name == "map":
            pre = [assign(res, P.List([], P.Load()))]
            tail = [P.Expr(call(attr(N(res), "append"), val))]
        elif name == "filter":
            pre = [assign(res, P.List([], P.Load()))]
            tail = [P.If(P.Compare(val, [P.Is()], [C(True)]), [P.Expr(call(attr(N(res), "append"), keep))], [])]
        elif name == "some":
            pre = [assign(res, C(False))]
            tail = [P.If(P.Compare(val, [P.Is()], [C(True)]), [assign(res, C(True)), P.Break()], [])]
        elif name == "all":
            pre = [assign(res, C(True))]
            tail = [P.If(P.Compare(val, [P.IsNot()], [C(True)]), [assign(res, C(False)), P.Break()], [])]
        else:  # reduce
            pre = [assign(avi.py, extra[0] if extra else C(None))]
            tail = [assign(avi.py, val)]
        body = head + bs + tail
        ch = f.tmp()
        if ivi is not None:
            k = f.tmp()
            pre.append(assign(k, C(-1)))
            body = [P.AugAssign(S(k), P.Add(), C(1)), assign(ivi.py, N(k))] + body
        inner = P.For(S(el), N(ch), body, [P.Continue()], None)
        out = pre + [P.For(S(ch), call("_chunks", N(src)), [inner, P.Break()], [], None)]
        if name == "reduce":
            out.append(assign(res, N(avi.py)))
        return out

    def hoist(self, f, stmts, xs):
        """Native call arguments as temporaries (assigned in order after ``stmts``, which
        is when the call evaluates them anyway) so that the call site can key the
        dispatch table on their types; at most 4 arguments (the inline-cached arities)."""
        if len(xs) > 4 or all(simple(x) for x in xs):
            return stmts, xs
        stmts = list(stmts)
        out = []
        for x in xs:
            if not simple(x):
                t = f.tmp()
                stmts.append(assign(t, x))
                x = N(t)
            out.append(x)
        return stmts, out

    def with_wb(self, f, stmts, r, lv):
        if lv is None:
            return stmts, call("_strip", r)
        t = f.tmp()
        out = stmts + [assign(t, r)]
        out.append(P.If(typeis(N(t), "_WB"), lv(attr(N(t), "this")) + [assign(t, attr(N(t), "r"))], []))
        return out, N(t)

    def safe_method(self, name):
        """A method that never changes its receiver (no by-ref/impure native, no script fn)."""
        reg = self.registry
        while reg is not None:
            if name in reg.byref_names or name in reg.impure_names:
                return False
            reg = getattr(reg, "parent", None)
        return name in _RO_METHODS and not any(k[0] == name for k in self.prog.fns)

    def e_Closure(self, f, e, snapshot=False):
        g = Fn(self, "closure", parent=f)
        g.snapshot = snapshot
        params = []
        pre = []
        for p in e.params:
            vi = g.declare(p, g.key(e, p))
            params.append(vi.py if not vi.shared else vi.py + "_raw")
            if vi.shared:
                pre.append(assign(vi.py, call("_Shared", N(vi.py + "_raw"))))
        pre += self.var_limit(g)
        stmts, val = self.block_value(g, e.body, True)
        if e.body.stmts and isinstance(e.body.stmts[-1], A.ExprStmt):  # captured values are shared
            val = self.copy_if_alias(g, e.body.stmts[-1].expr, val)
        body = pre + stmts + [P.Return(self.ret_value(g, val))]
        self.nanon += 1
        pyname = f"_anon{self.nanon}"
        cap_params = [inner.py for _, inner in g.captures]
        fname = "anon$%016x" % (hash((e.pos[0], e.pos[1], self.nanon)) & 0xFFFFFFFFFFFFFFFF)
        fdef = self.fn_wrapper(g, pyname, cap_params + params, body, fname, e.pos)
        self.defs.append(fdef)
        ro = tuple(_prop_reads_only(e.body, p, self.safe_method) for p in e.params)
        if any(ro):  # parameters a callback may receive uncopied (see _builtins._util.arg_copier)
            self.defs.append(locate(P.Assign([P.Attribute(N(pyname), "_ro", P.Store())], C(ro)), e.pos))
        cells = [N(outer.py) if outer.shared else call("_Shared", self.read_var(outer))
                 for outer, _ in g.captures]
        return [], call("_mkclosure", N(pyname), C(fname), C(len(cells)), *cells)

    # ---------------------------------------------------------------- control flow
    def e_Block(self, f, e, want=True):
        s, v = self.block_value(f, e, want)
        self.ntypes[(id(e), f.variant, f.cb)] = f.tail if want else None
        if not s:
            return s, v
        if want and not simple(v):
            t = f.tmp()
            return s + [assign(t, v)], N(t)
        return s, v

    def cond_facts(self, f, cond):
        """INT ranges of variables implied by ``cond`` being true / false: ({key: (name,
        range)}, {...})."""
        if not isinstance(cond, A.Binary) or cond.op not in ("<", "<=", ">", ">="):
            return {}, {}
        op, x, other = cond.op, cond.left, cond.right
        if not isinstance(x, A.Var):
            op, x, other = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}[op], cond.right, cond.left
        if not isinstance(x, A.Var) or self.stype(f, x) != "int" or self.stype(f, other) != "int":
            return {}, {}
        vi = f.lookup(x.name)
        r = self.srange(f, other)
        if vi is None or vi.shared or vi.key is None or r is None or r == EMPTY:
            return {}, {}
        lo, hi = r
        up = {"<": hi - 1, "<=": hi}
        down = {">": lo + 1, ">=": lo}
        if op in up:
            t, e = (INT_MIN, up[op]), ({"<": lo, "<=": lo + 1}[op], INT_MAX)
        else:
            t, e = (down[op], INT_MAX), (INT_MIN, {">": hi, ">=": hi - 1}[op])
        return {vi.key: (x.name, t)}, {vi.key: (x.name, e)}

    def with_facts(self, f, facts, node):
        """Facts that hold throughout ``node`` (variables it cannot change)."""
        new = dict(f.facts)
        for key, (name, r) in facts.items():
            if not assigns(node, name):
                new[key] = (name, r_meet(new[key][1], r) if key in new else r)
        return new

    def e_If(self, f, e, want=True):
        cs, cx = self.cond_expr(f, e.cond)
        tf, ef = self.cond_facts(f, e.cond)
        saved = f.facts
        f.facts = self.with_facts(f, tf, e.then)
        saved_in = f.infacts
        c = e.cond
        if isinstance(c, A.In) and not c.negate and isinstance(c.left, A.Var) and isinstance(c.right, A.Var) and \
                ismap(self.stype(f, c.right)) and self.stype(f, c.left) == "str" and \
                not assigns(e.then, c.left.name) and not _drops_keys(e.then, c.right.name):
            kv, mv = f.lookup(c.left.name), f.lookup(c.right.name)
            if kv is not None and mv is not None and not kv.shared and not mv.shared:
                f.infacts = saved_in | {(mv.key, kv.key)}
        ts, tv = self.block_value(f, e.then, want)
        f.infacts = saved_in
        tt = f.tail
        f.facts = saved
        f.facts = self.with_facts(f, ef, e.other) if e.other is not None else saved
        if e.other is None:
            es, ev = [], C(None)
            et = None
        elif isinstance(e.other, A.If):
            es, ev = self.e_If(f, e.other, want)
            et = self.ntypes.get((id(e.other), f.variant, f.cb))
        else:
            es, ev = self.block_value(f, e.other, want)
            et = f.tail
        f.facts = saved
        self.ntypes[(id(e), f.variant, f.cb)] = tjoin(tt, et) if want and e.other is not None else None
        if not ts and not es:
            if want:
                return cs, ifexp(cx, tv, ev)
            return cs + [P.If(cx, [P.Pass()], [])], C(None)
        if want:
            t = f.tmp()
            ts = ts + [assign(t, tv)]
            es = es + [assign(t, ev)]
            return cs + [P.If(cx, ts, es)], N(t)
        return cs + [P.If(cx, ts or [P.Pass()], es)], C(None)

    def loop_result(self, f, want):
        t = f.tmp()
        f.loops.append(t)
        return t

    def e_While(self, f, e, want=True):
        t = self.loop_result(f, want)
        f.trips.append(None)
        cs, cx = self.cond_expr(f, e.cond)
        saved = f.facts
        f.facts = dict(saved)
        for key, (name, r) in self.cond_facts(f, e.cond)[0].items():
            f.facts[key] = (name, r_meet(saved[key][1], r) if key in saved else r)
        counted = self.counted_while(f, e)
        bs, _ = self.block_value(f, e.body, False)
        f.facts = saved
        f.trips.pop()
        f.loops.pop()
        tick = P.Expr(call("next", N("_T")))
        if cs:
            body = [tick] + cs + [P.If(P.UnaryOp(P.Not(), cx), [P.Break()], [])] + bs
            loop = P.While(C(True), body, [])
        else:
            loop = P.While(cx, [tick] + bs, [])  # body never empty (tick)
        if counted is not None and not cs:
            # while x <= E { ...; x += s } with E, s fixed, s >= 1 and a body of cheap
            # statements: the iteration count is known on entry; charge it at once.
            # The count is charged only if it fits in the budget (else the ticked loop runs
            # and stops where it would); if the body fails, the iterations not run are
            # refunded (the error may be caught).
            x, end, step, incl = counted
            tc, x0 = f.tmp(), f.tmp()
            num = P.BinOp(end, P.Sub(), x) if incl else P.BinOp(P.BinOp(end, P.Sub(), x), P.Sub(), C(1))
            count = assign(tc, P.BinOp(P.BinOp(num, P.FloorDiv(), step), P.Add(), C(1)))
            done = P.BinOp(P.BinOp(x, P.Sub(), N(x0)), P.FloorDiv(), step)
            refund = P.Expr(call("_charge", P.UnaryOp(P.USub(), call("max", C(0), P.BinOp(
                P.BinOp(N(tc), P.Sub(), done), P.Sub(), C(1))))))
            fast = P.Try([P.While(cx, copy.deepcopy(bs) or [P.Pass()], [])],
                         [P.ExceptHandler(N("_E"), None, [refund, P.Raise(None, None)])], [], [])
            test = and_(P.Compare(N(tc), [P.LtE()], [C(_COUNTED_MAX)]),
                        P.BoolOp(P.Or(), [P.Compare(N(tc), [P.LtE()], [C(0)]), call("_trycharge", N(tc))]))
            loop = P.If(test, [fast], [loop])
            return [assign(t, C(None)), count, assign(x0, x), loop], N(t)
        return [assign(t, C(None)), loop], N(t)

    def counted_while(self, f, e):
        """(x, E, s, inclusive) for ``while x <= E`` / ``while x < E`` whose body only runs
        cheap assignments and advances x once by ``x += s`` (s >= 1); E and s are not
        changed by the body. Else None."""
        c = e.cond
        if not isinstance(c, A.Binary) or c.op not in ("<", "<=") or not isinstance(c.left, A.Var):
            return None
        xname = c.left.name
        end = c.right
        stmts = e.body.stmts
        if not isinstance(end, (A.Var, A.Const)) or self.stype(f, c.left) != "int" or self.stype(f, end) != "int":
            return None
        xv = f.lookup(xname)
        if xv is None or xv.shared or (isinstance(end, A.Var) and end.name == xname):
            return None
        inc = [st for st in stmts if assigns(st, xname)]
        if len(inc) != 1 or not isinstance(inc[0], A.Assign) or not isinstance(inc[0].target, A.Var):
            return None
        st = inc[0]
        if st.op == "+=":
            step = st.value
        elif st.op == "=" and isinstance(st.value, A.Binary) and st.value.op == "+" and \
                isinstance(st.value.left, A.Var) and st.value.left.name == xname:
            step = st.value.right
        else:
            return None
        if not isinstance(step, (A.Var, A.Const)) or self.stype(f, step) != "int":
            return None
        r = self.srange(f, step)
        if r is None or r == EMPTY or r[0] < 1:
            return None
        for node in (end, step):
            if isinstance(node, A.Var):
                v = f.lookup(node.name)
                if v is None or v.shared or node.name == xname or assigns(stmts, node.name):
                    return None
        for st in stmts:
            if not isinstance(st, A.Assign) or not isinstance(st.target, (A.Var, A.Index)) or \
                    (isinstance(st.target, A.Index) and not isinstance(st.target.obj, A.Var)) or \
                    not _cheap(st.value) or (isinstance(st.target, A.Index) and not _cheap(st.target.idx)):
                return None
        ex = self.expr(f, end)[1]
        sx = self.expr(f, step)[1]
        return self.read_var(xv), ex, sx, c.op == "<="

    def e_Loop(self, f, e, want=True):
        t = self.loop_result(f, want)
        f.trips.append(None)
        bs, _ = self.block_value(f, e.body, False)
        f.trips.pop()
        f.loops.pop()
        return [assign(t, C(None)), P.While(C(True), [P.Expr(call("next", N("_T")))] + bs, [])], N(t)

    def e_DoWhile(self, f, e, want=True):
        t = self.loop_result(f, want)
        f.trips.append(None)
        bs, _ = self.block_value(f, e.body, False)
        f.loops.pop()
        cs, cx = self.cond_expr(f, e.cond)
        f.trips.pop()
        first = f.tmp()
        stop = cx if e.until else P.UnaryOp(P.Not(), cx)
        head = P.If(N(first), [assign(first, C(False))], cs + [P.If(stop, [P.Break()], [])])
        body = [head, P.Expr(call("next", N("_T")))] + bs
        return [assign(t, C(None)), assign(first, C(True)), P.While(C(True), body, [])], N(t)

    def e_For(self, f, e, want=True):
        t = self.loop_result(f, want)
        rng = isinstance(e.iter, A.RangeE)
        if rng:
            s, (a, b) = self.seq(f, [e.iter.left, e.iter.right])
            it = call("_prange", a, b, C(e.iter.inclusive))
        else:
            s, x = self.expr(f, e.iter)
            ity = self.stype(f, e.iter)
            # an array of immutable values needs no copy of its elements (_chunks slices
            # it), nor one whose elements never change while the loop variable sees them
            if islist(ity) and elem_of(ity) in _SCALAR:
                it = x
            elif self.may_share(f, e.iter) and self.binds_shared(f, e.var) and e.ivar is None:
                if not simple(x):
                    xt = f.tmp()
                    s = s + [assign(xt, x)]
                    x = N(xt)
                it = ifexp(typeis(x, "list"), x, call("_iter", x))
            else:
                it = call("_iter", x)
        xty = "int" if rng else elem_of(self.stype(f, e.iter))
        xrng = trips = None
        if rng:
            ra, rb = self.srange(f, e.iter.left), self.srange(f, e.iter.right)
            incl = 0 if e.iter.inclusive else 1
            xrng = r_clamp((INT_MIN if ra in (None, EMPTY) else ra[0], INT_MAX if rb in (None, EMPTY) else rb[1] - incl))
            if ra not in (None, EMPTY) and rb not in (None, EMPTY):
                trips = max(0, rb[1] - ra[0] + 1 - incl)
        elif xty is not None and xty.endswith(("int", BOT)):
            xrng = self.srange(f, e.iter)
        hoist = []
        saved_push_ok = f.push_ok
        f.push_ok = dict(saved_push_ok)
        if trips is not None and self.max_array_size and not self.no_types:
            # pushes that cannot reach the size limit during the loop: test once, before it
            for name in sorted(push_names(e.body, set())):
                pv = f.lookup(name)
                k = push_sites(e.body, name)
                if pv is None or pv.shared or not k or not islist(pv.ty) or pv.ty == "list":
                    continue
                ok = f.tmp()
                lim = P.Compare(P.BinOp(call("len", N(pv.py)), P.Add(), C(k * trips)), [P.LtE()],
                                [C(self.max_array_size)])
                hoist.append(assign(ok, lim))
                f.push_ok[pv.key] = ok
        f.trips.append(trips)
        f.scopes.append({})
        vi = f.declare(e.var, f.key(e, e.var), ty=xty, rng=xrng)
        ii = f.declare(e.ivar, f.key(e, e.ivar), ty="int") if e.ivar else None
        pre = self.var_limit(f)
        bs, _ = self.block_value(f, e.body, False)
        f.scopes.pop()
        f.trips.pop()
        f.push_ok = saved_push_ok
        s = s + hoist
        f.loops.pop()
        out = s + pre + [assign(t, C(None))]
        head = []
        if vi.shared:
            out.append(assign(vi.py, call("_Shared", C(None))))
            xt = f.tmp()
            head.append(P.Assign([P.Attribute(N(vi.py), "v", P.Store())], N(xt)))
            target_x = S(xt)
        else:
            target_x = S(vi.py)
        if ii is not None:
            if ii.shared:
                out.append(assign(ii.py, call("_Shared", C(None))))
                it2 = f.tmp()
                head.append(P.Assign([P.Attribute(N(ii.py), "v", P.Store())], N(it2)))
                target_i = S(it2)
            else:
                target_i = S(ii.py)
            target = P.Tuple([target_i, target_x], P.Store())
            it = call("enumerate", it)
        else:
            target = target_x
        ch = f.tmp()
        inner = P.For(target, N(ch), (head + bs) or [P.Pass()], [P.Continue()], None)
        if rng and ii is None:
            chunks = call("_rchunks", a, b, C(e.iter.inclusive))
        else:
            chunks = call("_chunks", it)
        out.append(P.For(S(ch), chunks, [inner, P.Break()], [], None))
        return out, N(t)

    def e_Break(self, f, e, want=True):
        t = f.loops[-1]
        out = []
        if e.value is not None:
            s, x = self.expr(f, e.value)
            out = s + [assign(t, self.copy_if_alias(f, e.value, x))]
        return out + [P.Break()], C(None)

    def e_Continue(self, f, e, want=True):
        return [P.Continue()], C(None)

    def e_Return(self, f, e, want=True):
        if e.value is None:
            s, x = [], C(None)
        else:
            s, x = self.expr(f, e.value)
            x = self.copy_if_alias(f, e.value, x)
        if f.kind == "main":
            return s + [P.Return(self.main_ret(f, x))], C(None)
        self.note_return(f, None if e.value is None else self.stype(f, e.value))
        return s + [P.Return(self.ret_value(f, x))], C(None)

    def e_Throw(self, f, e, want=True):
        if e.value is None:
            if f.catches:
                return [P.Raise(N(f.catches[-1]), None)], C(None)
            return [P.Raise(call("_throw", C(None)), None)], C(None)
        s, x = self.expr(f, e.value)
        return s + [P.Raise(call("_throw", x), None)], C(None)

    def e_Switch(self, f, e, want=True):
        s, x = self.expr(f, e.expr)
        sv = f.tmp()
        out = s + [assign(sv, x)]
        res = f.tmp()
        exact = []
        ranges = []
        for labels, guard, body in e.cases:
            for lab in labels:
                (ranges if isinstance(lab, A.RangeE) else exact).append((lab, guard, body))
        chain = []
        for lab, guard, body in exact + ranges:
            if isinstance(lab, A.RangeE):
                ls, (a, b) = self.seq(f, [lab.left, lab.right])
                test = call("_swrange", N(sv), a, b, C(lab.inclusive))
            else:
                ls, lx = self.expr(f, lab)
                v = lab.value if isinstance(lab, A.Const) else None
                if isinstance(lab, A.Const) and type(v) in (int, str, bool, float):
                    test = and_(typeis(N(sv), type(v).__name__), P.Compare(N(sv), [P.Eq()], [lx]))
                else:
                    test = call("_swmatch", N(sv), lx)
            if guard is not None:
                gs, gx = self.cond_expr(f, guard)
                if gs:  # a guard needing statements cannot sit in the if/elif test chain
                    raise ParseError("ExprExpected", "Switch guard is too complex", guard.pos)
                test = and_(test, gx)
            bs, bv = self.switch_body(f, body, want)
            chain.append((test, bs + [assign(res, bv)]))
        if e.default is not None:
            ds, dv = self.switch_body(f, e.default, want)
            orelse = ds + [assign(res, dv)]
        else:
            orelse = [assign(res, C(None))]
        for test, body in reversed(chain):
            orelse = [P.If(test, body, orelse)]
        return out + orelse, N(res)

    def switch_body(self, f, body, want):
        if isinstance(body, A.Block):
            return self.block_value(f, body, want)
        s, x = self.expr(f, body)
        return s, x


_WANT = frozenset(("Block", "If", "While", "Loop", "DoWhile", "For", "Break", "Continue", "Return", "Throw", "Switch"))


class _Raw(A.Node):
    __slots__ = ("expr",)

    def __init__(self, expr):
        self.expr = expr
        self.pos = None


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
