"""The standard library: every native function scripts can call, registered
into one shared ``Registry`` (see docs/rhai.md, "Adding built-in functions")."""

from __future__ import annotations

from .._registry import Registry
from . import arrays, blobs, core, json, maps, math, ranges, strings, time

__all__ = ["default_registry"]

_DEFAULT = None

_MODULES = (strings, arrays, maps, json, math, ranges, blobs, time, core)


def default_registry():
    global _DEFAULT
    if _DEFAULT is None:
        reg = Registry()
        for mod in _MODULES:
            mod.register(reg)
        _DEFAULT = reg
    return _DEFAULT
