"""A tier whose busy time a live source read (processes, Prometheus) gets its
utilization from those CPU seconds: their share of the tier's cores, or of its
instances x workers where the scenario gives no cores."""

from __future__ import annotations

from pathlib import Path

import pytest

from loadtests.monitor import Samples
from loadtests.summary import tier_counters
from peakload.core.scenario_file import load_scenario
from peakload.measure.observations import Timebase

SMOKE = Path(__file__).resolve().parents[2] / "scenarios" / "ci-smoke.toml"


def _samples(busy: list[float], server: list[dict] | None = None) -> Samples:
    return Samples(
        wall=[100.0 + i for i in range(len(busy))],
        tiers=server or [{} for _ in busy],
        busy=[{"app": {"busy_seconds": b}} for b in busy],
    )


def test_cpu_seconds_of_a_tier_without_cores_fill_its_servers():
    tiers = load_scenario(SMOKE).tiers  # app: 2 instances x 2 workers, no cores
    counters = tier_counters(_samples([10.0, 10.5, 11.0, 11.5, 12.0]), tiers)
    assert set(counters) == {"app"} and counters["app"].servers == 4
    stats = counters["app"].stats((100.0, 104.0), Timebase())
    assert stats.utilization == pytest.approx(2.0 / (4 * 4.0))


def test_cpu_seconds_of_a_tier_with_cores_fill_its_cores():
    tiers = [
        t.model_copy(update={"cores": 3}) if t.name == "app" else t
        for t in load_scenario(SMOKE).tiers
    ]
    stats = tier_counters(_samples([0.0, 1.5, 3.0]), tiers)["app"].stats((100, 102), Timebase())
    assert stats.utilization == pytest.approx(3.0 / (2 * 3 * 2.0))


def test_a_live_source_takes_the_place_of_the_server_s_figure_for_its_tier():
    server = [
        {"db": {"servers": 4, "busy_seconds": float(i), "completions": 10.0 * i}} for i in range(3)
    ]
    counters = tier_counters(_samples([0.0, 0.2, 0.4], server), load_scenario(SMOKE).tiers)
    assert set(counters) == {"app", "db"}
    assert counters["db"].stats((100, 102), Timebase()).throughput_rps == pytest.approx(10.0)
    assert counters["app"].stats((100, 102), Timebase()).utilization == pytest.approx(0.05)
