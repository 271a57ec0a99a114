"""Rhai AST node classes. Every node has a ``pos`` (line, column)."""

from __future__ import annotations

__all__ = []


class Node:
    __slots__ = ("pos", "_block_ended")
    fields = ()

    def __repr__(self):
        inner = ", ".join(f"{f}={getattr(self, f)!r}" for f in self.fields)
        return f"{type(self).__name__}({inner})"


def _node(name, *fields):
    def __init__(self, pos, *args):
        self.pos = pos
        for f, a in zip(fields, args):
            setattr(self, f, a)

    cls = type(name, (Node,), {"__slots__": fields, "fields": fields, "__init__": __init__})
    globals()[name] = cls
    __all__.append(name)
    return cls


# expressions
_node("Const", "value")
_node("Var", "name")
_node("This")
_node("GlobalVar", "name")
_node("IStr", "parts")  # list of str | Block
_node("ArrayLit", "items")
_node("MapLit", "items")  # list of (key, expr)
_node("Unary", "op", "expr")
_node("Binary", "op", "left", "right")
_node("And", "left", "right")
_node("Or", "left", "right")
_node("Coalesce", "left", "right")
_node("In", "left", "right", "negate")
_node("RangeE", "left", "right", "inclusive")
_node("Index", "obj", "idx", "safe")
_node("Prop", "obj", "name", "safe")
_node("Call", "name", "args")
_node("MethodCall", "obj", "name", "args", "safe")
_node("Closure", "params", "body")  # body: Block
_node("Block", "stmts")
_node("If", "cond", "then", "other")
_node("Switch", "expr", "cases", "default")  # cases: list of (labels, guard, body)
_node("While", "cond", "body")
_node("Loop", "body")
_node("DoWhile", "body", "cond", "until")
_node("For", "var", "ivar", "iter", "body")
_node("Break", "value")
_node("Continue")
_node("Return", "value")
_node("Throw", "value")
# statements
_node("Try", "body", "var", "catch")
_node("Let", "name", "value", "const")
_node("Assign", "target", "op", "value")
_node("ExprStmt", "expr")
_node("FnDef", "name", "params", "body", "private")
_node("BangCall", "name", "args")  # foo!(args), call!(fp, args): in the caller's scope
_node("Import", "path", "alias")  # import <path> [as alias];
_node("NsVar", "path", "name")  # m::sub::x (path: module alias, then sub-module names)
_node("NsCall", "path", "name", "args")  # m::sub::f(args)
