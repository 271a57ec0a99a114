"""The compiler's static facts about values: types (``int``, ``str``, ``list:<T>``,
``map{field:type,...}``, ``?`` = no value yet, ``None`` = unknown) and INT ranges
(``(lo, hi)``, ``EMPTY`` = no value yet, ``None`` = unknown), with their joins."""

from __future__ import annotations

import functools

from ._values import INT_MAX, INT_MIN

# Static types: None = unknown; "int", "str", "bool", "float"; "list" = array of unknown
# elements, "list:<T>" = array whose elements all have type T; "?" = no value yet
# (bottom, e.g. the element type of an empty array literal).
BOT = "?"
_SCALAR = frozenset(("int", "str", "bool", "float"))


_INTISH = frozenset(("int", BOT))


def islist(t):
    return t is not None and t.startswith("list")


def elem_of(t):
    if t is not None and t.startswith("list:"):
        return t[5:]
    return BOT if t == BOT else None


def ismap(t):
    return t is not None and t.startswith("map")


@functools.lru_cache(maxsize=4096)
def map_fields(t):
    """{field: scalar type} of a map type ``map{a:int,b:str}`` (``map``: none known)."""
    if not t.startswith("map{"):
        return {}
    return dict(kv.split(":", 1) for kv in t[4:-1].split(","))


def tmap(fields):
    """Map type whose listed fields are known to be present with those scalar types."""
    if not fields:
        return "map"
    return "map{" + ",".join(f"{k}:{fields[k]}" for k in sorted(fields)) + "}"


def tjoin(a, b):
    if a == b:
        return a
    if a == BOT:
        return b
    if b == BOT:
        return a
    if ismap(a) and ismap(b):  # fields present in both with the same type
        fa, fb = map_fields(a), map_fields(b)
        return tmap({k: t for k, t in fa.items() if fb.get(k) == t})
    if islist(a) and islist(b):
        if a == "list" or b == "list":
            return "list"
        e = tjoin(a[5:], b[5:])
        return "list" if e is None else "list:" + e
    return None


def tlist(e):
    """Array type with element type e (nesting capped)."""
    if e is None or e.count("list") >= 3:
        return "list"
    return "list:" + e


# Integer value ranges: (lo, hi), EMPTY (no value yet) or None (unknown). A variable's
# range covers its INT value, or the INT leaves of its arrays ("list:int", ...).
EMPTY = "E"


def r_hull(a, b):
    if a is None or b is None:
        return None
    if a == EMPTY:
        return b
    if b == EMPTY:
        return a
    return (min(a[0], b[0]), max(a[1], b[1]))


def r_add(a, b):
    if a is None or b is None:
        return None
    if a == EMPTY or b == EMPTY:
        return EMPTY
    return (a[0] + b[0], a[1] + b[1])


def r_neg(a):
    if a is None or a == EMPTY:
        return a
    return (-a[1], -a[0])


def r_mul(a, b):
    if a is None or b is None:
        return None
    if a == EMPTY or b == EMPTY:
        return EMPTY
    ps = (a[0] * b[0], a[0] * b[1], a[1] * b[0], a[1] * b[1])
    return (min(ps), max(ps))


def r_widen(old, new):
    """Join for the interprocedural fix-point: a bound that moves jumps to 0 / the i64 limit."""
    r = r_clamp(r_hull(old, new))
    if r is None or r == EMPTY or old == EMPTY or r == old:
        return r
    lo = r[0] if r[0] >= old[0] else (0 if r[0] >= 0 else INT_MIN)
    hi = r[1] if r[1] <= old[1] else INT_MAX
    return (lo, hi)


def r_fits(r):
    return r is not None and (r == EMPTY or (INT_MIN <= r[0] and r[1] <= INT_MAX))


def r_clamp(r):
    if r is None or r == EMPTY:
        return r
    lo, hi = max(r[0], INT_MIN), min(r[1], INT_MAX)
    return (lo, hi) if lo <= hi else EMPTY


def int_len_range(r):
    """Range of len(str(x)) for x in the INT range r."""
    if r is None:
        return (1, 20)
    if r == EMPTY:
        return EMPTY
    return (1, max(len(str(r[0])), len(str(r[1]))))


def r_meet(a, b):
    if a is None:
        return b
    if b is None:
        return a
    if a == EMPTY or b == EMPTY:
        return EMPTY
    lo, hi = max(a[0], b[0]), min(a[1], b[1])
    return (lo, hi) if lo <= hi else EMPTY


_GUARD = {"int": "int", "str": "str", "bool": "bool", "float": "float", "map": "dict", "list": "list"}


# result types of string methods on a string receiver: (name, arguments after it)
_STR_METHOD_TYPES = {("split", 1): "list:str", ("split", 0): "list:str", ("split_rev", 1): "list:str",
                     ("to_upper", 0): "str", ("to_lower", 0): "str", ("sub_string", 1): "str",
                     ("sub_string", 2): "str", ("len", 0): "int", ("index_of", 1): "int",
                     ("index_of", 2): "int", ("contains", 1): "bool", ("starts_with", 1): "bool",
                     ("ends_with", 1): "bool"}
