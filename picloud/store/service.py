"""The store as one component: which PostgreSQL, pool, migrations, LISTEN.

``open_store`` gives a ready store: the database server is up (starting the
embedded one when no URL is configured), migrations are applied and the
LISTEN connection is connected. Leaving the block closes everything and stops
the embedded server if this process started it.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import attrs
import trio

from picloud.shared.errors import unwrap_single_exception_groups

from .database import Database, open_asyncio_loop, open_database
from .embedded import EmbeddedPostgres, default_bindir
from .listener import Listener
from .migrations import DEFAULT_MIGRATIONS_DIR, MigrationReport, apply_migrations, load_migrations

log = logging.getLogger(__name__)


@attrs.frozen
class Store:
    db: Database
    listener: Listener
    migrations: MigrationReport
    description: str
    """Where the data lives, for people: a URL without password or the folder."""


def connect_kwargs_from_url(url: str) -> dict[str, Any]:
    return {"dsn": url}


def describe_url(url: str) -> str:
    """The URL with any password removed, safe to print."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        parts = parts._replace(netloc=netloc)
    return urlunsplit(parts)


@contextlib.asynccontextmanager
async def open_embedded_postgres(data_dir: Path, bindir: Path | None = None) -> AsyncIterator[EmbeddedPostgres]:
    """Start the embedded server (in a worker thread: it runs subprocesses) and stop it on exit."""
    server = EmbeddedPostgres(data_dir=data_dir.resolve(), bindir=bindir or default_bindir())
    await trio.to_thread.run_sync(server.start)
    try:
        yield server
    finally:
        with trio.CancelScope(shield=True):
            try:
                await trio.to_thread.run_sync(server.stop)
            except Exception:
                log.exception("could not stop the embedded PostgreSQL")


@contextlib.asynccontextmanager
async def open_store(
    *,
    database_url: str | None,
    data_dir: Path,
    pg_bindir: Path | None = None,
    migrations_dir: Path = DEFAULT_MIGRATIONS_DIR,
    pool_size: int = 10,
) -> AsyncIterator[Store]:
    migrations = load_migrations(migrations_dir)  # fail fast on a bad folder
    with unwrap_single_exception_groups():
        async with _open_store(database_url, data_dir, pg_bindir, migrations, pool_size) as store:
            yield store


@contextlib.asynccontextmanager
async def _open_store(
    database_url: str | None,
    data_dir: Path,
    pg_bindir: Path | None,
    migrations: list,
    pool_size: int,
) -> AsyncIterator[Store]:
    async with contextlib.AsyncExitStack() as stack:
        await stack.enter_async_context(open_asyncio_loop())
        if database_url:
            connect_kwargs = connect_kwargs_from_url(database_url)
            description = describe_url(database_url)
        else:
            server = await stack.enter_async_context(open_embedded_postgres(data_dir, pg_bindir))
            connect_kwargs = server.connect_kwargs()
            description = f"embedded PostgreSQL in {server.cluster_dir}"
        db = await stack.enter_async_context(open_database(connect_kwargs, max_size=pool_size))
        report = await apply_migrations(db, migrations)
        if report.applied:
            log.info("applied migrations: %s", ", ".join(report.applied))
        listener = Listener(connect_kwargs)
        nursery = await stack.enter_async_context(trio.open_nursery())
        await nursery.start(listener.run)
        # Cancel the listener first on the way out, before the pool and the server go.
        stack.callback(nursery.cancel_scope.cancel)
        yield Store(db=db, listener=listener, migrations=report, description=description)
