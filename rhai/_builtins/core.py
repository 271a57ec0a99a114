"""Functions on any value: conversions, containment, function-pointer properties."""

from __future__ import annotations

from .._errors import err
from .._registry import ANY
from .._runtime import contains
from .._values import FnPtr, to_debug, to_string


def exit_(value=None):
    """``exit()`` / ``exit(value)``: ends the run from any depth; no ``catch`` sees it
    and the engine returns ``value`` as the result."""
    raise err("Exit", "Exit", value=value)


def fn_metadata(ctx, d, name=None, arity=None):
    """``get_fn_metadata_list([name[, arity]])``: one map per script function (sorted
    by name and arity): ``name``, ``access``, ``is_anonymous``, ``params``."""
    out = []
    for (key, n), fd in sorted(ctx.program_fns.items()):
        fname, _, this_type = key.partition("\0")  # a typed method: name\0type
        if (name is not None and fname != name) or (arity is not None and n != arity):
            continue
        meta = {"name": fname, "access": "private" if fd.private else "public",
                "is_anonymous": False, "params": list(fd.params)}
        if this_type:
            meta["this_type"] = this_type
        out.append(meta)
    return out


def register(reg):
    r = reg.register
    r("exit", (), exit_)
    r("exit", (ANY,), exit_)
    r("get_fn_metadata_list", (), fn_metadata, ctx=True)
    r("get_fn_metadata_list", ((str,),), fn_metadata, ctx=True)
    r("get_fn_metadata_list", ((str,), (int,)), fn_metadata, ctx=True)
    r("to_string", (ANY,), to_string)
    r("to_debug", (ANY,), to_debug)
    r("contains", (ANY, ANY), contains)
    fp = (FnPtr,)
    r("get$name", (fp,), lambda f: f.name)
    r("name", (fp,), lambda f: f.name)
    r("get$is_anonymous", (fp,), lambda f: f.is_anonymous)
    r("is_anonymous", (fp,), lambda f: f.is_anonymous)
