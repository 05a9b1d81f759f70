"""Scenarios whose tiers use neither ``kind`` nor ``cores`` simulate as they always did.

The two summaries in ``data/`` were written by the simulator as it stood before
delay tiers and tiers sharing cores existed (commit 23965a0), for a frozen copy
of ci-smoke with an N-1 drill, closed and open, two replications on seed 42.
A run today must give every figure of them exactly, the analytic cross-check
and the drill included: only the wall time may differ.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from peakload.core.scenario_file import load_scenario
from simulation.runner import simulate

DATA = Path(__file__).parent / "data"


def _figures(value: Any) -> Any:
    """The summary without its wall times, NaN made comparable."""
    if isinstance(value, dict):
        return {k: _figures(v) for k, v in value.items() if not k.startswith("wall_s")}
    if isinstance(value, list):
        return [_figures(v) for v in value]
    if isinstance(value, float) and math.isnan(value):
        return "NaN"
    return value


@pytest.mark.parametrize("name", ["plain-tiers", "plain-tiers-open"])
def test_a_scenario_without_the_new_tier_fields_gives_the_summary_it_gave_before(name):
    scenario = load_scenario(DATA / f"{name}.toml")
    assert all(t.cores is None and not t.is_delay for t in scenario.tiers)
    summary = simulate(scenario, replications=2, seed=42, jobs=1).summary.to_dict()
    before = json.loads((DATA / f"{name}-summary.json").read_text())
    now = _figures(json.loads(json.dumps(summary)))
    assert now == _figures(before)
    assert summary["drills"], "the drill ran: resizing is covered"
