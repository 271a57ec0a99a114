"""Functions on any value: conversions, containment, function-pointer properties."""

from __future__ import annotations

from .._registry import ANY
from .._runtime import contains
from .._values import FnPtr, to_debug, to_string


def register(reg):
    r = reg.register
    r("to_string", (ANY,), to_string)
    r("to_debug", (ANY,), to_debug)
    r("contains", (ANY, ANY), contains)
    fp = (FnPtr,)
    r("get$name", (fp,), lambda f: f.name)
    r("name", (fp,), lambda f: f.name)
    r("get$is_anonymous", (fp,), lambda f: f.is_anonymous)
    r("is_anonymous", (fp,), lambda f: f.is_anonymous)
