"""Compiled scripts by version, ready to run.

Routes bring their script version along (so the route table compiles them
when it loads, before the first call); executions name a version, which is
loaded and compiled on first use. Compiling happens in a worker thread: a
large script must not stall the event loop.
"""

from __future__ import annotations

import rhai
import attrs
import trio

from picloud.shared.protocols import ScriptReader, ScriptVersion

from .compiler import CompiledCache, ScriptKey, compile_source
from .limits import ScriptLimits


class ScriptMissing(LookupError):
    """The script version an execution names no longer exists."""


@attrs.frozen
class CompiledScript:
    name: str
    version: int
    ast: rhai.AST
    limits: ScriptLimits
    timeout_seconds: float


class ScriptLibrary:
    def __init__(self, reader: ScriptReader, cache: CompiledCache | None = None):
        self._reader = reader
        self.cache = cache or CompiledCache()
        self._prepared: dict[ScriptKey, CompiledScript] = {}

    async def prepare(self, script: ScriptVersion) -> CompiledScript:
        key = ScriptKey(script.name, script.version)
        prepared = self._prepared.get(key)
        if prepared is not None:
            return prepared
        limits = ScriptLimits.from_mapping(script.limits)
        ast = self.cache.get(key)
        if ast is None:
            ast = await trio.to_thread.run_sync(compile_source, script.source, limits)
            self.cache.put(key, ast)
        prepared = CompiledScript(script.name, script.version, ast, limits, script.timeout_seconds)
        if len(self._prepared) > 4 * 512:
            self._prepared.clear()  # bounded; entries are cheap to rebuild from the cache
        self._prepared[key] = prepared
        return prepared

    async def get(self, name: str, version: int) -> CompiledScript:
        prepared = self._prepared.get(ScriptKey(name, version))
        if prepared is not None:
            return prepared
        script = await self._reader.load_version(name, version)
        if script is None:
            raise ScriptMissing(f"script {name!r} version {version} does not exist")
        return await self.prepare(script)
