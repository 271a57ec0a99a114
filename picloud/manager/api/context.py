"""What handlers get besides the request: the database, the compiled cache
and the callbacks into the data plane."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import rhai
import trio

from picloud.executor.compiler import CompiledCache, compile_source
from picloud.executor.limits import ScriptLimits
from picloud.store.database import Database

log = logging.getLogger("picloud.api")


class Context:
    def __init__(
        self,
        db: Database,
        cache: CompiledCache,
        on_routes_changed: Callable[[], Awaitable[None]],
        wake_dispatcher: Callable[[], None],
        compile_threads: int = 2,
    ):
        self.db = db
        self.cache = cache
        self.max_chain_depth = 8  # KV-trigger hops allowed; set by the control plane
        self.tokens_changed: Callable[[], None] = lambda: None  # a token was revoked; set by the control plane
        self._on_routes_changed = on_routes_changed
        self._wake_dispatcher = wake_dispatcher
        # Compiling a big script takes a while; a small box has few cores.
        self._compile_limiter = trio.CapacityLimiter(compile_threads)

    async def compile(self, source: str, limits: ScriptLimits) -> rhai.AST:
        """Compile in a worker thread; raises CompileError."""
        return await trio.to_thread.run_sync(compile_source, source, limits, limiter=self._compile_limiter)

    async def routes_changed(self) -> None:
        """Tell the data plane; the change is committed, so a failure here only logs."""
        try:
            await self._on_routes_changed()
        except Exception:
            log.exception("on_routes_changed callback failed")

    def wake_dispatcher(self) -> None:
        try:
            self._wake_dispatcher()
        except Exception:
            log.exception("wake_dispatcher callback failed")
