"""Start-up time, idle CPU and memory of ``picloud serve``, against bare hypercorn.

    python bench/startup_bench.py [--idle-seconds 60]

Measures, in one run:
  - time from spawning ``picloud serve`` to a 200 from /_picloud/health, with a
    cold data folder (initdb included) and a warm one (cluster reused);
  - CPU seconds the serve process uses while idle for --idle-seconds;
  - resident memory (VmRSS) of the serve process (PostgreSQL excluded);
and the same figures for a bare hypercorn trio-worker hello-world app as the
baseline (no database), with the ratios.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from http_bench import HELLO_APP, free_port  # noqa: E402

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def time_to_ok(process: subprocess.Popen, url: str, started: float, timeout: float = 120) -> float:
    while time.monotonic() - started < timeout:
        if process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return time.monotonic() - started
        except Exception:
            time.sleep(0.01)
    raise RuntimeError(f"{url} not ready after {timeout}s")


def stop(process: subprocess.Popen) -> float:
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    process.wait(30)
    return time.monotonic() - started


def measure(argv: list[str], url: str, cwd: Path, idle: float) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PICLOUD_")}
    started = time.monotonic()
    process = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        ready = time_to_ok(process, url, started)
        time.sleep(1)  # let start-up work settle before measuring idleness
        before = cpu_seconds(process.pid)
        time.sleep(idle)
        idle_cpu = cpu_seconds(process.pid) - before
        rss = rss_mib(process.pid)
        stopped = stop(process)
    finally:
        if process.poll() is None:
            process.kill()
    return {"ready": ready, "idle_cpu": idle_cpu, "rss": rss, "stop": stopped}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--idle-seconds", type=float, default=60.0)
    options = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="picloud-startup-"))
    work.chmod(0o755)
    try:
        (work / "hello_app.py").write_text(HELLO_APP)
        port = free_port()
        baseline = measure([sys.executable, "hello_app.py", f"127.0.0.1:{port}"],
                           f"http://127.0.0.1:{port}/", work, options.idle_seconds)
        rows = {"bare hypercorn": baseline}
        for label in ("picloud cold", "picloud warm"):
            port = free_port()
            rows[label] = measure(
                [sys.executable, "-m", "picloud.cli", "serve", "--listen", f"127.0.0.1:{port}",
                 "--data-dir", str(work / "data")],
                f"http://127.0.0.1:{port}/_picloud/health", work, options.idle_seconds)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(f"idle window: {options.idle_seconds:g} s")
    print(f"{'process':<16}{'to ready s':>11}{'vs base':>9}{'idle CPU s':>12}{'idle CPU %':>11}"
          f"{'RSS MiB':>9}{'vs base':>9}{'stop s':>8}")
    for label, r in rows.items():
        print(f"{label:<16}{r['ready']:>11.2f}{r['ready'] / baseline['ready']:>9.2f}{r['idle_cpu']:>12.2f}"
              f"{100 * r['idle_cpu'] / options.idle_seconds:>11.3f}{r['rss']:>9.1f}"
              f"{r['rss'] / baseline['rss']:>9.2f}{r['stop']:>8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
