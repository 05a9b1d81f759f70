"""The real-work stack's CPU per request across load levels (docs/real-service.md).

Starts ``peakload serve --work real --processes 1`` pinned to the first core
(its own PostgreSQL, ``--units`` budget units), pins itself, and so every load
test, to the second, and runs ``peakload loadtest --host`` at each level of
``examples/real-service/model.toml``'s workload (the model's mix, a 0.5 s think),
one after another against the one stack, with the stack's CPU seconds from the
operating system (``--busy-time``: the server and every process it started).
Prints per level the throughput, the core's utilization, CPU milliseconds per
request (and of those, the app's worker process and PostgreSQL's processes, from
psutil over the level's whole wall time), the mean response and the writes
reconciled, then the least-squares line ``U = background + demand x throughput``
over the levels and each level's residual. One level repeated
(``--users 60,60,60,60,60,60``) shows the CPU a request costs drift as the
server's tables fill (docs/real-service.md). Each run's Idempotency-Keys are its
own (``Plan.run_token``), so the levels' writes do not replay each other's.

Usage: python benchmarks/real_work_levels.py [--users 10,25,50,75,100,125,150]
       [--duration 60] [--units 300] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import psutil

from loadtests.real_stack import RealStack

MODEL = Path(__file__).resolve().parents[1] / "examples" / "real-service" / "model.toml"
LEVEL_1 = '[["09:00", 100], ["09:10", 100]]'


def level(out: Path, url: str, busy: Path, users: int, duration: str) -> dict:
    """One load test at ``users`` (its files under ``out``): its summary."""
    out.mkdir(parents=True, exist_ok=True)
    scenario = out / f"users-{users}.toml"
    text = MODEL.read_text()
    assert LEVEL_1 in text, "the model's workload changed: update LEVEL_1"
    scenario.write_text(text.replace(LEVEL_1, f'[["09:00", {users}], ["09:10", {users}]]'))
    runs = out / f"users-{users}"
    done = subprocess.run(
        [sys.executable, "-m", "peakload.cli", "loadtest", "--scenario", str(scenario),
         "--host", url, "--busy-time", str(busy), "--duration", duration,
         "--out", str(runs), "--no-plots", "--quiet"],
        capture_output=True, text=True,
    )  # fmt: skip
    if done.returncode not in (0, 1):
        raise SystemExit(f"{users} users: exit {done.returncode}: {done.stderr[-500:]}")
    (run,) = runs.iterdir()
    return json.loads((run / "summary.json").read_text())


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU seconds of ``pids`` and their children, as psutil reads them
    now (a process gone meanwhile counts nothing)."""
    total = 0.0
    for pid in pids:
        try:
            root = psutil.Process(pid)
            tree = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            continue
        for process in tree:
            try:
                times = process.cpu_times()
            except psutil.NoSuchProcess:
                continue
            total += times.user + times.system
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", default="10,25,50,75,100,125,150")
    parser.add_argument("--duration", default="60", help="wall seconds per level")
    parser.add_argument("--units", type=int, default=300)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="real-work-levels-"))
    out.mkdir(parents=True, exist_ok=True)
    stack_core, generator_core = sorted(os.sched_getaffinity(0))[:2]
    busy = out / "busy.toml"
    rows = []
    with RealStack(out, units=args.units, core=stack_core) as stack:  # stops however it ends
        busy.write_text(f'[tiers]\nstack = {{ process = "--port {stack.port}" }}\n')
        os.sched_setaffinity(0, {generator_core})
        print(
            "users  req/s  busy %  CPU ms/req  app ms/req  db ms/req  mean ms  lost writes",
            flush=True,
        )
        for i, users in enumerate(int(u) for u in args.users.split(",")):
            app, db = cpu_seconds(stack.pids("worker")), cpu_seconds(stack.pids("postgres"))
            started = time.monotonic()
            summary = level(out / f"level-{i + 1}", stack.url, busy, users, args.duration)
            requests = summary["overall"]["throughput_rps"] * (time.monotonic() - started)
            app = 1000 * (cpu_seconds(stack.pids("worker")) - app) / requests
            db = 1000 * (cpu_seconds(stack.pids("postgres")) - db) / requests
            x = summary["overall"]["throughput_rps"]
            u = summary["tiers"]["stack"]["utilization"]
            lost = summary.get("reconciliation", {}).get("lost", "not checked")
            mean_ms = 1000 * summary["overall"]["mean_s"]
            print(
                f"{users:5d} {x:6.1f} {100 * u:7.1f} {1000 * u / x:11.2f} {app:10.2f} "
                f"{db:9.2f} {mean_ms:8.2f}  {lost}",
                flush=True,
            )
            rows.append((x, u))
    x, u = np.array(rows).T
    if np.ptp(x) < 0.1 * x.mean():  # one level repeated: no line to fit, the drift to show
        first, last = 1000 * u[0] / x[0], 1000 * u[-1] / x[-1]
        print(f"one level: CPU per request {first:.2f} ms first, {last:.2f} ms last "
              f"({100 * (last / first - 1):+.0f} %)")  # fmt: skip
        print(f"runs in {out}")
        return
    line = np.column_stack([np.ones_like(x), x])
    (background, demand), *_ = np.linalg.lstsq(line, u, rcond=None)
    residual = 100 * (u - line @ np.array([background, demand]))
    print(f"U = {100 * background:.1f} % + {1000 * demand:.2f} ms x throughput; residuals "
          + ", ".join(f"{r:+.1f}" for r in residual) + " points")  # fmt: skip
    print(f"runs in {out}")


if __name__ == "__main__":
    main()
