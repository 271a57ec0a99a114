"""Compile-time state of one generated Python function (``Fn``) and of one Rhai
variable in it (``VarInfo``)."""

from __future__ import annotations


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
