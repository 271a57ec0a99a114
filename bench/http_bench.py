"""HTTP benchmark: PiCloud routes against a bare hypercorn baseline, in one run.

    python bench/http_bench.py [--seconds 10] [--connections 32]

Needs ``wrk`` (Debian package ``wrk``). Everything is measured in the same run
with the same load generator on loopback:

  (a) a bare hypercorn trio-worker hello-world ASGI app (the baseline)
  (b) a sync route whose script returns a string
  (c) an async route (202 Accepted)
  (d) a sync route whose script runs a 10,000-iteration loop

It prints req/s, p50 and p99 per case and the ratios (b)/(a), (c)/(a), (d)/(a).
PiCloud runs on its embedded PostgreSQL in a temporary data folder.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The admin token the benchmarked server runs with (PICLOUD_ADMIN_TOKEN).
ADMIN_TOKEN = "pc_" + os.urandom(24).hex()

# Served exactly as PiCloud serves itself: hypercorn.trio.serve in one trio.run.
HELLO_APP = '''
import sys
import trio
from hypercorn.config import Config
from hypercorn.trio import serve


async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            await send({"type": message["type"] + ".complete"})
            if message["type"] == "lifespan.shutdown":
                return
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/plain"), (b"content-length", b"5")]})
    await send({"type": "http.response.body", "body": b"hello"})


config = Config()
config.bind = [sys.argv[1]]
config.accesslog = None
trio.run(serve, app, config)
'''

SCRIPTS = {
    "hello": '"hello"',
    "accept": "let n = 1; n + 1",
    "loop": "let total = 0; for i in 0..10000 { total += i; } total.to_string()",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except Exception:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


def api(base: str, method: str, path: str, body: dict) -> dict:
    request = urllib.request.Request(base + "/_picloud/api/v1" + path, method=method,
                                     data=json.dumps(body).encode(),
                                     headers={"content-type": "application/json",
                                              "authorization": f"Bearer {ADMIN_TOKEN}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def parse_latency(text: str, label: str) -> float:
    match = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
    if not match:
        return float("nan")
    value, unit = float(match.group(1)), match.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


def run_wrk(url: str, seconds: int, connections: int, method: str = "GET") -> dict:
    args = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--latency"]
    if method != "GET":
        script = Path(tempfile.mkstemp(suffix=".lua")[1])
        script.write_text(f'wrk.method = "{method}"\n')
        args += ["-s", str(script)]
    out = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return {"rps": rps, "p50": parse_latency(out, "50"), "p99": parse_latency(out, "99"),
            "errors": int(non_2xx.group(1)) if non_2xx else 0}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    options = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 2

    work = Path(tempfile.mkdtemp(prefix="picloud-bench-"))
    work.chmod(0o755)
    processes: list[subprocess.Popen] = []
    results: dict[str, dict] = {}
    try:
        (work / "hello_app.py").write_text(HELLO_APP)
        port_a = free_port()
        processes.append(subprocess.Popen(
            [sys.executable, "hello_app.py", f"127.0.0.1:{port_a}"], cwd=work,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait_until_up(f"http://127.0.0.1:{port_a}/")
        run_wrk(f"http://127.0.0.1:{port_a}/", 2, options.connections)  # warm-up
        results["(a) bare hypercorn"] = run_wrk(f"http://127.0.0.1:{port_a}/", options.seconds,
                                                options.connections)
        processes[0].send_signal(signal.SIGTERM)
        processes[0].wait(10)

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("PICLOUD_")}
        env["PICLOUD_ADMIN_TOKEN"] = ADMIN_TOKEN
        serve = subprocess.Popen(
            [sys.executable, "-m", "picloud.cli", "serve", "--listen", f"127.0.0.1:{port}",
             "--data-dir", str(work / "data"), "--log-level", "warning"],
            cwd=work, env=env, stdout=subprocess.DEVNULL, stderr=open(work / "serve.log", "w"))
        processes.append(serve)
        wait_until_up(base + "/_picloud/health")
        for name, source in SCRIPTS.items():
            api(base, "PUT", f"/scripts/{name}", {"source": source})
        api(base, "POST", "/routes", {"method": "GET", "path": "/hello", "script": "hello"})
        api(base, "POST", "/routes", {"method": "POST", "path": "/accept", "script": "accept",
                                      "dispatch_mode": "async"})
        api(base, "POST", "/routes", {"method": "GET", "path": "/loop", "script": "loop"})

        cases = [("(b) sync route", "/hello", "GET"), ("(c) async route", "/accept", "POST"),
                 ("(d) sync 10k loop", "/loop", "GET")]
        for label, path, method in cases:
            run_wrk(base + path, 2, options.connections, method)  # warm-up
            results[label] = run_wrk(base + path, options.seconds, options.connections, method)
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(15)
                except subprocess.TimeoutExpired:
                    process.kill()
        shutil.rmtree(work, ignore_errors=True)

    baseline = results["(a) bare hypercorn"]["rps"]
    print(f"{'case':<22}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'non-2xx':>9}{'vs (a)':>9}")
    for label, r in results.items():
        print(f"{label:<22}{r['rps']:>10.0f}{r['p50']:>10.2f}{r['p99']:>10.2f}{r['errors']:>9}"
              f"{r['rps'] / baseline:>9.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
