"""Questions the compiler asks of Rhai AST fragments: does it contain a node kind,
assign or mutate a variable, push to an array, run only cheap code; which variables
may share elements (``share_info``); is a function a base case plus recursion."""

from __future__ import annotations

from . import _ast as A
from ._pyast import _CMP

def has_node(node, cls):
    if isinstance(node, cls):
        return True
    if isinstance(node, A.Node):
        return any(has_node(getattr(node, fl, None), cls) for fl in node.fields)
    if isinstance(node, (list, tuple)):
        return any(has_node(x, cls) for x in node)
    return False


def _walk(node):
    """Every Rhai AST node in ``node`` (a node, list or tuple)."""
    todo = [node]
    while todo:
        x = todo.pop()
        if isinstance(x, A.Node):
            yield x
            todo.extend(getattr(x, fl, None) for fl in x.fields)
        elif isinstance(x, (list, tuple)):
            todo.extend(x)


_CALLBACKS = frozenset(("map", "filter", "some", "all", "reduce"))


def _plain_key(k):
    """A map key that can be written into a type string (see tmap)."""
    return type(k) is str and k.isidentifier()


# methods that change an array but never an element of it, nor hand one out uncopied
_QUERIES = frozenset(("len", "is_empty", "contains", "index_of"))
_TOP_ONLY = frozenset(("push", "insert", "append", "clear", "truncate", "sort", "reverse", "dedup", "pad"))


def _path(node):
    """(root variable name, number of index/property steps) of an access path."""
    k = 0
    while isinstance(node, (A.Index, A.Prop)):
        node = node.obj
        k += 1
    return (node.name if isinstance(node, A.Var) else None), k


def calls_eval(node):
    """Does ``node`` call ``eval`` or ``f!()`` (which can change any variable in scope)?"""
    return any((isinstance(x, A.Call) and x.name == "eval") or isinstance(x, A.BangCall) for x in _walk(node))


def share_info(body, comp):
    """Which variables of a function body (nested closures included, names only) may
    hold array/map elements shared with another array instead of copies. Returns
    (deep, touched): names whose elements may change in place or be handed out
    uncopied (not allowed for arrays sharing elements), and names whose own value
    may change in place (not allowed for a variable bound to a shared element)."""
    if calls_eval(body):
        return None
    deep, touched = set(), set()
    for x in _walk(body):
        if isinstance(x, A.Assign):
            root, k = _path(x.target)
            if root is None:
                continue
            if k >= 1 or x.op != "=":
                touched.add(root)
            if k >= 2 or (k >= 1 and x.op != "="):
                deep.add(root)
        elif isinstance(x, A.MethodCall):
            root, k = _path(x.obj)
            if root is None or comp.safe_method(x.name):
                continue
            touched.add(root)
            if k >= 1 or not (x.name in _TOP_ONLY or x.name in _CALLBACKS) or not comp.native_only(x.name, len(x.args)):
                deep.add(root)
        elif isinstance(x, A.Call) and x.args:
            root, k = _path(x.args[0])
            if root is not None and (comp.mutating(x.name, len(x.args)) or x.name in comp.registry.byref_names
                                     or x.name in ("take", "eval")):
                touched.add(root)
                deep.add(root)
    # filters whose result goes where its elements stay unchanged and are copied on the
    # way out: a variable of the above kind, a loop, a callback, a query
    ok = set()

    def mark(v):
        while isinstance(v, A.MethodCall) and v.name == "filter" and not v.safe:
            ok.add(id(v))
            v = v.obj
    for x in _walk(body):
        if isinstance(x, A.Let) and x.value is not None and x.name not in deep:
            mark(x.value)
        elif isinstance(x, A.Assign) and x.op == "=" and isinstance(x.target, A.Var) and x.target.name not in deep:
            mark(x.value)
        elif isinstance(x, A.For):
            mark(x.iter)
        elif isinstance(x, A.MethodCall) and (x.name in _CALLBACKS or x.name in _QUERIES):
            mark(x.obj)
    comp.share_ok |= ok
    return frozenset(deep), frozenset(touched)


def _root_name(node):
    while isinstance(node, (A.Index, A.Prop)):
        node = node.obj
    return node.name if isinstance(node, A.Var) else None


def _changes(x, name):
    """Is the node ``x`` itself an assignment, method call or call (first argument)
    that may change the variable ``name``?"""
    if isinstance(x, A.Assign):
        return _root_name(x.target) == name
    if isinstance(x, A.MethodCall):
        return _root_name(x.obj) == name
    if isinstance(x, A.Call):
        return bool(x.args) and isinstance(x.args[0], A.Var) and x.args[0].name == name
    return False


def assigns(node, name):
    """Could ``node`` change the variable ``name`` (assignment, method call, by-ref call)?"""
    return any(_changes(x, name) for x in _walk(node))


_LOOPS = (A.While, A.Loop, A.DoWhile, A.For, A.Closure)


def push_names(node, out):
    """Names of variables pushed to (``x.push(v)``) in ``node`` outside nested loops."""
    if isinstance(node, A.MethodCall) and node.name == "push" and isinstance(node.obj, A.Var):
        out.add(node.obj.name)
    if isinstance(node, _LOOPS):
        return out
    if isinstance(node, A.Node):
        for fl in node.fields:
            push_names(getattr(node, fl, None), out)
    elif isinstance(node, (list, tuple)):
        for x in node:
            push_names(x, out)
    return out


def push_sites(node, name):
    """How many times one run of ``node`` can grow the array variable ``name`` (only
    by ``name.push(v)``, outside nested loops); None if it may change it otherwise."""
    if isinstance(node, _LOOPS):
        return None if mentions(node, name) else 0
    n = 0
    if isinstance(node, A.MethodCall):
        if isinstance(node.obj, A.Var) and node.obj.name == name:
            if node.name != "push" or len(node.args) != 1:
                return None
            n = 1
        elif _root_name(node.obj) == name:
            return None
    elif isinstance(node, A.Assign):
        root, t = _root_name(node.target), node.target
        if root == name and not (isinstance(t, A.Index) and isinstance(t.obj, A.Var)):
            return None
    elif isinstance(node, A.Call) and node.args and isinstance(node.args[0], A.Var) and node.args[0].name == name:
        return None
    if isinstance(node, A.Node):
        kids = [getattr(node, fl, None) for fl in node.fields]
    elif isinstance(node, (list, tuple)):
        kids = node
    else:
        return 0
    for k in kids:
        m = push_sites(k, name)
        if m is None:
            return None
        n += m
    return n


_COUNTED_MAX = 1_000_000  # longest loop run without a tick (bounded, call-free body)


def _cheap(node):
    """Bounded-cost, call-free expression (constants, variables, arithmetic, indexing)."""
    if isinstance(node, (A.Const, A.Var)):
        return type(getattr(node, "value", 0)) in (int, bool, float)
    if isinstance(node, A.Binary):
        return node.op in ("+", "-", "*", "/", "%", "&", "|", "^", "<", "<=", ">", ">=", "==", "!=") and \
            _cheap(node.left) and _cheap(node.right)
    if isinstance(node, A.Index):
        return not node.safe and _cheap(node.obj) and _cheap(node.idx)
    return False


_GUARDABLE = (A.Var, A.Const, A.Binary, A.Unary, A.Index, A.In, A.ArrayLit, A.MapLit, A.GlobalVar)


def _guardable(node):
    """Expression compiled to straight-line code without calls or nested statements."""
    if isinstance(node, _GUARDABLE):
        if isinstance(node, A.Index) and node.safe:
            return False
        return all(_guardable(getattr(node, fl)) for fl in node.fields if isinstance(getattr(node, fl), A.Node))
    if isinstance(node, (list, tuple)):
        return all(_guardable(x) for x in node)
    return False


def _guardable_stmt(s):
    if isinstance(s, A.ExprStmt):
        return _guardable(s.expr)
    if isinstance(s, A.Let):
        return s.value is not None and _guardable(s.value)
    if isinstance(s, A.Assign):
        return isinstance(s.target, A.Var) and _guardable(s.value)
    return False


def _drops_keys(node, name):
    """Could ``node`` remove keys from the map variable ``name`` (or replace it)?
    Element stores ``name[k] = v`` only add or replace."""
    return any(_changes(x, name) and not (isinstance(x, A.Assign) and isinstance(x.target, A.Index)
                                          and isinstance(x.target.obj, A.Var))
               for x in _walk(node))


def _size(node):
    if isinstance(node, A.Node):
        return 1 + sum(_size(getattr(node, fl, None)) for fl in node.fields)
    if isinstance(node, (list, tuple)):
        return sum(_size(x) for x in node)
    return 0


def mentions(node, name):
    """Does the Rhai AST ``node`` read or write a variable called ``name``?"""
    if isinstance(node, A.Var):
        return node.name == name
    if isinstance(node, A.Node):
        return any(mentions(getattr(node, fl, None), name) for fl in node.fields)
    if isinstance(node, (list, tuple)):
        return any(mentions(x, name) for x in node)
    return False


def _prop_reads_only(node, name, safe_method):
    """Is every use of the variable ``name`` in ``node`` a property read ``name.p``
    (not assigned, no possibly mutating method on it or on its properties, not used by
    a nested closure)? Then a callback may receive a map of immutable values uncopied."""
    if isinstance(node, A.Var):
        return node.name != name
    if isinstance(node, A.Closure):
        return not mentions(node, name)
    if isinstance(node, A.Let) and node.name == name:
        return False
    if isinstance(node, A.Assign) and _root_name(node.target) == name:
        return False
    if isinstance(node, A.Prop) and isinstance(node.obj, A.Var) and node.obj.name == name:
        return True
    if isinstance(node, A.MethodCall) and _root_name(node.obj) == name and not safe_method(node.name):
        return False
    if isinstance(node, A.Node):
        return all(_prop_reads_only(getattr(node, fl, None), name, safe_method) for fl in node.fields)
    if isinstance(node, (list, tuple)):
        return all(_prop_reads_only(x, name, safe_method) for x in node)
    return True


_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}


def base_case(fd, tys):
    """For a body ``if p OP c { v } else { ... }`` (p an INT parameter, c an INT constant, v
    a parameter of an immutable type or a constant): (index of p, OP, c, index of v or
    (constant,)). Otherwise None."""
    b = fd.body.stmts
    if len(b) != 1 or not isinstance(b[0], A.ExprStmt) or not isinstance(b[0].expr, A.If):
        return None
    e = b[0].expr
    cond, then = e.cond, e.then
    if e.other is None or not isinstance(cond, A.Binary) or cond.op not in _CMP:
        return None
    op, left, right = cond.op, cond.left, cond.right
    if isinstance(left, A.Const):
        op, left, right = _FLIP[op], right, left
    if not (isinstance(left, A.Var) and left.name in fd.params and isinstance(right, A.Const)
            and type(right.value) is int):
        return None
    k = fd.params.index(left.name)
    if tys[k] != "int" or not isinstance(then, A.Block) or len(then.stmts) != 1 \
            or not isinstance(then.stmts[0], A.ExprStmt):
        return None
    v = then.stmts[0].expr
    if isinstance(v, A.Var) and v.name in fd.params and tys[fd.params.index(v.name)] in ("int", "float", "bool"):
        return k, op, right.value, fd.params.index(v.name)
    if isinstance(v, A.Const) and type(v.value) in (int, float, bool, str):
        return k, op, right.value, (v.value,)
    return None


_NONMUT = frozenset(("len", "is_empty", "contains", "index_of", "type_of", "keys", "values", "to_string",
                     "to_debug", "get", "is_shared"))


_RO_METHODS = _NONMUT | {"sub_string", "to_upper", "to_lower", "starts_with", "ends_with", "split", "chars",
                          "to_int", "to_float", "parse_int", "parse_float", "abs", "sign"}


SPECIAL_CALLS = frozenset(("Fn", "call", "curry", "type_of", "print", "debug", "is_def_fn", "is_def_var",
                           "is_shared", "eval"))
