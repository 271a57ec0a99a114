"""Run ``picloud serve`` as a real subprocess for end-to-end tests."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

# Every test server runs with this admin token (PICLOUD_ADMIN_TOKEN); clients send it.
TEST_ADMIN_TOKEN = "pc_test-admin-token-of-the-e2e-suite"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServeProcess:
    def __init__(self, data_dir: Path, *extra_args: str, env: dict | None = None):
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.data_dir = data_dir
        self.log_path = data_dir.parent / f"serve-{self.port}.log"
        self._log = self.log_path.open("w")
        environment = {k: v for k, v in os.environ.items() if not k.startswith("PICLOUD_")}
        environment["PICLOUD_ADMIN_TOKEN"] = TEST_ADMIN_TOKEN
        environment.update(env or {})  # a value of None removes the variable
        environment = {k: v for k, v in environment.items() if v is not None}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "picloud.cli", "serve", "--listen", f"127.0.0.1:{self.port}",
             "--data-dir", str(data_dir), *extra_args],
            stdout=self._log, stderr=subprocess.STDOUT, env=environment, cwd=data_dir.parent,
        )

    def output(self) -> str:
        self._log.flush()
        return self.log_path.read_text()

    def wait_for_output(self, text: str, timeout: float = 10.0) -> str:
        """The output once it contains ``text`` (announcements follow readiness by a moment)."""
        deadline = time.monotonic() + timeout
        while text not in self.output() and time.monotonic() < deadline:
            time.sleep(0.05)
        output = self.output()
        assert text in output, output
        return output

    def get(self, path: str) -> tuple[int, dict]:
        try:
            request = urllib.request.Request(self.base_url + path,
                                             headers={"Authorization": f"Bearer {TEST_ADMIN_TOKEN}"})
            with urllib.request.urlopen(request, timeout=5) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def wait_healthy(self, timeout: float = 60.0) -> float:
        """Seconds from now until /_picloud/health answers 200."""
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            if self.process.poll() is not None:
                raise AssertionError(f"serve exited with {self.process.returncode}:\n{self.output()}")
            try:
                status, _ = self.get("/_picloud/health")
                if status == 200:
                    return time.monotonic() - start
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            time.sleep(0.05)
        raise AssertionError(f"serve not healthy after {timeout}s:\n{self.output()}")

    def stop(self, signum: int = signal.SIGTERM, timeout: float = 10.0) -> int:
        self.process.send_signal(signum)
        try:
            return self.process.wait(timeout=timeout)
        finally:
            self._log.close()

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._log.close()
