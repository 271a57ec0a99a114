import datetime as dt
import uuid

import pytest

from picloud.shared.executions import NewExecution
from picloud.store.janitor import Retention, sweep
from picloud.store.migrations import apply_migrations, load_migrations
from picloud.store.outbox import insert_executions

NOW = dt.datetime(2026, 6, 1, tzinfo=dt.timezone.utc)


@pytest.fixture
async def migrated(db):
    await apply_migrations(db, load_migrations())
    await db.execute(
        """INSERT INTO scripts (name, current_version) VALUES ('s', 1);
           INSERT INTO script_versions (script_name, version, source, timeout_seconds) VALUES ('s', 1, '1', 5);
           INSERT INTO routes (method, path, script_name) VALUES ('POST', '/a', 's')"""
    )
    return db


def row(status: str, age: dt.timedelta, key: str | None = None) -> NewExecution:
    return NewExecution(id=uuid.uuid4(), trigger="http", route_id=1, script_name="s", script_version=1,
                        dispatch_mode="async", status=status, input={}, created_at=NOW - age,
                        idempotency_key=key, next_attempt_at=NOW)


async def statuses(db):
    return sorted(r["status"] for r in await db.fetch("SELECT status FROM executions"))


async def test_old_finished_executions_go_and_dead_letters_stay(migrated):
    old, new = dt.timedelta(days=8), dt.timedelta(hours=1)
    rows = [row("succeeded", old), row("failed", old), row("dead_lettered", old), row("pending", old),
            row("succeeded", new)]
    await migrated.run(insert_executions, rows)
    report = await migrated.run(sweep, NOW, Retention(max_age=dt.timedelta(days=7)))
    assert report.expired == 2
    assert await statuses(migrated) == ["dead_lettered", "pending", "succeeded"]


async def test_row_cap_keeps_the_newest(migrated):
    rows = [row("succeeded", dt.timedelta(minutes=n)) for n in range(10)]
    await migrated.run(insert_executions, rows)
    report = await migrated.run(sweep, NOW, Retention(max_rows=4))
    assert report.over_cap == 6
    kept = await migrated.fetch("SELECT id FROM executions")
    assert {r["id"] for r in kept} == {r.id for r in rows[:4]}


async def test_idempotency_keys_expire_after_a_day(migrated):
    await migrated.run(insert_executions, [row("succeeded", dt.timedelta(hours=25), key="old"),
                                           row("succeeded", dt.timedelta(hours=1), key="fresh")])
    report = await migrated.run(sweep, NOW, Retention())
    assert report.keys_forgotten == 1
    keys = await migrated.fetch("SELECT idempotency_key FROM executions ORDER BY created_at")
    assert [r["idempotency_key"] for r in keys] == [None, "fresh"]
    # The forgotten key can be used again.
    again = row("pending", dt.timedelta(0), key="old")
    assert await migrated.run(insert_executions, [again]) == [again.id]
