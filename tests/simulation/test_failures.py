"""The scenario's ``[[failures]]`` in every simulation: an N-1 drill on ci-smoke
(one app instance of two lost for 6 minutes) raises the app tier's wait, on
the real day and in the prediction of a load test as run (its plan)."""

from pathlib import Path

import numpy as np
import pytest

from peakload.core.plan import Plan
from peakload.core.scenario_file import parse_scenario
from simulation.as_run import simulate_plan
from simulation.model import Model
from simulation.plan_model import PlanModel
from simulation.runner import simulate
from tests.simulation.kept import run_kept

pytestmark = pytest.mark.compute  # simulation only: see pyproject's markers

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
    records = run_kept(Model(scenario, np.random.SeedSequence(3)))
    app = records.tiers["app"]
    starts, ends = app.service_starts, app.service_starts + app.services

    def in_service(t: float) -> int:
        return int(((starts <= t) & (ends > t)).sum())

    clock = 9 * 3600
    during = [in_service(clock + 7 * 60 + s + 0.5) for s in range(30, 360, 3)]
    assert max(during) <= 2  # 4 servers less one instance of 2 workers


def test_a_plan_fails_the_tier_on_the_scenario_clock_put_on_wall_time(tmp_path):
    path = tmp_path / "drill.toml"
    path.write_text(SMOKE_TEXT + DRILL)
    plan = Plan(str(path), compress=8.0, window=("09:05", "09:15"), sign_in_rate=200.0)
    model = PlanModel(plan, np.random.SeedSequence(3))
    app = run_kept(model).tiers["app"]
    starts, ends = app.service_starts, app.service_starts + app.services

    def in_service(wall: float) -> int:
        env = model.origin_s + wall
        return int(((starts <= env) & (ends > env)).sum())

    # 09:07-09:13 at x8 from 09:00 is wall 52.5-97.5 s: at most 2 servers then
    assert max(in_service(w) for w in np.arange(55.0, 97.0, 0.25)) <= 2
    assert max(in_service(w) for w in np.arange(0.0, 50.0, 0.25)) > 2


def test_the_prediction_of_a_load_test_reports_the_drill_as_the_load_test_does(tmp_path):
    path = tmp_path / "drill.toml"
    path.write_text(SMOKE_TEXT + DRILL)
    plan = Plan(str(path), compress=8.0, window=("09:05", "09:15"), sign_in_rate=200.0)
    result = simulate_plan(plan, replications=2, seed=7, jobs=1)
    for replication in result.replications:
        drill = replication.drills[KEY]
        assert drill["inside"]["mean_wait_s"] > 2 * drill["outside"]["mean_wait_s"]
        assert drill["inside"]["visits"] > 1000 and drill["outside"]["visits"] > 500
    lost = dict(zip(result.timeseries["time_s"], result.timeseries["lost_app"], strict=True))
    clock = 9 * 3600
    assert lost[clock + 8 * 60] == 2.0 and lost[clock + 6 * 60] == 0.0
