"""How steady is this machine? A fixed piece of work, timed again and again.

A prediction of a real server's utilization is only as steady as the machine
that serves it: if the same request costs 10 % more CPU in one minute than in
the next, a level at 70 % busy moves by 7 points whatever the model says.
This script measures that directly, with no server at all. On each core it is
given, a child process pinned to that core times three fixed pieces of work,
over and over, in process CPU seconds (so time the core spent on others does
not count):

- ``arithmetic``: SHA-256 of 1 MB, twenty times. Its data fit the core's own
  caches; it moves only if the core's clock does.
- ``interpreter``: 200,000 dictionary updates in Python, the kind of work a
  Python server's request is made of.
- ``memory``: a gather of 2 million random entries of a 32 MB array, beyond
  the core's own caches: it waits on the cache the cores share and on memory.

It prints, per core and piece, the mean of each ``--window`` of seconds: the
slowest window over the fastest, and the coefficient of variation across
windows; with two cores, the correlation of their windows (a common cause:
the machine's, not one core's).

Measured on this 2-core virtual machine (an AMD EPYC whose L3 cache its
neighbours share), 5 December, 240 s, 20 s windows, both cores at once. At
15:55 (the same pieces, timed by a first draft of this script): the arithmetic
held within 1 %; the interpreter's slowest window took 1.36 (core 0) and 1.27
(core 1) times its fastest, the memory's 1.21 and 1.14, correlated 0.71 between
the cores. At 16:29, calmer: arithmetic 1.01 (cv 0.2 %), interpreter 1.13 and
1.09 (cv 3.5 and 3.1 %), memory 1.13 and 1.12 (cv 3.3 and 3.4 %), correlated
0.62 and 0.91. The machine's speed for such work moves by the minute and by
the hour. That is the ``speed_sd`` calibrate finds in a tour's phases and
validate draws into its prediction (docs/validate.md).

Usage: python benchmarks/machine_speed.py [--seconds 240] [--window 20] [--cores 0 1]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable

import numpy as np

PIECES = ("arithmetic", "interpreter", "memory")


def pieces(rng: np.random.Generator) -> dict[str, Callable[[], object]]:
    """The three fixed pieces of work (module docstring), their data drawn once."""
    blob = rng.bytes(1 << 20)
    table = np.arange(1 << 22, dtype=np.int64)  # 32 MB
    where = rng.integers(0, len(table), size=1 << 21)

    def arithmetic() -> object:
        return [hashlib.sha256(blob).digest() for _ in range(20)]

    def interpreter() -> object:
        counts: dict[int, int] = {}
        for i in range(200_000):
            counts[i & 1023] = counts.get(i & 1023, 0) + i
        return counts

    def memory() -> object:
        return table[where].sum()

    return {"arithmetic": arithmetic, "interpreter": interpreter, "memory": memory}


def child(seconds: float, pause_s: float) -> None:
    """Time every piece, pausing ``pause_s`` between rounds, for ``seconds``; print
    one JSON list of rounds: wall time and each piece's CPU seconds."""
    work = pieces(np.random.default_rng(1))
    rounds = []
    end = time.time() + seconds
    while time.time() < end:
        row = {"wall": time.time()}
        for name, piece in work.items():
            started = time.process_time()
            piece()
            row[name] = time.process_time() - started
        rounds.append(row)
        time.sleep(pause_s)
    print(json.dumps(rounds))


def windows(rounds: list[dict], start: float, width: float) -> dict[int, dict[str, float]]:
    """Each piece's mean CPU seconds per window of ``width`` seconds from ``start``."""
    by: dict[int, list[dict]] = {}
    for row in rounds:
        by.setdefault(int((row["wall"] - start) // width), []).append(row)
    return {w: {p: float(np.mean([r[p] for r in rows])) for p in PIECES} for w, rows in by.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=240.0, help="how long to time")
    parser.add_argument("--window", type=float, default=20.0, help="seconds per window")
    parser.add_argument("--cores", type=int, nargs="+", default=[0], help="one child each")
    parser.add_argument("--pause", type=float, default=0.5, help=argparse.SUPPRESS)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.seconds, args.pause)
        return
    command = [sys.executable, __file__, "--child", "--seconds", str(args.seconds)]
    started = time.time()
    children = [
        subprocess.Popen(["taskset", "-c", str(core), *command], stdout=subprocess.PIPE, text=True)
        for core in args.cores
    ]
    found = {}
    for core, process in zip(args.cores, children, strict=True):
        out, _ = process.communicate()
        if process.returncode != 0:
            raise SystemExit(f"core {core}: the timing child failed (exit {process.returncode})")
        found[core] = windows(json.loads(out), started, args.window)
    print(
        f"{args.seconds:g} s, windows of {args.window:g} s, cores {args.cores}, "
        f"load average {os.getloadavg()[0]:.1f} after"
    )
    print(
        f"{'core':>4} {'piece':<12} {'windows':>7} {'fastest ms':>10}"
        f" {'slowest/fastest':>15} {'cv':>6}"
    )
    for core, by in found.items():
        for piece in PIECES:
            values = np.array([w[piece] for w in by.values()])
            print(
                f"{core:>4} {piece:<12} {len(values):>7} {1000 * values.min():>10.2f}"
                f" {values.max() / values.min():>15.2f} {values.std(ddof=1) / values.mean():>6.3f}"
            )
    if len(found) == 2:
        (a, by_a), (b, by_b) = found.items()
        common = sorted(set(by_a) & set(by_b))
        for piece in PIECES:
            r = np.corrcoef([by_a[w][piece] for w in common], [by_b[w][piece] for w in common])
            print(f"cores {a} and {b}, {piece}: correlation {r[0, 1]:.2f} ({len(common)} windows)")


if __name__ == "__main__":
    main()
