"""Core built-in function table (the language needs these; the full standard
library is added later by registering more functions the same way)."""

from __future__ import annotations

from .._registry import Registry
from . import core

__all__ = ["default_registry"]

_DEFAULT = None


def default_registry():
    global _DEFAULT
    if _DEFAULT is None:
        reg = Registry()
        core.register(reg)
        _DEFAULT = reg
    return _DEFAULT
