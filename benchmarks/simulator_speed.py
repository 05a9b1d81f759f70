"""Simulator speed beside a minimal plain-SimPy M/M/c model, measured in the same run.

Prints, for the same ~500,000 customers of an M/M/10 station at rho = 0.9:

- the minimal model: a process per customer, a ``simpy.Resource``, a ``timeout``
  (the textbook SimPy model, the baseline every figure is a ratio to);
- peakload's model alone (in this process) on the same station;
- the whole ``peakload simulate`` process (start-up, model, statistics,
  cross-check, summary.json and timeseries.csv), run as a subprocess;

- the same station as a pool of 10 workers on 10 cores (processor sharing that
  never slows anyone: the cost of the exact PS bookkeeping alone) and of 20
  workers on 10 cores (PS slowing requests whenever more than 10 are in);

and then one replication of the whole April 2020 day (``peakload simulate``
on kbnn-2020-04-peak.toml, one process). Ratios, not absolute times, are what
carry over between machines.

Usage: python benchmarks/simulator_speed.py [--customers N] [--skip-april] [--skip-shared]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import simpy

from peakload.core.clock import format_clock
from peakload.core.scenario_file import load_scenario, parse_scenario
from simulation.model import Model

ROOT = Path(__file__).resolve().parents[1]
SERVERS, SERVICE_S, RATE = 10, 1.0, 9.0  # M/M/10, rho = 0.9


def minimal_simpy_mmc(customers: int, seed: int = 1) -> tuple[float, float]:
    """The textbook model. Returns (wall seconds, mean response) for ``customers``."""
    rng = np.random.default_rng(seed)
    gaps = rng.exponential(1 / RATE, customers).tolist()
    services = rng.exponential(SERVICE_S, customers).tolist()
    env = simpy.Environment()
    server = simpy.Resource(env, capacity=SERVERS)
    responses: list[float] = []

    def customer(service: float):
        arrived = env.now
        with server.request() as request:
            yield request
            yield env.timeout(service)
        responses.append(env.now - arrived)

    def source():
        for gap, service in zip(gaps, services, strict=True):
            yield env.timeout(gap)
            env.process(customer(service))

    started = time.perf_counter()
    env.process(source())
    env.run()
    return time.perf_counter() - started, float(np.mean(responses))


def station_scenario_text(
    horizon_s: float, workers: int = SERVERS, cores: int | None = None
) -> str:
    """The M/M/10 station as a scenario; with ``cores``, a pool of ``workers`` on them."""
    pool = f"workers = {workers}" + ("" if cores is None else f"\ncores = {cores}")
    return f"""
[scenario]
name = "bench-mmc"
start = "00:00"
end = "{format_clock(horizon_s, with_seconds=True)}"
window = ["00:00", "{format_clock(horizon_s, with_seconds=True)}"]
[workload]
kind = "open"
rate = [["00:00", {RATE}]]
timeout_s = 1000000.0
[[transactions]]
name = "job"
weight = 1
demand = {{ station = {{ dist = "exponential", mean = {SERVICE_S} }} }}
[[tiers]]
name = "station"
instances = 1
{pool}
"""


def run_cli(scenario: Path, out: Path, *extra: str) -> tuple[float, dict]:
    command = [
        str(Path(sys.executable).parent / "peakload"),
        "simulate",
        "--scenario",
        str(scenario),
        "--out",
        str(out),
        "--jobs",
        "1",
        "--no-plots",
        "--quiet",
        *extra,
    ]
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    (run_dir,) = sorted(out.iterdir())[-1:]
    return wall, json.loads((run_dir / "summary.json").read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=500_000)
    parser.add_argument("--skip-april", action="store_true")
    parser.add_argument("--skip-shared", action="store_true")
    args = parser.parse_args()
    horizon = round(args.customers / RATE)

    minimal_s, minimal_mean = minimal_simpy_mmc(args.customers)
    print(f"M/M/{SERVERS} at rho 0.9, {args.customers:,} customers")
    print(
        f"  minimal SimPy model        {minimal_s:7.2f} s  "
        f"{minimal_s / args.customers * 1e6:5.1f} us/customer  mean R {minimal_mean:.3f} s"
    )

    with tempfile.TemporaryDirectory() as tmp:
        scenario_path = Path(tmp) / "bench-mmc.toml"
        scenario_path.write_text(station_scenario_text(horizon))
        scenario = load_scenario(scenario_path)
        started = time.perf_counter()
        model = Model(scenario, np.random.SeedSequence(1)).run()
        model_s = time.perf_counter() - started
        n = model.requests.attempts
        print(
            f"  peakload model (in-proc)   {model_s:7.2f} s  {model_s / n * 1e6:5.1f} us/customer"
            f"  ratio {model_s / minimal_s:.2f}x of minimal"
        )

        if not args.skip_shared:
            for workers, cores in ((SERVERS, SERVERS), (2 * SERVERS, SERVERS)):
                shared = parse_scenario(station_scenario_text(horizon, workers, cores))
                started = time.perf_counter()
                pool_model = Model(shared, np.random.SeedSequence(1)).run()
                pool_s = time.perf_counter() - started
                n = pool_model.requests.attempts
                print(
                    f"  {workers} workers on {cores} cores    {pool_s:7.2f} s  "
                    f"{pool_s / n * 1e6:5.1f} us/customer  ratio {pool_s / model_s:.2f}x of "
                    f"the plain station, {pool_s / minimal_s:.2f}x of minimal"
                )

        whole_s, summary = run_cli(scenario_path, Path(tmp) / "out")
        n = summary["simulated_requests"]
        print(
            f"  peakload simulate, whole   {whole_s:7.2f} s  {whole_s / n * 1e6:5.1f} us/customer"
            f"  ratio {whole_s / minimal_s * args.customers / n:.2f}x of minimal "
            f"(target <= 1.25x)  mean R {summary['overall']['mean_s']:.3f} s"
        )

        if not args.skip_april:
            april = ROOT / "scenarios" / "kbnn-2020-04-peak.toml"
            wall, summary = run_cli(april, Path(tmp) / "april")
            n = summary["simulated_requests"]
            visits = sum(t["throughput_rps"] for t in summary["tiers"].values()) / max(
                summary["overall"]["throughput_rps"], 1e-9
            )
            print("April 2020 day (kbnn-2020-04-peak), one replication, one process")
            print(
                f"  peakload simulate, whole   {wall:7.2f} s  (target < 120 s)  "
                f"{n:,} requests, {n / wall:,.0f} requests/s, ~{visits:.1f} tier visits each"
            )
            print(
                f"  per request vs minimal M/M/c customer: "
                f"{(wall / n) / (minimal_s / args.customers):.2f}x"
            )


if __name__ == "__main__":
    main()
