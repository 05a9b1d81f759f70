"""Scenarios whose tiers use neither ``kind`` nor ``cores`` simulate as they always did.

The two summaries in ``data/`` were written by the simulator as it stood before
delay tiers and tiers sharing cores existed (commit 23965a0), for a frozen copy
of ci-smoke with an N-1 drill, closed and open, two replications on seed 42.
A run today must give every figure of them, the analytic cross-check and the
drill included: counts exactly, means to the last digits a sum gives, and
percentiles within the sketch's bound (since issue 24 the simulator keeps
quantile sketches, not every response time: each replication's percentile is
within alpha of the exact one, so their mean is too, and the half-width of two,
t x |a - b| / 2, moves by at most t x alpha x their mean). Utilization sums
busy seconds a batch at a time, so its last digits (1e-7) are rounding. Only
the wall time may differ.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from peakload.core.scenario_file import load_scenario
from peakload.measure.sketch import DEFAULT_ALPHA
from simulation.runner import simulate

DATA = Path(__file__).parent / "data"
QUANTILES = ("p50_s", "p95_s", "p99_s")
NEW_KEYS = {"quantile_error"}  # the summary states its percentiles' bound since issue 24
T_975_1 = 12.706  # Student's t(0.975, 1): two replications


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _mismatches(now: Any, before: Any, path: str = "", group: dict | None = None) -> list[str]:
    """Where ``now`` departs from ``before`` by more than the rules above allow
    (``group``: the figures beside this one, for a percentile's half-width)."""
    if isinstance(before, dict):
        if set(now) - NEW_KEYS != set(before):
            return [f"{path}: keys {sorted(set(now) ^ set(before))}"]
        return [
            m
            for k in before
            if not k.startswith("wall_s")
            for m in _mismatches(now[k], before[k], f"{path}.{k}", before)
        ]
    key = path.rsplit(".", 1)[-1]
    parent = key.removesuffix("_ci95")
    if _missing(before) or _missing(now):
        ok = _missing(before) and _missing(now)
    elif isinstance(before, float):
        if key in QUANTILES:
            ok = abs(now - before) <= DEFAULT_ALPHA * abs(before) * (1 + 1e-9)
        elif parent in QUANTILES:
            figure = (group or {})[parent]
            ok = abs(now - before) <= T_975_1 * DEFAULT_ALPHA * figure * (1 + 1e-9)
        elif parent == "utilization" or ".utilization." in path:
            ok = abs(now - before) <= 1e-7
        else:
            ok = math.isclose(now, before, rel_tol=1e-9, abs_tol=1e-15)
    else:
        ok = now == before
    return [] if ok else [f"{path}: {now} != {before}"]


@pytest.mark.parametrize("name", ["plain-tiers", "plain-tiers-open"])
def test_a_scenario_without_the_new_tier_fields_gives_the_summary_it_gave_before(name):
    scenario = load_scenario(DATA / f"{name}.toml")
    assert all(t.cores is None and not t.is_delay for t in scenario.tiers)
    summary = simulate(scenario, replications=2, seed=42, jobs=1).summary.to_dict()
    before = json.loads((DATA / f"{name}-summary.json").read_text())
    now = json.loads(json.dumps(summary))
    assert _mismatches(now, before) == []
    assert now["quantile_error"] == DEFAULT_ALPHA
    assert summary["drills"], "the drill ran: resizing is covered"
