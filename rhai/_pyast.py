"""Building blocks for the Python ``ast`` the compiler emits: names, constants, calls,
tests, and source positions (``locate``)."""

from __future__ import annotations

import ast as P

from . import _ast as A
from ._values import INT_MAX, INT_MIN

_CMP = {"<": P.Lt, "<=": P.LtE, ">": P.Gt, ">=": P.GtE, "==": P.Eq, "!=": P.NotEq}
_CMP_HELPER = {"<": "_lt", "<=": "_le", ">": "_gt", ">=": "_ge", "==": "_eq", "!=": "_ne"}


_ARITH_HELPER = {"+": "_add", "-": "_sub", "*": "_mul", "/": "_div", "%": "_mod", "**": "_pow",
                 "<<": "_shl", ">>": "_shr", "&": "_band", "|": "_bor", "^": "_bxor"}


_BOOL_OPS = frozenset(_CMP) | {"in"}


def N(name):
    return P.Name(name, P.Load())


def S(name):
    return P.Name(name, P.Store())


def C(v):
    return P.Constant(v)


def call(f, *args):
    return P.Call(N(f) if isinstance(f, str) else f, list(args), [])


def attr(obj, name):
    return P.Attribute(obj, name, P.Load())


def is_(a, b):
    return P.Compare(a, [P.Is()], [b])


def typeis(x, t):
    return is_(call("type", x), N(t))


def and_(*xs):
    xs = [x for x in xs if x is not None]
    if not xs:
        return None
    if len(xs) == 1:
        return xs[0]
    return P.BoolOp(P.And(), list(xs))


def assign(name, value):
    return P.Assign([S(name)], value)


def ifexp(test, body, orelse):
    return P.IfExp(test, body, orelse)


def simple(e):
    return isinstance(e, (P.Name, P.Constant))


def is_int_const(e):
    return isinstance(e, P.Constant) and type(e.value) is int


def _tail_assigns(s, t):
    """Is ``s`` an if/else whose every branch ends by storing its value in temporary ``t``?"""
    if not isinstance(s, P.If) or not s.body or not s.orelse:
        return False
    return all(_tail_assigns(b[-1], t) or (isinstance(b[-1], P.Assign) and len(b[-1].targets) == 1 and
                                          isinstance(b[-1].targets[0], P.Name) and b[-1].targets[0].id == t)
               for b in (s.body, s.orelse))


def _tail_return(s, t):
    """``s`` (see _tail_assigns) with each final store to ``t`` turned into a return."""
    def fix(b):
        last = b[-1]
        if isinstance(last, P.Assign) and isinstance(last.targets[0], P.Name) and last.targets[0].id == t:
            return b[:-1] + [P.copy_location(P.Return(last.value), last)]
        return b[:-1] + [_tail_return(last, t)]
    return P.copy_location(P.If(s.test, fix(s.body), fix(s.orelse)), s)


def _pure(x):
    """Python expression of names, constants and arithmetic only (no calls)."""
    if isinstance(x, (P.Name, P.Constant)):
        return True
    if isinstance(x, P.BinOp):
        return _pure(x.left) and _pure(x.right)
    if isinstance(x, P.Subscript):  # unchecked typed indexing (statement guard)
        return _pure(x.value) and _pure(x.slice)
    return False


_SMALL = (1 << 30) - 1  # CPython compares such ints on a fast path


def in_i64(calc, r):
    """Test that the value of ``calc`` (stored into ``r``) is an i64: cheap for small values."""
    return P.BoolOp(P.Or(), [P.Compare(C(-_SMALL), [P.LtE(), P.LtE()], [calc, C(_SMALL)]),
                             P.Compare(C(INT_MIN), [P.LtE(), P.LtE()], [N(r), C(INT_MAX)])])


def _is_tmp(x):
    return isinstance(x, P.Name) and x.id.startswith("_t") and x.id[2:].isdigit()


def locate(node, pos, full=False):
    """Give the nodes of ``node`` that have no position yet the Rhai position ``pos``.

    A positioned node's subtree was located by an inner call already, so the walk stops
    there (nested locates would otherwise be quadratic); ``full`` walks everything, for
    the module, to catch nodes put into a located subtree afterwards."""
    line, col = (pos[0], pos[1]) if pos is not None and pos[0] else (1, 0)
    todo = [node]
    while todo:
        n = todo.pop()
        if "lineno" in n._attributes:
            if getattr(n, "lineno", None) is not None:
                if not full:
                    continue
            else:
                n.lineno = line
                n.col_offset = col
                n.end_lineno = line
                n.end_col_offset = col
        todo.extend(P.iter_child_nodes(n))
    return node


def _depth_k(node):
    """k for a ``_d + k`` node, else None."""
    if (isinstance(node, P.BinOp) and isinstance(node.op, P.Add) and isinstance(node.left, P.Name)
            and node.left.id == "_d" and isinstance(node.right, P.Constant)):
        return node.right.value
    return None


def _hoist_depth(stmts):
    """Replace the most frequent ``_d + k`` in ``stmts`` by the local ``_d<k>`` when it occurs
    at least twice; returns k (the caller assigns ``_d<k>`` first), or None."""
    sites = []
    for st in stmts:
        for n in P.walk(st):
            for fld in n._fields:
                v = getattr(n, fld, None)
                if isinstance(v, list):
                    sites += [(_depth_k(x), n, fld, i) for i, x in enumerate(v) if _depth_k(x) is not None]
                elif _depth_k(v) is not None:
                    sites.append((_depth_k(v), n, fld, None))
    counts = {}
    for site in sites:
        counts[site[0]] = counts.get(site[0], 0) + 1
    k = max(counts, key=counts.get, default=None)
    if k is None or counts[k] < 2:
        return None
    for kk, n, fld, i in sites:
        if kk == k:
            if i is None:
                setattr(n, fld, N(f"_d{k}"))
            else:
                getattr(n, fld)[i] = N(f"_d{k}")
    return k


class _Raw(A.Node):
    __slots__ = ("expr",)

    def __init__(self, expr):
        self.expr = expr
        self.pos = None
