from pathlib import Path

import pytest
import trio

from picloud.store.database import open_database
from picloud.store.migrations import (
    DEFAULT_MIGRATIONS_DIR,
    MigrationError,
    apply_migrations,
    load_migrations,
)


def write(folder: Path, name: str, sql: str) -> None:
    (folder / name).write_text(sql)


@pytest.fixture
def migrations_dir(tmp_path):
    write(tmp_path, "0001_first.sql", "CREATE TABLE a (n int);")
    write(tmp_path, "0002_second.sql", "CREATE TABLE b (n int); INSERT INTO a VALUES (1);")
    return tmp_path


async def test_fresh_database_gets_every_migration_in_order(db, migrations_dir):
    report = await apply_migrations(db, load_migrations(migrations_dir))
    assert report.applied == ["0001_first.sql", "0002_second.sql"]
    assert await db.fetchval("SELECT count(*) FROM a") == 1
    rows = await db.fetch("SELECT version, name FROM picloud_migrations ORDER BY version")
    assert [(r["version"], r["name"]) for r in rows] == [(1, "first"), (2, "second")]


async def test_rerun_applies_nothing_and_only_new_files_later(db, migrations_dir):
    await apply_migrations(db, load_migrations(migrations_dir))
    again = await apply_migrations(db, load_migrations(migrations_dir))
    assert again.applied == [] and again.already_applied == 2
    write(migrations_dir, "0003_third.sql", "INSERT INTO a VALUES (3);")
    third = await apply_migrations(db, load_migrations(migrations_dir))
    assert third.applied == ["0003_third.sql"]
    assert await db.fetchval("SELECT count(*) FROM a") == 2


async def test_edited_applied_migration_is_a_clear_error(db, migrations_dir):
    await apply_migrations(db, load_migrations(migrations_dir))
    write(migrations_dir, "0001_first.sql", "CREATE TABLE a (n bigint);")
    with pytest.raises(MigrationError, match=r"0001_first\.sql was changed after it was applied"):
        await apply_migrations(db, load_migrations(migrations_dir))


async def test_failing_migration_leaves_nothing_behind(db, migrations_dir):
    write(migrations_dir, "0003_broken.sql", "CREATE TABLE c (n int); SELEC oops;")
    import asyncpg

    with pytest.raises(asyncpg.PostgresSyntaxError):
        await apply_migrations(db, load_migrations(migrations_dir))
    # The whole batch is one transaction: not even 0001 was recorded.
    assert await db.fetchval("SELECT to_regclass('a')") is None
    assert await db.fetchval("SELECT to_regclass('picloud_migrations')") is None


async def test_concurrent_starts_apply_each_migration_once(database_kwargs, migrations_dir):
    # A migration that fails if run twice makes double application visible.
    write(migrations_dir, "0003_counter.sql", "CREATE TABLE once (n int PRIMARY KEY); INSERT INTO once VALUES (1);")
    migrations = load_migrations(migrations_dir)
    reports = []

    async def start_process():
        async with open_database(database_kwargs, max_size=1) as db:
            reports.append(await apply_migrations(db, migrations))

    async with trio.open_nursery() as nursery:
        for _ in range(4):
            nursery.start_soon(start_process)
    applied = [r.applied for r in reports]
    assert sorted(len(a) for a in applied) == [0, 0, 0, 3]


async def test_database_migrated_by_a_newer_version_is_refused(db, migrations_dir):
    write(migrations_dir, "0003_future.sql", "SELECT 1;")
    await apply_migrations(db, load_migrations(migrations_dir))
    (migrations_dir / "0003_future.sql").unlink()
    with pytest.raises(MigrationError, match="does not know"):
        await apply_migrations(db, load_migrations(migrations_dir))


@pytest.mark.parametrize(
    "names, message",
    [
        (["0001_ok.sql", "0003_gap.sql"], "without gaps"),
        (["0001_ok.sql", "0001_twin.sql"], "share version 0001"),
        (["1_short.sql"], "NNNN_description.sql"),
        (["0001_Upper.sql"], "NNNN_description.sql"),
    ],
)
def test_malformed_folders_are_rejected(tmp_path, names, message):
    for name in names:
        write(tmp_path, name, "SELECT 1;")
    with pytest.raises(MigrationError, match=message):
        load_migrations(tmp_path)


def test_missing_folder_is_rejected(tmp_path):
    with pytest.raises(MigrationError, match="does not exist"):
        load_migrations(tmp_path / "nope")


async def test_project_migrations_apply_cleanly(db):
    report = await apply_migrations(db, load_migrations(DEFAULT_MIGRATIONS_DIR))
    assert report.applied[0] == "0001_instance.sql"
    assert await db.fetchval("SELECT count(*) FROM picloud_instance") == 1
