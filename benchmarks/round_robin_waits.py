"""Would a time-sliced core explain the real stack's waits? Round robin, by class.

A core that hands itself out in slices of ``q`` seconds, round robin (each
request runs a slice, then goes to the back of the line if unfinished), is
processor sharing as ``q`` goes to 0 and first come, first served as it grows.
This simulates one such core under Poisson arrivals of the real-service mix (the
major transactions' demands as ``benchmarks/held_out_waits.py`` measured them,
the rest as one class of 3 ms; gamma-distributed, cv 0.5) at utilization 0.7,
and prints each class's mean wait over the wait processor sharing gives it,
``D U / (1 - U)``: the same ratio ``held_out_waits.py`` prints for the measured
runs. At ``q`` near 0 every ratio is 1; as ``q`` grows, the cheap classes wait
more than their share and the dear ones less.

Usage: python benchmarks/round_robin_waits.py [--quanta 0.0002 0.001 0.002 0.004 0.008 1]
       [--utilization 0.7] [--requests 300000]
"""

from __future__ import annotations

import argparse
from collections import deque

import numpy as np

# name: (mean CPU seconds, share of requests); the shares of the model's mix
MIX = {
    "search_budget_codes": (1.04e-3, 0.143),
    "create_payment": (2.70e-3, 0.143),
    "sign_payment": (3.87e-3, 0.143),
    "submit_payment": (3.50e-3, 0.143),
    "get_payment": (1.49e-3, 0.190),
    "the rest": (3.0e-3, 0.238),
}
CV = 0.5


def waits(
    quantum: float, utilization: float, count: int, rng: np.random.Generator
) -> dict[str, float]:
    """Each class's mean wait at a round-robin core over its processor-sharing wait."""
    names = list(MIX)
    means = np.array([MIX[n][0] for n in names])
    shares = np.array([MIX[n][1] for n in names])
    shares = shares / shares.sum()
    rate = utilization / float(shares @ means)
    arrival = np.cumsum(rng.exponential(1 / rate, count))
    kind = rng.choice(len(names), count, p=shares)
    shape = 1 / CV**2
    demand = rng.gamma(shape, means[kind] / shape)
    line: deque[tuple[int, float]] = deque()
    response = np.zeros(count)
    now, arrived, done = 0.0, 0, 0
    while done < count:
        if not line:  # idle: the next arrival starts at once
            now = max(now, arrival[arrived])
            line.append((arrived, demand[arrived]))
            arrived += 1
        job, left = line.popleft()
        run = min(quantum, left)
        end = now + run
        while arrived < count and arrival[arrived] <= end:  # they join behind
            line.append((arrived, demand[arrived]))
            arrived += 1
        left -= run  # not end - now: late in the run that difference rounds
        now = end
        if left <= 0.0:
            response[job] = now - arrival[job]
            done += 1
        else:
            line.append((job, left))
    wait = response - demand
    shared = utilization / (1 - utilization)
    return {n: float(wait[kind == i].mean() / (means[i] * shared)) for i, n in enumerate(names)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quanta", type=float, nargs="+", default=[0.0002, 0.001, 0.002, 0.004, 0.008, 1.0]
    )
    parser.add_argument("--utilization", type=float, default=0.7)
    parser.add_argument("--requests", type=int, default=300_000)
    args = parser.parse_args()
    print("quantum ms  " + "  ".join(n[:12] for n in MIX))
    for quantum in args.quanta:
        ratios = waits(quantum, args.utilization, args.requests, np.random.default_rng(1))
        print(f"{1000 * quantum:10.2f}  " + "  ".join(f"{r:12.2f}" for r in ratios.values()))


if __name__ == "__main__":
    main()
