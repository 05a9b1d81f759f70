"""Benchmarks of peakload itself, each a ratio to a reference measured in the same run.

A slower machine slows the reference as much as peakload, so the ratios hold;
a slower project raises them. Larger is worse for every ratio:

- ``simulator``: peakload's model time per customer over a minimal plain-SimPy
  M/M/10 model's, same customers;
- ``mock``: a bare FastAPI endpoint's capacity over the mock's (GET of a
  payment order), 200 keep-alive connections on loopback;
- ``generator``: Locust CPU-seconds per request of peakload's users over a
  minimal paced FastHttpUser's, the same number of users and pacing, against
  the same plain mock;
- ``sizing``: the wall time of ``peakload size`` on the nationwide scenario over
  one replication of its whole day (:mod:`benchmarks.sizing_speed`; the target
  is at most 8).
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from benchmarks.http_load import get_request
from benchmarks.mock_overhead import measure, prepare_mock, start_bare
from benchmarks.simulator_speed import minimal_simpy_mmc, station_scenario_text
from benchmarks.sizing_speed import NATIONWIDE, answer
from benchmarks.sizing_speed import measure as measure_sizing
from loadtests.mock_process import MockServer, free_port
from peakload.contract.summary import CONTRACT_VERSION, RunKind, Summary
from peakload.core.plan import ENV, Plan
from peakload.core.scenario_file import parse_scenario
from simulation.model import Model

ROOT = Path(__file__).resolve().parents[1]


def simulator_ratio(customers: int = 150_000, rounds: int = 3) -> dict[str, float]:
    """peakload's model time per customer over a minimal SimPy model's, each the least
    of ``rounds`` alternating runs: one run each read 0.41-0.56 in CIs and then 0.71
    (+36.6 %, a failed gate) with the simulator unchanged, this machine's speed
    drifting by more than that within hours; the least of each is the least disturbed."""
    scenario = parse_scenario(station_scenario_text(round(customers / 9.0)))
    minimal, ours, attempts = [], [], 0
    for _ in range(rounds):
        minimal_s, _ = minimal_simpy_mmc(customers)
        minimal.append(minimal_s)
        started = time.perf_counter()
        model = Model(scenario, np.random.SeedSequence(1)).run()
        ours.append(time.perf_counter() - started)
        attempts = model.requests.attempts
    per_customer = min(ours) / attempts
    reference = min(minimal) / customers
    return {
        "ratio": per_customer / reference,
        "us_per_customer": per_customer * 1e6,
        "reference_us_per_customer": reference * 1e6,
    }


def mock_ratio(connections: int = 200, seconds: float = 1.5, rounds: int = 5) -> dict[str, float]:
    """The bare endpoint's best capacity over the mock's best, in ``rounds`` alternating
    rounds of ``seconds`` each, the client in one process of its own throughout.

    One capacity each, as measured before, moved the ratio from 3.0 to 5.3 on this
    idle machine within a minute (both servers' capacity drifts by a quarter from one
    few seconds to the next, not together); the best of each over alternating rounds
    is what each server does when the machine lets it: seven runs of five 2 s rounds
    gave 3.29-3.94, four of five 1.5 s rounds (18.8 s a run, with the servers' start)
    3.22-4.31 (timeit takes the best of its repeats for the same reason)."""
    bare_port = free_port()
    bare = start_bare(bare_port)
    bare_rps, mock_rps = [], []
    try:
        with (
            tempfile.TemporaryDirectory() as tmp,
            MockServer(None, Path(tmp) / "m.db") as mock,
            ProcessPoolExecutor(1) as pool,  # the client in its own process and core
        ):
            token, order = prepare_mock(mock.url)
            bare_request = get_request("/bare")
            request = get_request(
                f"/api/v1/payment-orders/{order}", {"Authorization": f"Bearer {token}"}
            )
            for _ in range(rounds):
                bare_load = measure(bare_port, bare_request, connections, seconds, None, pool)
                mock_load = measure(mock.port, request, connections, seconds, None, pool)
                bare_rps.append(bare_load["rps"])
                mock_rps.append(mock_load["rps"])
    finally:
        bare.terminate()
        bare.wait()
    per_round = [b / m for b, m in zip(bare_rps, mock_rps, strict=True)]
    return {
        "ratio": max(bare_rps) / max(mock_rps),
        "mock_rps": max(mock_rps),
        "bare_rps": max(bare_rps),
        "round_ratio_min": min(per_round),
        "round_ratio_max": max(per_round),
    }


def _locust_cpu(command: list[str], env: dict[str, str]) -> tuple[float, int]:
    """CPU-seconds a headless Locust run used, and the requests it made."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [*command, "--csv", f"{tmp}/s"],
            env=env,
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        stats = Path(f"{tmp}/s_stats.csv").read_text().splitlines()
    aggregated = next(line for line in stats if ",Aggregated," in line)
    requests = int(aggregated.split(",")[2])
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, requests


def generator_ratio(users: int = 500, seconds: int = 20, rounds: int = 2) -> dict[str, float]:
    """Locust CPU per request of peakload's users over a minimal paced user's: each the
    least of ``rounds`` alternating runs of ``seconds``.

    One run each read 2.04-2.44 in ten CIs and then 2.75 (+35.6 % against a 2.03
    baseline: a failed gate) with the generator's code unchanged: ours 2.34 ms a
    request against 1.55 in the baseline, the reference 0.85 against 0.76. Other work
    on the machine only adds CPU to a run, never takes it away, so the least of each
    is the least disturbed, as for the mock's ratio."""
    smoke = ROOT / "scenarios" / "ci-smoke.toml"
    scale = users / 60  # ci-smoke's plateau is 60 users thinking 2 s on average
    plan = Plan(
        str(smoke), compress=1.0, user_scale=scale, lead_in="09:03", duration_s=float(seconds)
    )
    reference_runs, ours_runs = [], []
    for round_ in range(rounds):  # a mock of its own each: a run's records start empty
        with (
            tempfile.TemporaryDirectory() as tmp,
            MockServer(None, Path(tmp) / f"g{round_}.db") as mock,
        ):
            base = [
                sys.executable,
                "-m",
                "locust",
                "--headless",
                "--host",
                mock.url,
                "--only-summary",
                "--loglevel",
                "ERROR",
            ]
            env = {**os.environ, "PEAKLOAD_REFERENCE_PACING_S": str(2.0 * scale)}
            reference = [
                *base,
                "-f",
                "benchmarks/minimal_locustfile.py",
                "-u",
                str(users),
                "-r",
                str(users),
                "-t",
                f"{seconds}s",
            ]
            cpu, requests = _locust_cpu(reference, env)
            reference_runs.append(cpu / max(requests, 1))
            cpu, requests = _locust_cpu(
                [*base, "-f", "loadtests/locustfile.py"], {**env, ENV: plan.to_env()}
            )
            ours_runs.append(cpu / max(requests, 1))
    ours, least = min(ours_runs), min(reference_runs)
    return {
        "ratio": ours / least,
        "cpu_ms_per_request": ours * 1000,
        "reference_cpu_ms_per_request": least * 1000,
        "users": users,
    }


def sizing_ratio() -> dict[str, float]:
    figures = measure_sizing(NATIONWIDE)
    print(f"sizing: {answer(figures['document'])}", file=sys.stderr)
    return {
        "ratio": figures["ratio"],
        "sizing_s": figures["sizing_s"],
        "replication_s": figures["replication_s"],
        "cpu_ratio": figures["cpu_ratio"],
        "replications_run": figures["document"]["search"]["replications_run"],
    }


def run_suite(sizing: bool = True) -> Summary:
    """A contract summary (kind ``benchmark``) whose ``benchmarks`` section
    ``peakload compare`` judges; it measures no requests, so it has no ``overall``.

    ``sizing=False`` leaves out the sizing ratio, the slowest of them (a whole-day
    nationwide replication and a sizing, about 100 s on two idle cores): the gate
    measures it only when it is judged (:func:`benchmarks.gate.run_all`)."""
    benchmarks = {
        "simulator": simulator_ratio(),
        "mock": mock_ratio(),
        "generator": generator_ratio(),
    }
    if sizing:
        benchmarks["sizing"] = sizing_ratio()
    return Summary(
        kind=RunKind.BENCHMARK,
        scenario="suite",
        contract_version=CONTRACT_VERSION,
        benchmarks=benchmarks,
    )
