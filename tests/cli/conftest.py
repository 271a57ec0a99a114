"""One real ``picloud serve`` per test module; the CLI runs against it.

Most tests call the click command in-process (``CliRunner``: fast, no
interpreter start-up); a few run ``python -m picloud.cli`` as a subprocess to
check real exit codes and Ctrl-C.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import attrs
import pytest
from click.testing import CliRunner

from picloud.client.commands import cli

CLI_TOKEN = "pc_cli-suite-admin-token-0123456789"


@attrs.define
class Run:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def json(self):
        return json.loads(self.stdout)

    def __repr__(self) -> str:
        return f"Run(exit={self.exit_code}, stdout={self.stdout[-2000:]!r}, stderr={self.stderr[-2000:]!r})"


@attrs.define
class Cli:
    url: str
    token: str
    workdir: Path

    @property
    def env(self) -> dict[str, str]:
        # PICLOUD_DATA_DIR points at an empty folder so no admin-token file is picked up by accident.
        return {"PICLOUD_URL": self.url, "PICLOUD_TOKEN": self.token,
                "PICLOUD_DATA_DIR": str(self.workdir / "no-data"), "PICLOUD_CONFIG": ""}

    def __call__(self, *args: str, input: str | None = None, env: dict | None = None) -> Run:
        runner = CliRunner()
        result = runner.invoke(cli, list(args), env={**self.env, **(env or {})}, input=input,
                               catch_exceptions=False)
        return Run(result.exit_code, result.stdout, result.stderr)

    def ok(self, *args: str, **kw) -> Run:
        run = self(*args, **kw)
        assert run.exit_code == 0, run
        return run

    def process(self, *args: str, env: dict | None = None, **kw) -> subprocess.CompletedProcess:
        environment = {k: v for k, v in os.environ.items() if not k.startswith("PICLOUD_")}
        environment.update(self.env)
        environment.update(env or {})
        return subprocess.run([sys.executable, "-m", "picloud.cli", *args], capture_output=True, text=True,
                              env=environment, timeout=30, **kw)

    def write(self, name: str, text: str) -> Path:
        path = self.workdir / name
        path.write_text(text)
        return path


@pytest.fixture(scope="module")
def server():
    from tests.e2e.client import Server

    server = Server("picloud-cli-", env={"PICLOUD_ADMIN_TOKEN": CLI_TOKEN})
    try:
        server.serve.wait_healthy()
        yield server
    finally:
        server.close()


@pytest.fixture(scope="module")
def pc(server) -> Cli:
    return Cli(server.serve.base_url, CLI_TOKEN, server.workdir)
