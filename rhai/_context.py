"""Per-run state (``RunCtx``) and the globals dictionary generated code runs in."""

from __future__ import annotations

import sys
import time
from itertools import chain, islice, repeat

from . import _runtime as R
from ._errors import UNCATCHABLE, EvalAltResult, Position, err
from ._lexer import KEYWORDS, RESERVED_WORDS, SPECIAL_FNS
from ._parser import typed_name
from ._runtime import UNB, WB, Ref, fn_not_found, mismatch
from ._values import Char, FnPtr, Shared, module, timestamp, to_debug, to_string, type_of

_BASE = {
    "__builtins__": {},
    "type": type, "int": int, "float": float, "str": str, "list": list, "dict": dict, "bool": bool,
    "len": len, "sum": sum, "map": map, "max": max, "enumerate": enumerate, "IndexError": IndexError,
    "_E": EvalAltResult, "_UNB": UNB, "_WB": WB, "_Shared": Shared,
    "_sub": R.sub, "_mul": R.mul, "_div": R.div, "_mod": R.mod, "_pow": R.power,
    "_shl": R.shl, "_shr": R.shr, "_band": R.band, "_bor": R.bor, "_bxor": R.bxor,
    "_eq": R.eq, "_ne": R.ne, "_lt": R.lt, "_le": R.le, "_gt": R.gt, "_ge": R.ge,
    "_neg": R.neg, "_pos": R.pos, "_not": R.lnot, "_cond": R.cond, "_cp": R.cp,
    "_contains": R.contains, "_range": R.mkrange, "_idx": R.idx, "_iter": R.iterate,
    "_throw": R.throw_error, "_type_of": type_of, "_Char": Char, "_IMMT": R._IMM,
}

TICK_CHUNK = 1024


def _strip(r):
    return r.r if type(r) is WB else r


def _retwb(r, this):
    return r if this is UNB else WB(r, this)


def _this(t):
    if t is UNB:
        raise err("ErrorUnboundThis", "'this' not bound")
    return t


def _prange(a, b, incl):
    if type(a) is int and type(b) is int:
        return range(a, b + 1) if incl else range(a, b)
    raise fn_not_found("..=" if incl else "..", (a, b))


def _swrange(v, a, b, incl):
    t = type(v)
    if t is int:
        return a <= v <= b if incl else a <= v < b
    if t is float:
        return a <= v <= b if incl else a <= v < b
    return False


def _exact_eq(a, b):
    if type(a) is not type(b):
        return False
    if type(a) is list:
        return len(a) == len(b) and all(_exact_eq(x, y) for x, y in zip(a, b))
    if type(a) is dict:
        return a.keys() == b.keys() and all(_exact_eq(v, b[k]) for k, v in a.items())
    if type(a) is FnPtr:
        return a.name == b.name and len(a.curry) == len(b.curry) and all(
            _exact_eq(x, y) for x, y in zip(a.curry, b.curry))
    return a == b


def _so():
    return err("ErrorStackOverflow", "Stack overflow")


def _constmod(name):
    return err("ErrorAssignmentToConstant", f"Cannot modify constant {name}", variable=name)


def _toomanyvars():
    return err("ErrorTooManyVariables", "Too many variables defined")


def _wrapfn(e, name):
    if e.kind in UNCATCHABLE:
        return e
    R.fix_pos(e)
    pos = R.caller_pos(3)
    where = "in closure call" if name.startswith("anon$") else f"in call to function '{name}'"
    return EvalAltResult("ErrorInFunctionCall", f"{e}\n{where}", pos, function=name, source="", inner=e)


def _wrapat(e, name, line, col):
    """_wrapfn for an inlined call: the call's position is given."""
    if e.kind in UNCATCHABLE:
        return e
    R.fix_pos(e)
    where = "in closure call" if name.startswith("anon$") else f"in call to function '{name}'"
    return EvalAltResult("ErrorInFunctionCall", f"{e}\n{where}", Position(line, col) if line else Position.NONE,
                         function=name, source="", inner=e)


def _catch(e):
    if e.kind in UNCATCHABLE:
        raise e
    R.fix_pos(e)
    return R.catch_value(e)


def _submodule(mod, path):
    for i, name in enumerate(path[1:], 1):
        sub = mod.subs.get(name)
        if sub is None:
            n = "::".join(path[:i + 1])
            raise err("ErrorModuleNotFound", f"Module not found: {n}", module=n)
        mod = sub
    return mod


def _nsvar(mod, path, name):
    """``m::x``: a copy of the module's exported variable."""
    v = _submodule(mod, path).vars.get(name, _MISSING)
    if v is _MISSING:
        n = "::".join(path) + "::" + name
        raise err("ErrorVariableNotFound", f"Variable not found: {n}", variable=n)
    return R.cp(v)


def _nscall(d, mod, path, name, *args):
    """``m::f(args)``: the module's public script function (``this`` unbound)."""
    fn = _submodule(mod, path).fns.get((name, len(args)))
    if fn is None:
        raise fn_not_found("::".join(path) + "::" + name, args)
    r = fn(d, UNB, *args)
    return r.r if type(r) is WB else r


_MISSING = object()


def _mkclosure(fn, name, ncells, *cells):
    return FnPtr(name, fn=fn, curry=cells, is_anonymous=True)


def _fnptr(name):
    return FnPtr(name)


def _mkfnptr(name):
    if type(name) is not str:
        raise mismatch("string", type_of(name))
    if name in KEYWORDS or name in RESERVED_WORDS or (name in SPECIAL_FNS and name != "Fn"):
        from ._errors import ParseError
        raise ParseError("Reserved", f"'{name}' is a reserved keyword", None)
    ok = name and name.lstrip("_")[:1].isalpha() and all(c.isascii() and (c.isalnum() or c == "_") for c in name)
    if not ok:
        raise err("ErrorFunctionNotFound", f"Function not found: {name}", function=name)
    return FnPtr(name)


def _curry(fp, *xs):
    if type(fp) is not FnPtr:
        raise fn_not_found("curry", (fp,) + xs)
    return FnPtr(fp.name, fp.fn, fp.curry + tuple(R.cp(x) for x in xs), fp.is_anonymous)


def _istr_plain(*parts):
    return "".join(p if type(p) is str else to_string(p) for p in parts)


class RunCtx:
    """Everything that belongs to one run; compiled ASTs hold none of it."""

    def __init__(self, engine, dyn=None, dyn_const=(), fn_scope=None):
        self.engine = engine
        self.reg = engine._registry
        self.dyn = dyn if dyn is not None else {}
        self.dyn_const = set(dyn_const)
        self.fn_scope = fn_scope
        self.program_fns = {}  # (name, arity) -> FnDef: get_fn_metadata_list, eval
        self.globals = None  # the run's globals (make_globals); eval runs its code in a copy
        self.eval_cache = {}  # (text, names in scope) -> code
        self.modules = {}  # alias -> module imported at the top level (for functions, closures)
        self.module_cache = {}  # path -> module, each imported once per run
        self.module_loading = set()  # paths being imported (cycles)
        self.consts = {}
        for k in self.dyn_const:
            if k in self.dyn:
                self.consts[k] = self.dyn[k]
        self.fns = {}
        self.ops = 0
        self.max_str = engine._max_string_size
        self.max_arr = engine._max_array_size
        self.max_map = engine._max_map_size
        self.deadline = (time.monotonic() + engine._time_limit) if engine._time_limit else None

    # -------------------------------------------------------------- setup
    def make_globals(self):
        g = dict(_BASE)
        g.update(
            _tick=self.make_ticker(), _T=self.tick_it, _charge=self.charge, _trycharge=self.try_charge, next=next, _chunks=self.chunks, _rchunks=self.rchunks, _chkmap=self.check_map, _MAXD=self.engine._max_call_levels or sys.maxsize,
            _so=_so, _wrapfn=_wrapfn, _wrapat=_wrapat, _retwb=_retwb, _toomanyvars=_toomanyvars, _catch=_catch,
            _this=_this, _constmod=_constmod, _strip=_strip, _prange=_prange, _swrange=_swrange,
            _swmatch=_exact_eq, _mkclosure=_mkclosure, _fnptr=_fnptr, _mkfnptr=_mkfnptr, _curry=_curry,
            _add=self.add, _iadd=self.iadd, _istr=self.istr if self.max_str else _istr_plain,
            _gv=self.gv, _sv=self.sv, _gvf=self.gvf, _gconst=self.gconst, _defconst=self.defconst,
            _getpath=self.getpath, _setpath=self.setpath, _setidx=self.setidx, _getp=self.getp,
            _call=self.call, _callt=self.callt, _callm=self.callm, _callmc=self.callmc,
            _callfp=self.callfp, _callmfp=self.callmfp, _print=self.print_, _debug=self.debug_,
            _is_def_fn=self.is_def_fn, _is_dyn_var=self.is_dyn_var, _eval=self.eval_, _callmt=self.callmt,
            _import=self.import_, _gmod=self.gmod, _nsvar=_nsvar, _nscall=_nscall, _callbang=self.callbang,
        )
        g.update(self.make_dispatch())
        self.globals = g
        return g

    # -------------------------------------------------------------- modules
    def import_(self, d, path, alias):
        """``import path [as alias]``: the module, run once per run (its top-level code
        in its own scope, with this run's operations, limits and deadline)."""
        if type(path) is not str:
            raise mismatch("string", type_of(path))
        loaded = self.module_cache
        mod = loaded.get(path)
        if mod is None:
            if path in self.module_loading:
                raise err("ErrorInModule", f"Error in module '{path}': cyclic import", module=path)
            engine = self.engine
            if engine._max_modules is not None and len(loaded) >= engine._max_modules:
                raise err("ErrorTooManyModules", "Too many modules imported")
            resolver = engine._module_resolver
            source = resolver(path) if resolver is not None else None
            if type(source) is not str:
                raise err("ErrorModuleNotFound", f"Module not found: {path}", module=path)
            self.module_loading.add(path)
            try:
                mod = self._load_module(d, path, source)
            except EvalAltResult as e:
                if (e.kind in UNCATCHABLE and e.kind != "ErrorParsing") or \
                        (e.kind == "ErrorInModule" and e.fields.get("module") == path):
                    raise
                R.fix_pos(e)
                raise err("ErrorInModule", f"Error in module '{path}': {e}", module=path, inner=e) from None
            finally:
                self.module_loading.discard(path)
            loaded[path] = mod
        if alias is not None:
            self.modules[alias] = mod
        return mod

    def _load_module(self, d, path, source):
        from ._parser import parse

        engine = self.engine
        self.charge(1 + len(source))
        key = (path, source)
        compiled = engine._modules.get(key)
        if compiled is None:
            prog = parse(source, **engine._limits())
            compiled = (prog, engine._compile_program(prog))
            if len(engine._modules) > 256:
                engine._modules.clear()
            engine._modules[key] = compiled
        prog, code = compiled
        g, (_, top, _) = self._run_main(code, d + 1, {}, set(), isolated=True)
        subs = {k[:-2]: v for k, v in top.items() if k.endswith("::")}
        exported = {}
        for name, alias in prog.exports:
            if name not in top:
                raise err("ErrorVariableNotFound", f"Variable not found: {name}", variable=name)
            v = top[name]
            exported[alias] = v.v if type(v) is Shared else v
        fns = {k: g["_FNS"][k] for k, fd in prog.fns.items() if not fd.private}
        return module(path, exported, fns, subs)

    def _run_main(self, code, d, dyn, consts, isolated=False):
        """Run a program's top-level code in a copy of this run's globals (so the
        operation counter, limits and deadline are shared) with ``dyn``/``consts`` as its
        dynamic scope; ``isolated`` (a module): with its own function table and module
        aliases. Returns (its globals, what its ``_main`` returned)."""
        g = dict(self.globals)
        exec(code, g)
        saved = (self.dyn, self.dyn_const, self.fns, self.modules)
        self.dyn, self.dyn_const = dyn, consts
        if isolated:
            self.fns, self.modules = g["_FNS"], {}
        try:
            return g, g["_main"](d)
        finally:
            self.dyn, self.dyn_const, self.fns, self.modules = saved

    @staticmethod
    def _write_back(scope, env, dyn):
        """After code ran with ``scope`` (the dynamic scope ``dyn`` overlaid with the
        caller's variables ``env``): the values back into both (a caller's variable
        shadows a dynamic one of the same name)."""
        for k in env:
            env[k] = scope[k]
        for k in dyn:
            if k not in env:
                dyn[k] = scope[k]

    def gmod(self, alias):
        mod = self.modules.get(alias)
        if mod is None:
            raise err("ErrorModuleNotFound", f"Module not found: {alias}", module=alias)
        return mod

    # -------------------------------------------------------------- f!()
    def callbang(self, d, name, consts, env, *args):
        """``name!(args)``: the script function runs with the caller's variables (``env``,
        written back by the caller) as the variables it does not declare itself.
        ``call!(fp, args)`` does the same for a named function pointer."""
        if name == "call" and args and (name, len(args)) not in self.fns:
            fp, args = args[0], args[1:]
            if type(fp) is str:
                fp = FnPtr(fp)
            if type(fp) is not FnPtr or fp.fn is not None:
                raise fn_not_found("call!", (fp,) + args)
            name, args = fp.name, tuple(fp.curry) + args
        fn = self.fns.get((name, len(args)))
        if fn is None:
            raise fn_not_found(name + "!", args)
        saved = (self.dyn, self.fn_scope, self.dyn_const)
        scope = {**self.dyn, **env}
        self.dyn = self.fn_scope = scope  # reads (_gvf) and writes (_sv) of undeclared names
        self.dyn_const = self.dyn_const | set(consts)
        try:
            r = fn(d, UNB, *args)
        finally:
            self.dyn, self.fn_scope, self.dyn_const = saved
        self._write_back(scope, env, saved[0])
        return r.r if type(r) is WB else r

    # -------------------------------------------------------------- eval
    def eval_(self, d, text, env, consts, top, line, col):
        """``eval(text)`` called with the caller's variables in ``env`` (written back by
        the caller): the text is compiled (with the script's functions, no new ones) and
        run in this run's globals, so operations, limits and deadline are shared. Its
        top-level variables persist: in ``env`` if the caller has them, else (at the
        script's top level) in the dynamic scope later code reads by name. Errors come
        wrapped as a call of ``eval``."""
        if type(text) is not str:
            raise mismatch("string", type_of(text))
        self.charge(1 + len(text))  # compiling costs in proportion; checks the deadline too
        try:
            return self._eval(d, text, env, consts, top)
        except EvalAltResult as e:
            if e.kind == "ErrorParsing":  # the text's syntax error is a runtime error here
                R.fix_pos(e)
                raise EvalAltResult("ErrorInFunctionCall", f"{e}\nin call to function 'eval'",
                                    Position(line, col) if line else Position.NONE,
                                    function="eval", source="", inner=e) from None
            raise _wrapat(e, "eval", line, col) from None

    def _eval(self, d, text, env, consts, top):
        from ._parser import Program, parse

        engine = self.engine
        names = frozenset(self.dyn) | frozenset(env)
        key = (text, names)
        cache = self.eval_cache
        code = cache.get(key)
        if code is None:
            prog = parse(text, **engine._limits())
            if prog.fns:
                fd = next(iter(prog.fns.values()))
                raise err("ErrorParsing", "Function definitions are not allowed in eval", fd.pos)
            code = engine._compile_program(Program(prog.stmts, dict(self.program_fns), text), names)
            if len(cache) > 64:
                cache.clear()
            cache[key] = code
        saved_dyn = self.dyn
        scope = {**saved_dyn, **env}
        _, (value, made, made_consts) = self._run_main(code, d, scope, self.dyn_const | set(consts))
        self._write_back(scope, env, saved_dyn)
        for k, v in made.items():
            if k.endswith("::"):  # a module alias: stays in the eval
                continue
            v = v.v if type(v) is Shared else v
            if k in env:
                env[k] = v
            elif top:
                saved_dyn[k] = v
                if k in made_consts:
                    self.dyn_const = self.dyn_const | {k}
        return value

    def make_dispatch(self):
        """Cached native dispatch for method calls ``o.f(a…)`` (``_cm0``…``_cm3``) and
        function calls ``f(a…)`` (``_ct0``…``_ct3``).  Keyed by ``(name, type(arg)…)``, a
        hit is one dict lookup + a direct call of the native; only natives that
        ``invoke`` would call plainly are cached (not ``by_ref``, not host functions);
        a non-pure one is wrapped with the size re-check ``invoke`` does.  A map
        receiver holding a function pointer under the method's name takes the slow
        path (``callm``), as do all misses.  Per run: a registry change during a run
        is not seen by calls already cached."""
        fast = {}  # key -> fn(*args)
        fm = {}  # the same for keys whose first argument is not a map: looked up by call sites
        fastc = {}  # key -> fn(ctx, d, *args)
        seen = set()
        ctx = self
        resolve = self.reg.resolve
        callm = self.callm
        callt = self.callt
        check_any = self.check_any
        limits = bool(self.max_arr or self.max_map or self.max_str)

        def learn(k, name, args):
            seen.add(k)
            nat = resolve(name, args)
            if nat is None or nat.by_ref or nat.host:
                return
            fn = nat.fn
            raw = getattr(fn, "_charged", None) if nat.ctx else None
            if raw is not None and (nat.pure or not limits):
                # strings.charged(raw): charges len(s) ops from 64 characters on, needs no depth
                n = len(args)
                _f, _charge = raw, ctx.charge
                if n == 1:
                    def fn(s):
                        if len(s) >= 64:
                            _charge(len(s))
                        return _f(s)
                elif n == 2:
                    def fn(s, a):
                        if len(s) >= 64:
                            _charge(len(s))
                        return _f(s, a)
                else:
                    def fn(s, *a):
                        if len(s) >= 64:
                            _charge(len(s))
                        return _f(s, *a)
                fast[k] = fn
                if k[1:2] != (dict,):
                    fm[k] = fn
                return
            if nat.ctx:
                if not nat.pure and limits:
                    def fn(c, d, *a, _f=fn):
                        r = _f(c, d, *a)
                        if a:
                            check_any(a[0])
                        return r
                fastc[k] = fn
            else:
                if not nat.pure and limits:
                    def fn(*a, _f=fn):
                        r = _f(*a)
                        if a:
                            check_any(a[0])
                        return r
                fast[k] = fn
                if k[1:2] != (dict,):
                    fm[k] = fn

        def slow_m(k, d, name, o, *a):
            if k not in seen:
                learn(k, name, (o,) + a)
            return callm(d, name, o, *a)

        def slow_t(k, d, name, *a):
            if k not in seen:
                learn(k, name, a)
            return callt(d, name, *a)

        def cm0(d, name, o):
            k = (name, type(o))
            if type(o) is not dict or type(o.get(name)) is not FnPtr:
                f = fast.get(k)
                if f is not None:
                    return f(o)
                f = fastc.get(k)
                if f is not None:
                    return f(ctx, d, o)
            return slow_m(k, d, name, o)

        def cm1(d, name, o, a):
            k = (name, type(o), type(a))
            if type(o) is not dict or type(o.get(name)) is not FnPtr:
                f = fast.get(k)
                if f is not None:
                    return f(o, a)
                f = fastc.get(k)
                if f is not None:
                    return f(ctx, d, o, a)
            return slow_m(k, d, name, o, a)

        def cm2(d, name, o, a, b):
            k = (name, type(o), type(a), type(b))
            if type(o) is not dict or type(o.get(name)) is not FnPtr:
                f = fast.get(k)
                if f is not None:
                    return f(o, a, b)
                f = fastc.get(k)
                if f is not None:
                    return f(ctx, d, o, a, b)
            return slow_m(k, d, name, o, a, b)

        def cm3(d, name, o, a, b, c):
            k = (name, type(o), type(a), type(b), type(c))
            if type(o) is not dict or type(o.get(name)) is not FnPtr:
                f = fast.get(k)
                if f is not None:
                    return f(o, a, b, c)
                f = fastc.get(k)
                if f is not None:
                    return f(ctx, d, o, a, b, c)
            return slow_m(k, d, name, o, a, b, c)

        def ct0(d, name):
            k = (name,)
            f = fast.get(k)
            if f is not None:
                return f()
            f = fastc.get(k)
            if f is not None:
                return f(ctx, d)
            return slow_t(k, d, name)

        def ct1(d, name, a):
            k = (name, type(a))
            f = fast.get(k)
            if f is not None:
                return f(a)
            f = fastc.get(k)
            if f is not None:
                return f(ctx, d, a)
            return slow_t(k, d, name, a)

        def ct2(d, name, a, b):
            k = (name, type(a), type(b))
            f = fast.get(k)
            if f is not None:
                return f(a, b)
            f = fastc.get(k)
            if f is not None:
                return f(ctx, d, a, b)
            return slow_t(k, d, name, a, b)

        def ct3(d, name, a, b, c):
            k = (name, type(a), type(b), type(c))
            f = fast.get(k)
            if f is not None:
                return f(a, b, c)
            f = fastc.get(k)
            if f is not None:
                return f(ctx, d, a, b, c)
            return slow_t(k, d, name, a, b, c)

        return {"_FM": fm, "_cm0": cm0, "_cm1": cm1, "_cm2": cm2, "_cm3": cm3,
                "_ct0": ct0, "_ct1": ct1, "_ct2": ct2, "_ct3": ct3}

    def make_ticker(self):
        eng = self.engine
        maxops = eng._max_operations
        progress = eng._on_progress
        deadline = self.deadline
        chunk_size = 64 if progress is not None else TICK_CHUNK
        ctx = self
        self.extra = 0  # operations charged in bulk (charge()), not through the ticker
        self.singles = 0  # ticker operations handed out (the current chunk counts whole)
        self.cur = repeat(None, 0)  # the ticker's current chunk

        def gen():
            ops = 0
            while True:
                total = ops + ctx.extra
                ctx.ops = total
                if deadline is not None and time.monotonic() > deadline:
                    raise err("ErrorTerminated", "Script terminated", token=None)
                if progress is not None:
                    tok = progress(total)
                    if tok is not None:
                        raise err("ErrorTerminated", "Script terminated", token=tok)
                if maxops:
                    if total >= maxops:
                        raise err("ErrorTooManyOperations", "Too many operations")
                    chunk = min(chunk_size, maxops - total)
                else:
                    chunk = chunk_size
                ops += chunk
                ctx.singles = ops
                ctx.cur = r = repeat(None, chunk)
                yield r

        def charge(n):
            """Charge ``n`` operations at once (O(1)); raises like the ticker."""
            ctx.extra += n
            total = ctx.singles - ctx.cur.__length_hint__() + ctx.extra
            ctx.ops = total
            if maxops and total > maxops:
                raise err("ErrorTooManyOperations", "Too many operations")
            if deadline is not None and time.monotonic() > deadline:
                raise err("ErrorTerminated", "Script terminated", token=None)
            if progress is not None:
                tok = progress(total)
                if tok is not None:
                    raise err("ErrorTerminated", "Script terminated", token=tok)

        def try_charge(n):
            """Charge ``n`` operations if they fit in the budget (True), else charge nothing."""
            if maxops and ctx.singles - ctx.cur.__length_hint__() + ctx.extra + n > maxops:
                return False
            charge(n)
            return True

        self.charge = charge
        self.try_charge = try_charge
        self.tick_it = it = chain.from_iterable(gen())
        return it.__next__

    def rchunks(self, a, b, incl):
        """Chunks of ``a..b`` / ``a..=b``; a short range is one chunk, charged at once."""
        if type(a) is not int or type(b) is not int:
            raise fn_not_found("..=" if incl else "..", (a, b))
        r = range(a, b + 1) if incl else range(a, b)
        n = len(r)
        if n <= 1024:
            if n:
                self.charge(n)
            return (r,)
        return self.chunks(r)

    def chunks(self, it):
        """Iterate in batches, charging one operation per item before each batch."""
        charge = self.charge
        if type(it) is range or type(it) is list:
            n = len(it)
            for k in range(0, n, 1024):
                piece = it[k:k + 1024]
                charge(len(piece))
                yield piece
            return
        it = iter(it)
        while True:
            piece = list(islice(it, 1024))
            if not piece:
                return
            charge(len(piece))
            yield piece

    # -------------------------------------------------------------- sizes
    def check_str(self, s):
        m = self.max_str
        if m and len(s) * 4 > m and (len(s) > m or len(s.encode()) > m):
            raise err("ErrorDataTooLarge", "Length of string too large", type="Length of string")
        return s

    def check_arr(self, a):
        m = self.max_arr
        if m and _deep_len(a) > m:
            raise err("ErrorDataTooLarge", "Size of array/BLOB too large", type="Size of array/BLOB")
        return a

    def check_map(self, d):
        m = self.max_map
        if m and len(d) > m:
            raise err("ErrorDataTooLarge", "Size of object map too large", type="Size of object map")
        return d

    def check_any(self, v):
        t = type(v)
        if t is str:
            return self.check_str(v)
        if t is list or t is bytearray:
            return self.check_arr(v)
        if t is dict:
            return self.check_map(v)
        return v

    # -------------------------------------------------------------- operators
    def add(self, a, b):
        ta, tb = type(a), type(b)
        if ta is int and tb is int:
            return R.chk(a + b, f"Addition overflow: {a} + {b}")
        if ta is str:
            if b is None:
                return a
            r = a + (b if tb is str else to_string(b))
            return self.check_str(r) if self.max_str else r
        if tb is str:
            if a is None:
                return b
            if ta is bytearray:
                r = a.decode("utf-8", "replace") + b
            else:
                r = to_string(a) + b
            return self.check_str(r) if self.max_str else r
        if ta is Char and tb is Char:
            return str(a) + str(b)
        if (ta is int or ta is float) and (tb is int or tb is float):
            return float(a) + float(b)
        if ta is list and tb is list:  # (copies: either side's elements may be a variable's)
            return self.check_arr(R.deep(a) + R.deep(b))
        if ta is dict and tb is dict:
            r = R.deep(a)
            r.update(R.deep(b))
            return self.check_map(r)
        if ta is bytearray:
            if tb is bytearray:
                return self.check_arr(a + b)
            if tb is Char:
                return self.check_arr(a + str(b).encode())
        if ta is timestamp and (tb is int or tb is float):
            return R.ts_add(a, b)
        raise fn_not_found("+", (a, b))

    def iadd(self, a, b):
        ta = type(a)
        if ta is list:
            if type(b) is list:
                a.extend(R.deep(b))
            else:
                a.append(R.cp(b))
            return self.check_arr(a) if self.max_arr else a
        if ta is dict and type(b) is dict:
            a.update(R.deep(b))
            return self.check_map(a)
        if ta is bytearray:
            tb = type(b)
            if tb is int:
                a.append(b & 0xFF)
            elif tb is Char or tb is str:
                a.extend(str(b).encode())
            elif tb is bytearray:
                a.extend(b)
            else:
                raise fn_not_found("+=", (a, b))
            return self.check_arr(a)
        return self.add(a, b)

    def istr(self, *parts):
        return self.check_str("".join(p if type(p) is str else to_string(p) for p in parts))

    # -------------------------------------------------------------- variables
    def gv(self, name):
        try:
            return self.dyn[name]
        except KeyError:
            raise err("ErrorVariableNotFound", f"Variable not found: {name}", variable=name) from None

    def sv(self, name, v):
        if name not in self.dyn:
            raise err("ErrorVariableNotFound", f"Variable not found: {name}", variable=name)
        if name in self.dyn_const:
            raise err("ErrorAssignmentToConstant", f"Cannot modify constant {name}", variable=name)
        self.dyn[name] = v

    def gvf(self, name):
        if self.fn_scope is not None and name in self.fn_scope:
            return self.fn_scope[name]
        raise err("ErrorVariableNotFound", f"Variable not found: {name}", variable=name)

    def gconst(self, name):
        try:
            return self.consts[name]
        except KeyError:
            n = f"global::{name}"
            raise err("ErrorVariableNotFound", f"Variable not found: {n}", variable=n) from None

    def defconst(self, name, v):
        self.consts[name] = v

    def is_dyn_var(self, name, main):
        if type(name) is not str:
            return False
        if main:
            return name in self.dyn
        return self.fn_scope is not None and name in self.fn_scope

    def is_def_fn(self, *args):
        if len(args) == 2:
            name, n = args
            typ = None
        else:
            typ, name, n = args
            if type(typ) is not str:
                raise fn_not_found("is_def_fn", args)
        if type(name) is not str or type(n) is not int:
            raise fn_not_found("is_def_fn", args)
        return (typed_name(name, typ), n) in self.fns

    def callmt(self, d, name, obj, *args):
        """``obj.name(args)`` where the script has typed methods of that name: the one
        typed for ``type_of(obj)``, else an untyped script method, else a native."""
        fn = self.fns.get((typed_name(name, type_of(obj)), len(args)))
        if fn is None:
            fn = self.fns.get((name, len(args)))
        if fn is not None:
            return fn(d, obj, *args)
        return self.callm(d - 1, name, obj, *args)

    # -------------------------------------------------------------- properties / paths
    def getp(self, o, name):
        t = type(o)
        if t is dict:
            return o.get(name)
        if t is Shared:
            return self.getp(o.v, name)
        g = self.reg.resolve("get$" + name, (o,))
        if g is not None:
            return self.invoke(g, 0, (o,))
        raise err("ErrorDotExpr", f"Unknown property '{name}' - a getter is not registered for type '{type_of(o)}'",
                  property=name)

    def setp(self, o, name, v):
        t = type(o)
        if t is dict:
            o[name] = v
            if self.max_map:
                self.check_map(o)
            return o
        s = self.reg.resolve("set$" + name, (o, v))
        if s is not None:
            r = self.invoke(s, 0, (o, v))
            return r.this if type(r) is WB else o
        raise err("ErrorDotExpr",
                  f"No writable property '{name}' - a setter is not registered for type '{type_of(o)}' to handle '{type_of(v)}'",
                  property=name)

    def get1(self, o, kind, k):
        return R.idx(o, k) if kind == "i" else self.getp(o, k)

    def set1(self, o, kind, k, v):
        if kind == "i":
            return self.setidx(o, k, v)
        return self.setp(o, k, v)

    def getpath(self, root, steps):
        for kind, k in steps:
            root = self.get1(root, kind, k)
        return root

    def setpath(self, root, steps, v):
        kind, k = steps[0]
        if len(steps) == 1:
            return self.set1(root, kind, k, v)
        child = self.get1(root, kind, k)
        new = self.setpath(child, steps[1:], v)
        if new is not child:
            root = self.set1(root, kind, k, new)
        return root

    def setidx(self, o, i, v):
        r = R.setidx(o, i, v)
        if self.max_str and type(r) is str:
            self.check_str(r)
        if self.max_map and type(r) is dict:
            self.check_map(r)
        return r

    # -------------------------------------------------------------- calls
    def invoke(self, nat, d, args):
        try:
            if nat.by_ref:
                ref = Ref(args[0])
                if nat.ctx:
                    r = nat.fn(self, d, ref, *args[1:])
                else:
                    r = nat.fn(ref, *args[1:])
                if ref.v is not args[0]:
                    return WB(r, self.check_any(ref.v))
                return r
            if nat.ctx:
                r = nat.fn(self, d, *args)
            else:
                r = nat.fn(*args)
            if not nat.pure and (self.max_arr or self.max_map or self.max_str) and args:
                self.check_any(args[0])
        except EvalAltResult:
            raise
        except RecursionError:
            raise
        except Exception as ex:  # host function failure -> ErrorRuntime
            if not nat.host:
                raise
            raise err("ErrorRuntime", f"Runtime error: {ex}", value=str(ex)) from None
        if nat.host:
            r = self.engine._from_host(r)
        return r

    def call(self, d, name, *args):
        nat = self.reg.resolve(name, args)
        if nat is None:
            raise fn_not_found(name, args)
        return self.invoke(nat, d, args)

    def callt(self, d, name, *args):
        nat = self.reg.resolve(name, args)
        if nat is None:
            raise fn_not_found(name, args)
        r = self.invoke(nat, d, args)
        return r.r if type(r) is WB else r

    def callm(self, d, name, obj, *args):
        if type(obj) is dict:
            fp = obj.get(name)
            if type(fp) is FnPtr:
                return _strip(self.callfp(d, fp, obj, *args))
        full = (obj,) + args
        nat = self.reg.resolve(name, full)
        if nat is None:
            if type(obj) is Shared:
                return self.callm(d, name, obj.v, *args)
            raise fn_not_found(name, full)
        return self.invoke(nat, d, full)

    def callmc(self, d, name, obj, *args):
        full = (obj,) + args
        nat = self.reg.resolve(name, full)
        if nat is not None and not nat.pure:
            raise err("ErrorNonPureMethodCallOnConstant",
                      f"Non-pure method '{name}' cannot be called on constant", function=name)
        return _strip(self.callm(d, name, obj, *args))

    def callfp(self, d, fp, this, *args):
        if type(fp) is not FnPtr:
            if type(fp) is str:
                fp = FnPtr(fp)
            else:
                raise fn_not_found("call", (fp,) + args)
        if fp.curry:
            args = fp.curry + args
        fn = fp.fn
        if fn is not None:
            if fn.__code__.co_argcount - 2 != len(args):
                raise fn_not_found(fp.name, args[len(fp.curry) - len(fp.curry):])
            return fn(d + 1, this, *args)
        sf = self.fns.get((fp.name, len(args)))
        if sf is not None:
            return sf(d + 1, this, *args)
        if this is not UNB:
            return self.call(d, fp.name, this, *args)
        return self.call(d, fp.name, *args)

    def callmfp(self, d, o, *xs):
        if type(o) is FnPtr:
            return self.callfp(d, o, UNB, *xs)
        if xs and type(xs[0]) is FnPtr:
            return self.callfp(d, xs[0], o, *xs[1:])
        return self.callm(d, "call", o, *xs)

    def call_value(self, d, fp, *args):
        """For natives taking callbacks: call a FnPtr with plain arguments."""
        return _strip(self.callfp(d, fp, UNB, *args))

    # -------------------------------------------------------------- print/debug
    def print_(self, x):
        self.engine._print(to_string(x))

    def debug_(self, x, line, col):
        self.engine._debug(to_debug(x), None, Position(line, col))


def _deep_len(a):
    n = len(a)
    if type(a) is list:
        for e in a:
            if type(e) is list:
                n += _deep_len(e)
    return n
