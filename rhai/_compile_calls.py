"""Calls of natives and script functions, method calls (with write-back of ``this``),
cached native dispatch at the call site and string methods run as ``str`` operations."""

from __future__ import annotations

import ast as P

from . import _ast as A
from ._analysis import _CALLBACKS, _NONMUT, _RO_METHODS, _walk, base_case, SPECIAL_CALLS
from ._lattice import _SCALAR, BOT, elem_of, islist, tjoin
from ._pyast import _Raw, and_, assign, attr, C, call, ifexp, is_, locate, N, S, simple, typeis
from ._values import INT_MAX


_NOCONST = object()
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


class CallsMixin:
    """Part of :class:`rhai._compiler.Compiler`."""

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

    def e_BangCall(self, f, e):
        """``foo!(args)`` / ``call!(fp, args)``: a script function run in this scope (it
        reads and changes this scope's variables; its own declarations end with it).
        The variables go through a dict, as for ``eval``."""
        stmts, xs = self.args(f, e.args)
        return self.scope_call(f, stmts, e, "_callbang", [C(e.name), C(self.scope_consts(f))], xs)

    @staticmethod
    def scope_consts(f):
        return tuple(sorted(k for scope in f.scopes for k, vi in scope.items() if vi.const))

    def scope_call(self, f, stmts, e, helper, lead, xs):
        """Call ``helper(depth, *lead, env, *xs)`` with this scope's visible variables in
        the dict ``env``, then write them back; nothing is known of them afterwards."""
        visible = {}
        for scope in f.scopes:
            visible.update({k: vi for k, vi in scope.items() if not k.endswith("::")})
        env = f.tmp()
        keys = sorted(visible)
        s = list(stmts) + [assign(env, P.Dict([C(k) for k in keys], [self.read_var(visible[k]) for k in keys]))]
        r = f.tmp()
        s.append(locate(assign(r, call(helper, self.depth(f, 1), *lead, N(env), *xs)), e.pos))
        for k in keys:
            vi = visible[k]
            if not vi.const:
                s.append(self.write_var(vi, P.Subscript(N(env), C(k), P.Load()), None))
                self.note_range(vi.key, None)
        f.facts = {}
        f.infacts = frozenset()
        return s, N(r)

    def eval_call(self, f, e):
        """``eval(text)``: the text runs in this scope. Its variables go in and out through
        a dict; afterwards nothing is known of them (the unit is compiled without static
        types, see ``Compiler.unit``)."""
        s, x = self.expr(f, e.args[0])
        if not simple(x):
            t = f.tmp()
            s = s + [assign(t, x)]
            x = N(t)
        consts = self.scope_consts(f)
        line, col = (e.pos[0], e.pos[1]) if e.pos is not None else (0, 0)
        return self.scope_call(f, s, e, "_eval", [x], [C(consts), C(f.kind == "main"), C(line), C(col)])

    def special_call(self, f, e):
        name = e.name
        n = len(e.args)
        if name == "eval" and n == 1 and self.native_only(name, n):
            return self.eval_call(f, e)
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
        if self.inline_callbacks and name in _CALLBACKS and self.native_only(name, n):
            r = self.inline_callback(f, e, o)
            if r is not None:
                return r
        stmts, xs = self.args(f, e.args)
        rvi = self.root_var(f, objnode) if objnode is not None else None
        if rvi is not None:
            if isinstance(objnode, A.Var) and name == "push" and n == 1 and self.native_only(name, n):
                self.note_elem(rvi, self.stype(f, e.args[0]), self.srange(f, e.args[0]))
            elif self.mutating(name, n):
                self.note_mutated(rvi)
        if (name, n) in self.typed_methods:
            # typed methods of this name: chosen by type_of(receiver) when the call runs
            r = call("_callmt", self.depth(f, 1), C(name), o, *xs)
            return self.with_wb(f, stmts, r, lv)
        if (name, n) in self.prog.fns:
            r = call(self.fn_pyname(name, n), self.depth(f, 1), o, *xs)
            return self.with_wb(f, stmts, r, lv)
        if objnode is not None and self.is_const_var(f, objnode):
            return stmts, call("_callmc", d, C(name), o, *xs)
        # inline fast paths for the hottest natives
        if name == "push" and n == 1 and isinstance(o, P.Name) and self.native_only(name, n):
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

    def native_only(self, name, n):
        """Is a call of ``name`` with ``n`` arguments (after the receiver) always a built-in?"""
        return name not in self.script_names and name not in self.registry.host_names

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
        return name in _RO_METHODS and name not in self.script_names

    def mutating(self, name, arity):
        """Could a call of ``name`` mutate its first argument / receiver?"""
        if name in _NONMUT and name not in self.script_names:
            for (n, _), nats in self.registry.by_key.items():
                if n == name and any(not nat.pure or nat.host or nat.by_ref for nat in nats):
                    return True
            return False
        return True
