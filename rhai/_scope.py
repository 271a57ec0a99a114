"""``Scope``: host-provided variables, searched newest-first."""

from __future__ import annotations

__all__ = ["Scope"]


class Scope:
    def __init__(self):
        self._items = []  # [name, value, is_constant]

    def push(self, name, value):
        self._items.append([name, value, False])
        return self

    def push_constant(self, name, value):
        self._items.append([name, value, True])
        return self

    push_dynamic = push

    def _find(self, name):
        for it in reversed(self._items):
            if it[0] == name:
                return it
        return None

    def get_value(self, name, default=None):
        it = self._find(name)
        return default if it is None else it[1]

    def set_value(self, name, value):
        it = self._find(name)
        if it is None:
            self.push(name, value)
        elif it[2]:
            from ._errors import err
            raise err("ErrorAssignmentToConstant", f"Cannot modify constant {name}", variable=name)
        else:
            it[1] = value
        return self

    set_or_push = set_value

    def contains(self, name):
        return self._find(name) is not None

    __contains__ = contains

    def is_constant(self, name):
        it = self._find(name)
        return None if it is None else it[2]

    def remove(self, name):
        for i in range(len(self._items) - 1, -1, -1):
            if self._items[i][0] == name:
                return self._items.pop(i)[1]
        return None

    def len(self):
        return len(self._items)

    __len__ = len

    def rewind(self, n):
        del self._items[n:]

    def clear(self):
        self._items.clear()

    def iter(self):
        return [(n, v, c) for n, v, c in self._items]

    __iter__ = lambda self: iter(self.iter())  # noqa: E731

    def _snapshot(self):
        dyn = {}
        consts = set()
        for n, v, c in self._items:
            dyn[n] = v
            if c:
                consts.add(n)
            else:
                consts.discard(n)
        return dyn, consts
