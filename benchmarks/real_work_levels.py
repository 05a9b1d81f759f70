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

``--probe``: meanwhile, ``benchmarks/machine_speed.py``'s timing child on each core
(a few per cent of it), and per level the mean CPU time of each fixed piece of work
over the level's wall span; then, with the same level repeated, how well each probe
tracks the stack's CPU per request: the correlation across levels, and the spread
of the CPU per request left once divided by the probe's speed (its time over its
mean). On 5 December, twice, twelve 35 s levels of 60 users (122 req/s, the core 33
to 48 % busy) moved the stack's CPU per request with an sd of 8.7 and 9.1 %; the
interpreter piece on the generator's core correlated 0.69 and 0.73 with it, the
memory piece 0.72 and 0.74, and divided by the interpreter's speed as is, the sd fell
to 6.4 and 6.1 %: the machine's common speed is about half of what moves a request's
CPU from one level to the next (docs/real-service.md).

``--server-side``: per level, each major transaction's mean response as the load test
measured it beside the stack's own (its request-timing middleware's histogram,
``peakload_request_duration_seconds`` on ``/metrics``, read before and after the level):
what the server took, from its ASGI app being called to the response sent, against
what the client waited, which adds the sockets, the HTTP parsing and the generator.

With one level repeated, it also prints how the CPU per request averages down over
spans of consecutive levels (:func:`averaging_down`): whether a longer held-out
window would average the machine's speed away. On 6 December, 136 users held 24
times for 45 s: sd 13.0 % over single levels, 11.9 % over means of eight (6
minutes), where independent offsets give 4.6 %: the speed moves over minutes, and a
longer window keeps it (docs/real-service.md, "What one run on this machine can show").

Usage: python benchmarks/real_work_levels.py [--users 10,25,50,75,100,125,150]
       [--duration 60] [--units 300] [--out DIR] [--probe] [--server-side]
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

import httpx
import numpy as np
import psutil

from loadtests.monitor import seconds_and_counts
from loadtests.real_stack import RealStack

MODEL = Path(__file__).resolve().parents[1] / "examples" / "real-service" / "model.toml"
LEVEL_1 = '[["09:00", 100], ["09:10", 100]]'
PIECES = ("arithmetic", "interpreter", "memory")  # what machine_speed.py's child times
PROBE_PAUSE_S = 1.5  # between the probe's rounds of ~0.1 s: a few per cent of a core
MAJOR = ("search_budget_codes", "create_payment", "sign_payment", "submit_payment", "get_payment")
SERVER_TIME = "peakload_request_duration_seconds"
SERVER_TIME_PAIR = {f"{SERVER_TIME}_sum": 0, f"{SERVER_TIME}_count": 1}


def server_time(exposition: str) -> dict[str, tuple[float, float]]:
    """Per route, (seconds, requests) the server's request-timing histogram has summed
    so far, from a Prometheus text exposition of ``/metrics``."""
    return seconds_and_counts(exposition, SERVER_TIME_PAIR, "route")


def server_means(before: dict, after: dict) -> dict[str, float]:
    """Per route, the mean seconds the server took between two :func:`server_time`
    readings (routes with no request between them left out)."""
    means = {}
    for route, (seconds, count) in after.items():
        seconds_before, count_before = before.get(route, (0.0, 0.0))
        if count > count_before:
            means[route] = (seconds - seconds_before) / (count - count_before)
    return means


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


def start_probes(cores: list[int], seconds: float) -> dict[int, subprocess.Popen]:
    """machine_speed.py's timing child on each of ``cores``, for ``seconds``."""
    script = Path(__file__).resolve().parent / "machine_speed.py"
    child = [str(script), "--child", "--seconds", str(seconds), "--pause", str(PROBE_PAUSE_S)]
    return {
        core: subprocess.Popen(
            ["taskset", "-c", str(core), sys.executable, *child], stdout=subprocess.PIPE, text=True
        )
        for core in cores
    }


def report_probes(
    probes: dict[int, subprocess.Popen],
    spans: list[tuple[float, float]],
    cpu_ms: np.ndarray,
    users: np.ndarray,
) -> None:
    """Wait for the probes, then per core and piece: its correlation with ``cpu_ms``
    over the levels' ``spans`` and the sd of ``cpu_ms`` divided by its speed; with
    levels of more than one size, each piece's mean time at each size (the machine's
    speed against the load the stack carries) and the correlation within a size."""
    spread = np.std(np.log(cpu_ms), ddof=1)
    print(f"probes: the stack's CPU per request sd {100 * spread:.1f} % over {len(spans)} levels")
    sizes = np.unique(users)
    for core, process in probes.items():
        out, _ = process.communicate()
        rounds = json.loads(out)
        for piece in PIECES:
            per = np.array(
                [np.mean([r[piece] for r in rounds if t0 <= r["wall"] <= t1]) for t0, t1 in spans]
            )
            r = np.corrcoef(cpu_ms, per)[0, 1]
            left = np.std(np.log(cpu_ms / (per / per.mean())), ddof=1)
            print(
                f"  core {core} {piece:<12} correlation {r:+.2f}, its slowest level "
                f"{per.max() / per.min():.2f} x its fastest, sd divided by it {100 * left:.1f} %"
            )
            if len(sizes) > 1:
                print("      " + ", ".join(_at_size(per, cpu_ms, users, s) for s in sizes))


def _at_size(per: np.ndarray, cpu_ms: np.ndarray, users: np.ndarray, size: int) -> str:
    """A probe piece's mean time over the levels of ``size`` users, and with three or
    more of them its correlation there with the stack's CPU per request."""
    mine = users == size
    text = f"{size} users {1000 * per[mine].mean():.2f} ms"
    if np.count_nonzero(mine) > 2:
        text += f" (r {np.corrcoef(cpu_ms[mine], per[mine])[0, 1]:+.2f})"
    return text


def averaging_down(per_request: np.ndarray) -> list[tuple[int, float, float]]:
    """How a repeated level's CPU per request averages down over longer spans.

    For spans of 1, 2, 4, ... consecutive levels (each span's mean a longer held-out
    window's figure): the span, the sd of the spans' means relative to the overall
    mean, and what that sd would be if the levels' offsets were independent (the
    single level's over the square root of the span). Where the two agree, a longer
    held-out window averages the machine's speed away; where the measured stays
    above, the speed moves over minutes and a longer window keeps it. Spans run while
    at least three fit."""
    values = np.asarray(per_request, dtype=float)
    mean = values.mean()
    single = values.std(ddof=1) / mean
    rows = []
    span = 1
    while len(values) // span >= 3:
        blocks = values[: len(values) // span * span].reshape(-1, span).mean(axis=1)
        rows.append((span, float(blocks.std(ddof=1) / mean), float(single / np.sqrt(span))))
        span *= 2
    return rows


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
    parser.add_argument(
        "--probe", action="store_true", help="time fixed work on both cores meanwhile"
    )
    parser.add_argument(
        "--server-side",
        action="store_true",
        help="each major transaction's mean as the server timed it, beside the client's",
    )
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="real-work-levels-"))
    out.mkdir(parents=True, exist_ok=True)
    stack_core, generator_core = sorted(os.sched_getaffinity(0))[:2]
    busy = out / "busy.toml"
    rows = []
    with RealStack(out, units=args.units, core=stack_core) as stack:  # stops however it ends
        busy.write_text(f'[tiers]\nstack = {{ process = "--port {stack.port}" }}\n')
        os.sched_setaffinity(0, {generator_core})
        levels = args.users.split(",")
        probes = (
            start_probes([stack_core, generator_core], len(levels) * (float(args.duration) + 15))
            if args.probe
            else {}
        )
        spans = []
        print(
            "users  req/s  busy %  CPU ms/req  app ms/req  db ms/req  mean ms  lost writes",
            flush=True,
        )
        for i, users in enumerate(int(u) for u in levels):
            app, db = cpu_seconds(stack.pids("worker")), cpu_seconds(stack.pids("postgres"))
            started, wall = time.monotonic(), time.time()
            served = server_time(httpx.get(f"{stack.url}/metrics").text) if args.server_side else {}
            summary = level(out / f"level-{i + 1}", stack.url, busy, users, args.duration)
            spans.append((wall, time.time()))
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
            if args.server_side:  # the whole level's, warm-up included, as the CPU above
                server = server_means(served, server_time(httpx.get(f"{stack.url}/metrics").text))
                client = summary["transactions"]
                print("      client / server ms: " + ", ".join(
                    f"{name} {1000 * client[name]['mean_s']:.2f} / {1000 * server[name]:.2f}"
                    for name in MAJOR if name in server and name in client
                ), flush=True)  # fmt: skip
            rows.append((x, u))
        if probes:
            x, u = np.array(rows).T
            report_probes(probes, spans, 1000 * u / x, np.array([int(v) for v in levels]))
    x, u = np.array(rows).T
    if np.ptp(x) < 0.1 * x.mean():  # one level repeated: no line to fit, the drift to show
        first, last = 1000 * u[0] / x[0], 1000 * u[-1] / x[-1]
        print(f"one level: CPU per request {first:.2f} ms first, {last:.2f} ms last "
              f"({100 * (last / first - 1):+.0f} %)")  # fmt: skip
        per = u / x
        lag1 = float(np.corrcoef(per[:-1], per[1:])[0, 1]) if len(per) > 2 else float("nan")
        print(f"level to level: lag-1 correlation {lag1:+.2f}; sd of the mean over spans of "
              f"{args.duration} s levels (independent offsets would give):")  # fmt: skip
        for span, measured, independent in averaging_down(per):
            print(f"  {span:3d} levels: {100 * measured:5.1f} % ({100 * independent:4.1f} %)")
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
