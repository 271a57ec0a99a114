"""Script functions: the ``f_``/``g_`` variants, their entry checks, inlining of small
functions at direct call sites and base cases answered at the call site."""

from __future__ import annotations

import ast as P
import sys

from . import _ast as A
from ._analysis import _size, assigns, calls_eval, has_node, share_info, SPECIAL_CALLS
from ._frames import Fn
from ._lattice import _GUARD, _INTISH, BOT, EMPTY, islist, ismap, r_hull, tjoin
from ._parser import display_name
from ._pyast import (
    _CMP, _hoist_depth, _is_tmp, _tail_assigns, _tail_return, and_, assign, attr, C, call,
    ifexp, locate, N, simple, typeis,
)
from ._values import INT_MAX, INT_MIN


_INLINE_DEPTH = 1  # direct calls of small functions are inlined this many levels deep
_INLINE_SIZE = 40  # ... if their body has at most this many nodes


class FunctionsMixin:
    """Part of :class:`rhai._compiler.Compiler`."""

    @staticmethod
    def fn_pyname(name, arity):
        if not name.isidentifier():  # a typed method (see _parser.typed_name)
            name = "".join(c if c.isascii() and c.isalnum() else f"_{ord(c):x}_" for c in name)
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
            return [self.unit(lambda: self.script_fn(fd), typed=not calls_eval(fd.body))]
        ptys = self.fparams.get(key, (BOT,) * key[1])
        redirect = BOT not in ptys  # f_ forwards to g_, so it has a generic body to send back to
        out = [self.unit(lambda: self.script_fn(fd, "g", ptys, redirect), typed=not calls_eval(fd.body))]
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
        generic = self.unit(lambda: self.script_fn(fd, "h"), typed=not calls_eval(fd.body))
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
            return self.fn_wrapper(f, "g" + pyname[1:], params, body, display_name(fd.name), fd.pos, this=False)
        return self.fn_wrapper(f, pyname, params, body, display_name(fd.name), fd.pos)

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
                fd.body, (A.Return, A.Closure, A.Try, A.This, A.Break, A.Continue)) and not calls_eval(fd.body)
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
