"""What reading SimPy's public ``env.now`` on the hot path would cost the simulator.

The simulator reads the clock through the private ``Environment._now``
(simulation/request.py, tier.py, deadlines.py, clients.py). ``env.now`` is a
property over the same attribute: one Python call more per read. This script
builds a second copy of those modules with every ``._now`` read replaced by
``.now`` (source rewritten in memory, nothing on disk changes), runs the same
model with both copies in this one process, alternating, several times, and
prints the best and median CPU times and the ratio public / private.

Two workloads: the M/M/10 station of benchmarks/simulator_speed.py (open) and
ci-smoke (closed, 4 tiers). Same seed, so both copies simulate the same events;
the script checks that they record the same attempts.

Usage: python -m benchmarks.simpy_now [--repeats N] [--customers N]
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import time
import types
from pathlib import Path

import numpy as np

from benchmarks.simulator_speed import RATE, station_scenario_text
from peakload.core.scenario_file import load_scenario, parse_scenario
from simulation.model import Model

ROOT = Path(__file__).resolve().parents[1]
HOT_PATH = ("deadlines", "tier", "request", "clients", "model")  # import order
COPY = "_simulation_public_now"


def public_now_model() -> tuple[type[Model], int]:
    """A copy of the simulator that reads ``env.now``; returns its Model and the
    number of ``._now`` reads replaced."""
    package = types.ModuleType(COPY)
    package.__path__ = []
    sys.modules[COPY] = package
    replaced = 0
    for name in HOT_PATH:
        source = (ROOT / "simulation" / f"{name}.py").read_text()
        replaced += source.count("._now")
        source = source.replace("._now", ".now").replace("from simulation.", f"from {COPY}.")
        spec = importlib.util.spec_from_loader(f"{COPY}.{name}", loader=None)
        assert spec is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        exec(compile(source, f"<{name}.py with env.now>", "exec"), module.__dict__)
    return sys.modules[f"{COPY}.model"].Model, replaced


def timed(model_class: type[Model], scenario, seed: int) -> tuple[float, int]:
    started = time.process_time()  # CPU time: other processes on the machine weigh less
    model = model_class(scenario, np.random.SeedSequence(seed)).run()
    return time.process_time() - started, model.requests.attempts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--customers", type=int, default=200_000)
    args = parser.parse_args()
    public, replaced = public_now_model()
    workloads = {
        "M/M/10 station (open)": parse_scenario(
            station_scenario_text(round(args.customers / RATE))
        ),
        "ci-smoke (closed)": load_scenario(ROOT / "scenarios" / "ci-smoke.toml"),
    }
    print(f"{replaced} reads of env._now replaced by env.now; {args.repeats} alternating runs each")
    for label, scenario in workloads.items():
        times: dict[str, list[float]] = {"_now": [], "now": []}
        counts = set()
        timed(Model, scenario, 1)  # warm up both copies
        timed(public, scenario, 1)
        for _ in range(args.repeats):
            for key, model_class in (("_now", Model), ("now", public)):
                wall, n = timed(model_class, scenario, 1)
                times[key].append(wall)
                counts.add(n)
        assert len(counts) == 1, f"the two copies simulated different runs: {counts}"
        best = {k: min(v) for k, v in times.items()}
        median = {k: statistics.median(v) for k, v in times.items()}
        print(
            f"  {label:24s} {counts.pop():,} attempts  "
            f"env._now best {best['_now']:.3f} s median {median['_now']:.3f} s  "
            f"env.now best {best['now']:.3f} s median {median['now']:.3f} s  "
            f"ratio best {best['now'] / best['_now']:.3f} median "
            f"{median['now'] / median['_now']:.3f}"
        )


if __name__ == "__main__":
    main()
