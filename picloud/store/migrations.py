"""Numbered SQL migrations, applied in order, once, under an advisory lock.

Files are named ``NNNN_description.sql`` (``0001_initial.sql``, ...). All
pending files are applied in one transaction that first takes a transaction
advisory lock, so two processes starting at once serialise: the second waits,
then finds nothing left to do. Each applied file is recorded with a SHA-256 of
its text; if an applied file later changes, start-up stops with an error
naming the file instead of running against a schema that no longer matches
the code.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import asyncpg
import attrs

from .database import Database

# Any fixed 64-bit number shared by every PiCloud process; "PiCl" in ASCII.
MIGRATION_LOCK_KEY = 0x5069436C

_FILE_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")

DEFAULT_MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"


class MigrationError(RuntimeError):
    """The migrations folder or the recorded history is inconsistent."""


@attrs.frozen
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()

    @property
    def file_name(self) -> str:
        return f"{self.version:04d}_{self.name}.sql"


def load_migrations(folder: Path = DEFAULT_MIGRATIONS_DIR) -> list[Migration]:
    """Read and validate the migration files in ``folder``, in version order."""
    if not folder.is_dir():
        raise MigrationError(f"migrations folder {folder} does not exist")
    migrations: dict[int, Migration] = {}
    for path in sorted(folder.iterdir()):
        if path.suffix != ".sql":
            continue
        match = _FILE_NAME.match(path.name)
        if not match:
            raise MigrationError(
                f"migration file {path.name!r} is not named NNNN_description.sql "
                f"(four digits, then lower-case letters, digits and underscores)"
            )
        version = int(match.group(1))
        if version in migrations:
            raise MigrationError(
                f"two migration files share version {version:04d}: "
                f"{migrations[version].file_name} and {path.name}"
            )
        migrations[version] = Migration(version, match.group(2), path.read_text())
    ordered = [migrations[v] for v in sorted(migrations)]
    for expected, migration in enumerate(ordered, start=1):
        if migration.version != expected:
            raise MigrationError(
                f"migration versions must run 0001, 0002, ... without gaps; "
                f"expected {expected:04d}, found {migration.file_name}"
            )
    return ordered


@attrs.frozen
class MigrationReport:
    applied: list[str]
    already_applied: int


async def apply_migrations(db: Database, migrations: list[Migration]) -> MigrationReport:
    """Apply every pending migration; return what was done."""
    return await db.run(_apply, migrations)


async def _apply(conn: asyncpg.Connection, migrations: list[Migration]) -> MigrationReport:
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK_KEY)
        await conn.execute(
            """
            CREATE TABLE IF NOT EXISTS picloud_migrations (
                version    integer PRIMARY KEY,
                name       text NOT NULL,
                checksum   text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """
        )
        rows = await conn.fetch("SELECT version, name, checksum FROM picloud_migrations")
        recorded = {row["version"]: row for row in rows}
        known = {m.version for m in migrations}
        unknown = sorted(set(recorded) - known)
        if unknown:
            raise MigrationError(
                f"the database has migration {unknown[-1]:04d} applied, which this "
                f"version of PiCloud does not know; it was migrated by a newer PiCloud"
            )
        applied = []
        for migration in migrations:
            row = recorded.get(migration.version)
            if row is not None:
                if row["checksum"] != migration.checksum:
                    raise MigrationError(
                        f"migration {migration.file_name} was changed after it was applied "
                        f"(recorded checksum {row['checksum'][:12]}..., file has "
                        f"{migration.checksum[:12]}...); applied migrations must never be "
                        f"edited: add a new migration instead"
                    )
                continue
            await conn.execute(migration.sql)
            await conn.execute(
                "INSERT INTO picloud_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                migration.version,
                migration.name,
                migration.checksum,
            )
            applied.append(migration.file_name)
        return MigrationReport(applied=applied, already_applied=len(recorded))
