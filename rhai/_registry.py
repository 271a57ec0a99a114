"""Native (Python) function registry with Rhai-style overload resolution.

See docs/rhai.md, "Adding built-in functions".
"""

from __future__ import annotations

from ._values import type_of

__all__ = ["Registry", "Native", "ANY", "STR", "NUM", "sig_name"]

ANY = None
STR = (str,)  # a Rhai string (not a char)
NUM = (int, float)


class Native:
    __slots__ = ("name", "types", "fn", "pure", "by_ref", "ctx", "host")

    def __init__(self, name, types, fn, pure=True, by_ref=False, ctx=False, host=False):
        self.name = name
        self.types = types
        self.fn = fn
        self.pure = pure
        self.by_ref = by_ref
        self.ctx = ctx
        self.host = host

    def matches(self, argtypes):
        for p, t in zip(self.types, argtypes):
            if p is None:
                continue
            if type(p) is tuple:
                if t not in p:
                    return False
            elif t is not p:
                return False
        return True


class Registry:
    def __init__(self, parent=None):
        self.by_key = {}  # (name, arity) -> [Native]
        self.cache = {}
        self.byref_names = set()
        self.impure_names = set()
        self.host_names = set()  # names with functions registered by the host
        if parent is not None:
            for k, v in parent.by_key.items():
                self.by_key[k] = list(v)
            self.byref_names |= parent.byref_names
            self.impure_names |= parent.impure_names
            self.host_names |= parent.host_names
        self.codegen_names = (frozenset(self.byref_names), frozenset(self.host_names))

    def register(self, name, types, fn, *, pure=True, by_ref=False, ctx=False, host=False, first=False):
        types = tuple(t if t is None or type(t) is tuple else t for t in types)
        nat = Native(name, types, fn, pure=pure and not by_ref, by_ref=by_ref, ctx=ctx, host=host)
        lst = self.by_key.setdefault((name, len(types)), [])
        if first:
            lst.insert(0, nat)
        else:
            lst.append(nat)
        if by_ref:
            self.byref_names.add(name)
        if not nat.pure:
            self.impure_names.add(name)
        if host:
            self.host_names.add(name)
        # what compiled code depends on (part of the AST code cache key), frozen here
        # rather than at every run
        self.codegen_names = (frozenset(self.byref_names), frozenset(self.host_names))
        self.cache.clear()
        return nat

    def resolve(self, name, args):
        key = (name, tuple(map(type, args)))
        try:
            return self.cache[key]
        except KeyError:
            pass
        found = None
        for nat in self.by_key.get((name, len(args)), ()):
            if nat.matches(key[1]):
                found = nat
                break
        if len(self.cache) > 4096:
            self.cache.clear()
        self.cache[key] = found
        return found

    def has(self, name, arity):
        return (name, arity) in self.by_key


def sig_name(v):
    t = type(v)
    if t is str:
        return "&str | ImmutableString | String"
    return type_of(v)
