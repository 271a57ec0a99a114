"""Closures, and closure literals given to ``map``/``filter``/``some``/``all``/``reduce``
run in place as loops; when arrays may share elements instead of copies."""

from __future__ import annotations

import ast as P

from . import _ast as A
from ._analysis import _prop_reads_only, _root_name, _walk, has_node
from ._frames import Fn
from ._lattice import _SCALAR, BOT, elem_of, islist, tlist
from ._pyast import assign, attr, C, call, ifexp, locate, N, S, simple, typeis


class CallbacksMixin:
    """Part of :class:`rhai._compiler.Compiler`."""

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
        fast, vty = self.callback_loop(f, e, clo, src, res, extra)
        oty = self.stype(f, e.obj)
        if islist(oty):  # (any other receiver type: unknown result)
            rty = {"map": tlist(vty), "filter": oty, "some": "bool", "all": "bool"}.get(name)
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
        """The loop of an inlined callback over the array in ``src``, result in ``res``;
        and the static type of the closure body's value."""
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
            vty = f.tail if last is not None else None
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
        return out, vty

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
