"""Blocks, ``if``, loops (with their pre-charged and counted forms), ``switch``,
``break``/``continue``/``return``/``throw``."""

from __future__ import annotations

import ast as P
import copy

from . import _ast as A
from ._analysis import _cheap, _COUNTED_MAX, _drops_keys, assigns, push_names, push_sites
from ._errors import ParseError
from ._lattice import _SCALAR, BOT, elem_of, EMPTY, islist, ismap, r_clamp, r_meet, tjoin
from ._pyast import and_, assign, C, call, ifexp, N, S, simple, typeis
from ._values import INT_MAX, INT_MIN


class ControlFlowMixin:
    """Part of :class:`rhai._compiler.Compiler`."""

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

        def loop_target(v):
            """The for target binding ``v``: a captured variable is one cell for the whole
            loop (as in Rhai), set from a temporary at the top of each iteration."""
            if not v.shared:
                return S(v.py)
            out.append(assign(v.py, call("_Shared", C(None))))
            xt = f.tmp()
            head.append(P.Assign([P.Attribute(N(v.py), "v", P.Store())], N(xt)))
            return S(xt)
        target_x = loop_target(vi)
        if ii is not None:
            target = P.Tuple([loop_target(ii), target_x], P.Store())
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
