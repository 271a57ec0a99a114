"""Shared fixtures: one real PostgreSQL server for the whole test session.

The server is the embedded one (the same launcher ``picloud serve`` uses),
unless ``PICLOUD_TEST_DATABASE_URL`` names another server. Each test that
needs a database gets a fresh, empty one on that server.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from pathlib import Path

import pytest

from picloud.store.embedded import EmbeddedPostgres


def make_reachable_tmpdir(prefix: str) -> Path:
    """A temp folder the unprivileged PostgreSQL user can reach when we are root.

    pytest's own tmp_path lives under a 0700 folder of root's, which
    PostgreSQL (running as ``nobody``) cannot enter.
    """
    path = Path(tempfile.mkdtemp(prefix=prefix))
    path.chmod(0o755)
    return path


# Durability is pointless for throw-away test data; these make tests faster.
FAST_TEST_SERVER_OPTIONS = ("fsync=off", "synchronous_commit=off", "full_page_writes=off")


@pytest.fixture(scope="session")
def pg_admin_kwargs():
    """asyncpg connect arguments for the session's PostgreSQL server."""
    url = os.environ.get("PICLOUD_TEST_DATABASE_URL")
    if url:
        yield {"dsn": url}
        return
    data_dir = make_reachable_tmpdir("picloud-test-pg-")
    server = EmbeddedPostgres(data_dir=data_dir, server_options=FAST_TEST_SERVER_OPTIONS)
    server.start()
    try:
        yield server.connect_kwargs()
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture
async def database_kwargs(pg_admin_kwargs):
    """Connect arguments for a fresh, empty database, dropped after the test."""
    from picloud.store.database import open_database

    name = f"test_{uuid.uuid4().hex[:16]}"
    async with open_database(pg_admin_kwargs, max_size=1) as admin:
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield _with_database(pg_admin_kwargs, name)
        finally:
            await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def _with_database(admin_kwargs: dict, name: str) -> dict:
    if "dsn" in admin_kwargs:
        from urllib.parse import urlsplit, urlunsplit

        parts = urlsplit(admin_kwargs["dsn"])
        return {"dsn": urlunsplit(parts._replace(path=f"/{name}"))}
    return {**admin_kwargs, "database": name}


@pytest.fixture
async def db(database_kwargs):
    """An open :class:`~picloud.store.database.Database` on a fresh database."""
    from picloud.store.database import open_database

    async with open_database(database_kwargs, max_size=4) as database:
        yield database
