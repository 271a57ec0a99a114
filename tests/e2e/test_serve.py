"""``picloud serve`` as a user runs it: a real process, real HTTP, real PostgreSQL."""

import shutil
import signal
import time

import pytest

from picloud.store.embedded import EmbeddedPostgres
from tests.conftest import make_reachable_tmpdir
from tests.e2e.serve import ServeProcess


@pytest.fixture
def workdir():
    path = make_reachable_tmpdir("picloud-test-serve-")
    yield path
    server = EmbeddedPostgres(data_dir=path / "data")
    if (server.cluster_dir / "PG_VERSION").exists():
        server.stop()  # in case a failed test left it running
    shutil.rmtree(path, ignore_errors=True)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_serve_on_embedded_defaults_answers_health_and_stops_cleanly(workdir, signum):
    serve = ServeProcess(workdir / "data")
    try:
        serve.wait_healthy()
        status, body = serve.get("/_picloud/health")
        assert status == 200
        assert body["status"] == "ok" and body["database"] == "ok"
        output = serve.wait_for_output(f"listening on http://127.0.0.1:{serve.port}")
        assert str(workdir / "data") in output
        assert serve.get("/no/such/route")[0] == 404

        started = time.monotonic()
        assert serve.stop(signum) == 0
        assert time.monotonic() - started < 10
        # The embedded server stopped with us: nothing is left running.
        assert not (workdir / "data" / "postgres" / "postmaster.pid").exists()
    finally:
        serve.kill()


def test_warm_restart_keeps_the_instance(workdir):
    first = ServeProcess(workdir / "data")
    try:
        first.wait_healthy()
        instance = first.get("/_picloud/health")[1]["instance"]
        assert first.stop() == 0
    finally:
        first.kill()
    second = ServeProcess(workdir / "data")
    try:
        second.wait_healthy()
        assert second.get("/_picloud/health")[1]["instance"] == instance
        assert second.stop() == 0
    finally:
        second.kill()


def test_serve_with_a_database_url_starts_no_server(workdir, pg_admin_kwargs):
    if "dsn" in pg_admin_kwargs:
        url = pg_admin_kwargs["dsn"]
    else:
        url = (f"postgresql://{pg_admin_kwargs['user']}@/{pg_admin_kwargs['database']}"
               f"?host={pg_admin_kwargs['host']}&port={pg_admin_kwargs['port']}")
    serve = ServeProcess(workdir / "data", env={"PICLOUD_DATABASE_URL": url})
    try:
        serve.wait_healthy()
        assert not (workdir / "data" / "postgres").exists()
        assert serve.stop() == 0
    finally:
        serve.kill()


def test_bad_configuration_exits_2_with_a_message(workdir):
    serve = ServeProcess(workdir / "data", env={"PICLOUD_LOG_LEVEL": "chatty"})
    try:
        assert serve.process.wait(timeout=30) == 2
        assert "log_level" in serve.output()
    finally:
        serve.kill()
