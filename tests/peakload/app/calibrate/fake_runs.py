"""Load-test run directories made without a load test: what ``calibrate`` reads.

Per second, completions are Poisson around a load and a mix; busy time per
tier is the exact sum of exponential service times of the transactions the
scenario routes there (a gamma); response times are the sum of a request's
demands and its time outside the tiers, and with ``queueing`` the mean M/M/c
wait at each tier it visits (the mean, not a draw: the waits' own spread is
not exercised). The files have the run directory's layout: summary.json,
scenario.toml, raw/requests-0.npz, raw/shape.npz and tiers.csv.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np

from peakload.core.clock import format_clock
from peakload.core.scenario_file import load_scenario
from peakload.measure.calibration import tier_file
from simulation.analytic import erlang_c

EPOCH = 1_800_000_000.0
START_S = 9 * 3600.0


def _waits(busy_s: np.ndarray, visits: np.ndarray, servers: np.ndarray) -> np.ndarray:
    """Per tier, the M/M/c mean wait in a second that offers ``busy_s`` seconds of
    service in ``visits`` visits."""
    rho = np.clip(busy_s / servers, 0.0, 0.95)
    service = np.divide(busy_s, visits, out=np.zeros_like(busy_s), where=visits > 0)
    return np.array(
        [
            erlang_c(int(c), c * r) * x / (c * (1 - r)) if r > 0 else 0.0
            for c, r, x in zip(servers, rho, service, strict=True)
        ]
    )


def fake_run(
    run_dir: Path,
    scenario_path: Path,
    rng: np.random.Generator,
    seconds: int = 300,
    rate: float = 30.0,
    varying_mix: bool = True,
    tiers: bool = True,
    outside: dict[str, float] | None = None,
    together: tuple[str, str] | None = None,
    queueing: bool = False,
    told_draws: bool = False,
    background: dict[str, float] | None = None,
    cv: float = 1.0,
) -> Path:
    """``outside``: per transaction, time its responses carry beyond its demands
    (default 1 ms each). ``together``: two transactions whose completions always
    go together (the second's count is the first's), so no run can separate them.
    ``queueing``: each response also waits, at each tier it visits, the mean wait of
    an M/M/c queue at the load offered in that second (without it a tier 70 % busy
    makes no one wait, which no server does). ``told_draws``: each record says how far
    its drawn demands fell from their mean (``demand_deviation``), as the mock's
    answers do. ``background``: per tier, busy seconds per second no request makes
    (an operating system's housekeeping on a CPU); the load then varies by blocks of
    20 s between a quarter and 1.75 times ``rate``, which is what tells it apart.
    ``cv``: the demands' coefficient of variation, gamma-distributed (1: exponential).
    A transaction's ``deferred`` work in the scenario joins its tier's busy time
    ``after_s`` (whole) seconds after the second its requests ended in (exponential
    draws: their sum, a gamma)."""
    scenario = load_scenario(scenario_path)
    names = [t.name for t in scenario.transactions]
    tier_names = [t.name for t in scenario.tiers]
    demand = np.array(
        [
            [float(t.demand[k].mean) if k in t.demand else 0.0 for k in tier_names]
            for t in scenario.transactions
        ]
    )
    if varying_mix:
        blocks = rng.dirichlet(np.full(len(names), 0.7), size=(seconds + 19) // 20)
        mix = np.repeat(blocks, 20, axis=0)[:seconds]
    else:
        mix = np.tile(np.full(len(names), 1.0 / len(names)), (seconds, 1))
    if background:  # the load varies too, as a tour's phases and ramps make it
        load = np.repeat(rng.uniform(0.25, 1.75, size=(seconds + 19) // 20), 20)[:seconds]
        mix = mix * load[:, None]
    counts = rng.poisson(rate * mix)
    if together is not None:
        counts[:, names.index(together[1])] = counts[:, names.index(together[0])]
    extra = np.array([(outside or {}).get(n, 0.001) for n in names])
    servers = np.array([float(t.servers) for t in scenario.tiers])
    ends, kinds, responses, deviations = [], [], [], []
    busy = np.zeros((seconds, len(tier_names)))
    for s in range(seconds):
        served = []
        for t, n in enumerate(counts[s]):
            if n == 0:
                continue
            if cv == 1.0:
                service = rng.exponential(demand[t], size=(n, len(tier_names)))
            else:
                service = rng.gamma(1 / cv**2, demand[t] * cv**2, size=(n, len(tier_names)))
            busy[s] += service.sum(axis=0)
            ends.append(EPOCH + s + rng.random(n))
            kinds.append(np.full(n, t))
            served.append((t, service))
        wait = np.zeros(len(tier_names))
        if queueing:  # at the load offered in that second, not the one drawn
            wait = _waits(rate * mix[s] @ demand, rate * mix[s] @ (demand > 0), servers)
        for t, service in served:
            responses.append(service.sum(axis=1) + extra[t] + (demand[t] > 0) @ wait)
            deviations.append(service.sum(axis=1) - demand[t].sum())
    for t, txn in enumerate(scenario.transactions):  # its work, due after_s after it ended
        for work in txn.deferred:
            k, lag = tier_names.index(work.tier), round(work.after_s)
            due = counts[: max(seconds - lag, 0), t]
            busy[lag:, k] += rng.gamma(np.maximum(due, 1e-12), float(work.demand.mean)) * (due > 0)
    for k, name in enumerate(tier_names):
        busy[:, k] += (background or {}).get(name, 0.0)
    raw = run_dir / "raw"
    raw.mkdir(parents=True)
    end = np.concatenate(ends)
    np.savez(
        raw / "requests-0.npz",
        end=end,
        response=np.concatenate(responses),
        transaction=np.concatenate(kinds).astype(np.int32),
        outcome=np.zeros(len(end), dtype=np.int8),
        status=np.full(len(end), 200, dtype=np.int32),
        **({"demand_deviation": np.concatenate(deviations)} if told_draws else {}),
    )
    wall = EPOCH + np.arange(seconds + 1, dtype=float)
    np.savez(
        raw / "shape.npz",
        wall=wall,
        elapsed=np.arange(seconds + 1, dtype=float),
        target=np.full(seconds + 1, 60.0),
        users=np.full(seconds + 1, 60.0),
    )
    if tiers:
        cumulative = np.vstack([np.zeros(len(tier_names)), np.cumsum(busy, axis=0)])
        tier_file.write(
            run_dir / tier_file.FILENAME,
            list(wall),
            [
                {k: {"busy_seconds": float(cumulative[i, j])} for j, k in enumerate(tier_names)}
                for i in range(seconds + 1)
            ],
        )
    shutil.copyfile(scenario_path, run_dir / "scenario.toml")
    end_s = START_S + seconds
    summary = {
        "kind": "loadtest",
        "scenario": scenario.name,
        "window": [format_clock(START_S), format_clock(end_s)],
        "window_s": [START_S, end_s],
        "plan": {
            "compress": 1.0,
            "user_scale": 1.0,
            "workers": 1,
            "run": [format_clock(START_S), format_clock(end_s)],
            "wall_duration_s": float(seconds),
            "seed": 1,
        },
    }
    (run_dir / "summary.json").write_text(json.dumps(summary))
    return run_dir
