"""The one place where PiCloud meets asyncio: asyncpg behind trio-asyncio.

Everything else in PiCloud is Trio. Each crossing of the boundary costs
~0.1-0.15 ms of CPU (design notes, section 8), so the unit of work that crosses
is a whole *operation*: an asyncio coroutine function ``op(conn, *args)`` that
runs all of its queries on one pooled connection, usually in one transaction.
Repositories are written as such operations; callers only ever ``await
db.run(op, ...)``.

Usage::

    async with open_database(connect_kwargs) as db:
        n = await db.run(count_rows)        # count_rows(conn) is asyncpg code
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

import asyncpg
import trio
import trio_asyncio

from picloud.shared.errors import unwrap_single_exception_groups

log = logging.getLogger(__name__)

T = TypeVar("T")
Operation = Callable[..., Awaitable[T]]

# Errors that mean "the server went away or is not reachable right now", as
# opposed to errors in what we asked it to do.
CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.ConnectionFailureError,
    asyncpg.exceptions.TooManyConnectionsError,
    asyncpg.exceptions.InterfaceError,
)


class DatabaseUnavailable(RuntimeError):
    """PostgreSQL could not be reached within the retry budget."""


def _is_connection_error(exc: BaseException) -> bool:
    if isinstance(exc, asyncpg.exceptions.InterfaceError):
        # InterfaceError also covers API misuse; only the "connection is
        # closed" family means the server went away.
        return "closed" in str(exc) or "connection" in str(exc).lower()
    return isinstance(exc, CONNECTION_ERRORS)


class Database:
    """An asyncpg pool used from Trio. Create it with :func:`open_database`."""

    def __init__(self, pool: asyncpg.Pool, connect_kwargs: dict[str, Any], loop: Any):
        self._pool = pool
        self.connect_kwargs = connect_kwargs
        # Bound to the loop explicitly so any Trio task can use the pool,
        # whichever task opened it (pytest-trio fixtures run in other tasks).
        self.loop = loop
        self._run_op = trio_asyncio.aio_as_trio(self._run_on_connection, loop=loop)

    async def run(
        self,
        op: Operation[T],
        *args: Any,
        retry_for: float = 10.0,
        **kwargs: Any,
    ) -> T:
        """Run ``op(conn, *args, **kwargs)`` on a pooled connection and return its result.

        When the server is unreachable (restarting, say), the operation is
        retried with exponential back-off for up to ``retry_for`` seconds.
        Operations must therefore be safe to run again after a connection
        error: they run in a transaction that either committed or did not.
        (A connection lost in the middle of COMMIT is the one ambiguous case;
        callers that cannot tolerate a repeat make the operation idempotent.)
        """
        delay = 0.05
        deadline = trio.current_time() + retry_for
        while True:
            try:
                return await self._run_op(op, args, kwargs)
            except BaseException as exc:
                if not _is_connection_error(exc):
                    raise
                if trio.current_time() + delay > deadline:
                    raise DatabaseUnavailable(f"PostgreSQL is unreachable: {exc}") from exc
                log.warning("database connection error (%s); retrying in %.2fs", exc, delay)
                await trio.sleep(delay)
                delay = min(delay * 2, 2.0)

    async def _run_on_connection(self, op: Operation[T], args: tuple, kwargs: dict) -> T:
        async with self._pool.acquire() as conn:
            return await op(conn, *args, **kwargs)

    async def fetchval(self, query: str, *args: Any, retry_for: float = 10.0) -> Any:
        """Convenience for one-off queries (tests, health checks)."""
        return await self.run(_fetchval, query, args, retry_for=retry_for)

    async def execute(self, query: str, *args: Any, retry_for: float = 10.0) -> str:
        return await self.run(_execute, query, args, retry_for=retry_for)

    async def fetch(self, query: str, *args: Any, retry_for: float = 10.0) -> list[asyncpg.Record]:
        return await self.run(_fetch, query, args, retry_for=retry_for)


async def _fetchval(conn: asyncpg.Connection, query: str, args: tuple) -> Any:
    return await conn.fetchval(query, *args)


async def _execute(conn: asyncpg.Connection, query: str, args: tuple) -> str:
    return await conn.execute(query, *args)


async def _fetch(conn: asyncpg.Connection, query: str, args: tuple) -> list:
    return await conn.fetch(query, *args)


@contextlib.asynccontextmanager
async def open_asyncio_loop() -> AsyncIterator[None]:
    """Ensure a trio-asyncio loop exists for the duration of the block.

    Reuses the caller's loop when one is already open (tests open one per
    test; ``picloud serve`` opens one at the root), so nested components don't
    each pay for their own.
    """
    loop = trio_asyncio.current_loop.get(None)
    if loop is None or loop.is_closed():
        with unwrap_single_exception_groups():
            async with trio_asyncio.open_loop():
                yield
    else:
        yield


@contextlib.asynccontextmanager
async def open_database(
    connect_kwargs: dict[str, Any],
    *,
    min_size: int = 1,
    max_size: int = 10,
    connect_timeout: float = 30.0,
) -> AsyncIterator[Database]:
    """Open a pool, waiting up to ``connect_timeout`` for the server to accept."""
    async with open_asyncio_loop():
        loop = trio_asyncio.current_loop.get()
        pool = await _create_pool_with_retry(connect_kwargs, min_size, max_size, connect_timeout)
        try:
            yield Database(pool, connect_kwargs, loop)
        finally:
            with trio.CancelScope(shield=True):
                with trio.move_on_after(5):
                    await trio_asyncio.aio_as_trio(pool.close, loop=loop)()
                if not pool._closed:  # graceful close timed out
                    pool.terminate()


async def _create_pool_with_retry(
    connect_kwargs: dict[str, Any], min_size: int, max_size: int, timeout: float
) -> asyncpg.Pool:
    delay = 0.05
    deadline = trio.current_time() + timeout
    while True:
        try:
            return await trio_asyncio.aio_as_trio(asyncpg.create_pool)(
                min_size=min_size, max_size=max_size, **connect_kwargs
            )
        except BaseException as exc:
            if not _is_connection_error(exc) or trio.current_time() + delay > deadline:
                raise
            await trio.sleep(delay)
            delay = min(delay * 2, 1.0)
