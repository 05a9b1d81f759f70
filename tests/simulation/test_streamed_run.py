"""A simulated run's streamed figures against the same run's rows, and against the
exact figures the simulator gave before it streamed (``results/baselines``)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from peakload.contract.summary import RunKind
from peakload.core.scenario_file import load_scenario
from peakload.measure.reduce import summarize
from peakload.measure.sketch import DEFAULT_ALPHA
from peakload.measure.stats import Outcome
from simulation.model import Model
from simulation.records import RunRecords
from simulation.runner import replication_seeds, run_replication, simulate
from simulation.statistics import detect_warmup
from tests.factories import exponential, station_scenario
from tests.simulation.kept import run_kept

ROOT = Path(__file__).resolve().parents[2]
SMOKE = ROOT / "scenarios" / "ci-smoke.toml"
BASELINE = ROOT / "results" / "baselines" / "sim-ci-smoke" / "summary.json"


def within_alpha(got: float, exact: float) -> bool:
    return abs(got - exact) <= DEFAULT_ALPHA * exact * (1 + 1e-9)


def test_the_streamed_percentiles_are_within_alpha_of_the_same_runs_exact_ones():
    scenario = load_scenario(SMOKE)
    window = scenario.window_s
    (seed,) = replication_seeds(scenario.scenario.seed, 1)
    kept = run_kept(Model(scenario, seed, window=window))
    summary = summarize(
        RunKind.SIMULATION, scenario.name, RunRecords.of(kept.model).observations(), window
    )
    inside = (kept.end >= window[0]) & (kept.end < window[1])
    response = kept.response[inside]
    assert summary.overall.requests == inside.sum()
    assert summary.overall.mean_s == pytest.approx(response.mean(), rel=1e-12)
    for q in (50, 95, 99):
        assert within_alpha(getattr(summary.overall, f"p{q}_s"), np.percentile(response, q))
    for i, name in enumerate(kept.transaction_names):
        mine = kept.response[inside & (kept.transaction == i)]
        figures = summary.transactions[name]
        assert figures.count == len(mine)
        assert figures.errors == np.count_nonzero(
            kept.outcome[inside & (kept.transaction == i)] != Outcome.OK
        )
        if not len(mine):  # the sign-ins are over before the window
            assert np.isnan(figures.p95_s)
            continue
        assert within_alpha(figures.p95_s, np.percentile(mine, 95))
        assert within_alpha(figures.p99_s, np.percentile(mine, 99))


def test_ci_smoke_gives_the_baselines_exact_figures_within_the_bound():
    before = json.loads(BASELINE.read_text())
    result = simulate(load_scenario(SMOKE), seed=before["seed"], jobs=1)
    now = result.summary.overall
    assert now.requests == before["overall"]["requests"]
    assert now.mean_s == pytest.approx(before["overall"]["mean_s"], rel=1e-12)
    assert within_alpha(now.p95_s, before["overall"]["p95_s"])
    assert within_alpha(now.p99_s, before["overall"]["p99_s"])
    assert result.summary.quantile_error == DEFAULT_ALPHA
    # every window latency is still kept for compare when they are this few
    baseline = np.load(BASELINE.parent / "latencies.npy")
    assert np.array_equal(np.sort(result.latencies), np.sort(baseline))


def test_a_steady_run_drops_its_warmup_to_a_whole_minute_and_counts_what_it_dropped():
    scenario = station_scenario(
        [{"name": "app", "instances": 1, "workers": 2}],
        {"app": exponential(0.1)},
        users=30,
        think=exponential(1.0),
        end="00:30",
    )
    (seed,) = replication_seeds(1, 1)
    kept = run_kept(Model(scenario, seed))
    warmup = detect_warmup(RunRecords.of(kept.model))
    assert warmup.truncated_at % 60 == 0
    assert warmup.dropped_requests == np.count_nonzero(kept.end < warmup.truncated_at)
    assert warmup.dropped_s == warmup.truncated_at - scenario.start_s


@pytest.mark.parametrize("seed", [1, 3])
def test_a_one_minute_steady_run_keeps_a_window(seed):
    """A grid of one bin: rounding MSER-5's cut up would leave an empty window (a
    division by zero once); the cut rounds down instead and the run is summarised."""
    scenario = station_scenario(
        [{"name": "app", "instances": 1, "workers": 2}],
        {"app": exponential(0.1)},
        users=30,
        think=exponential(1.0),
        end="00:01",
    )
    (stream,) = replication_seeds(seed, 1)
    summary = run_replication(scenario, stream).summary
    assert summary.overall.requests > 0
    assert summary.overall.throughput_rps > 0
