"""One real ``picloud serve`` for the observability tests (short retry back-off,
debug logs so every execution's end is logged). Tests use their own names."""

from __future__ import annotations

import pytest

from tests.e2e.client import Client, Server

# Set explicitly, so these tests do not depend on the e2e suite's default token.
TOKEN = "pc_observability-tests-admin-token"


@pytest.fixture(scope="package")
def server():
    server = Server("picloud-obs-", env={
        "PICLOUD_ADMIN_TOKEN": TOKEN,
        "PICLOUD_RETRY_BASE_SECONDS": "0.05",
        "PICLOUD_LOG_LEVEL": "debug",
        "PICLOUD_LOG_FORMAT": None,  # the default: JSON, since stderr is a file
    })
    try:
        server.serve.wait_healthy()
        yield server
    finally:
        server.close()


@pytest.fixture
def client(server) -> Client:
    return Client(server.serve.base_url, token=TOKEN)
