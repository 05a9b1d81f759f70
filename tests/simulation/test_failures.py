"""The scenario's ``[[failures]]`` in every simulation: an N-1 drill on ci-smoke
(one app instance of two lost for 6 minutes) raises the app tier's wait."""

from pathlib import Path

import numpy as np
import pytest

from peakload.core.scenario_file import parse_scenario
from simulation.model import Model
from simulation.records import RunRecords
from simulation.runner import simulate

SMOKE_TEXT = (Path(__file__).resolve().parents[2] / "scenarios" / "ci-smoke.toml").read_text()
DRILL = '\n[[failures]]\ntier = "app"\nstart = "09:07"\nend = "09:13"\ninstances = 1\n'
KEY = "app 09:07-09:13"


@pytest.fixture(scope="module")
def runs():
    plain = parse_scenario(SMOKE_TEXT)
    drill = parse_scenario(SMOKE_TEXT + DRILL)
    return (
        simulate(plain, replications=3, seed=7, jobs=1),
        simulate(drill, replications=3, seed=7, jobs=1),
    )


def test_the_drill_raises_the_app_wait_on_the_same_seeds(runs):
    plain, drill = runs
    app_plain, app_drill = plain.summary.tiers["app"], drill.summary.tiers["app"]
    assert app_drill.mean_wait_s > 1.5 * app_plain.mean_wait_s
    # the other tiers see the same traffic: the drill is the app tier's alone
    assert drill.summary.tiers["db"].mean_wait_s == pytest.approx(
        plain.summary.tiers["db"].mean_wait_s, rel=0.5, abs=2e-4
    )


def test_the_summary_reports_the_wait_inside_and_outside_the_drill(runs):
    plain, drill = runs
    assert plain.summary.drills == {}
    figures = drill.summary.drills[KEY]
    assert figures["tier"] == "app" and figures["instances"] == 1
    assert figures["inside"]["mean_wait_s"] > 2 * figures["outside"]["mean_wait_s"]
    assert figures["inside"]["visits"] > 0 and figures["outside"]["visits"] > 0
    # the series shows the window: 2 servers lost 09:07-09:13, none around it
    series = drill.timeseries
    minutes = {
        int(t // 60) % 60: v for t, v in zip(series["time_s"], series["lost_app"], strict=True)
    }
    assert minutes[7] == minutes[12] == 2.0 and minutes[6] == minutes[13] == 0.0
    assert "lost_app" not in plain.timeseries


def test_the_tier_has_two_servers_during_the_drill_only():
    scenario = parse_scenario(SMOKE_TEXT + DRILL)
    records = RunRecords.of(Model(scenario, np.random.SeedSequence(3)).run())
    app = records.tiers["app"]
    starts, ends = app.service_starts, app.service_starts + app.services

    def in_service(t: float) -> int:
        return int(((starts <= t) & (ends > t)).sum())

    clock = 9 * 3600
    during = [in_service(clock + 7 * 60 + s + 0.5) for s in range(30, 360, 3)]
    assert max(during) <= 2  # 4 servers less one instance of 2 workers
