"""validate finds the calibration a model came from, and only that one."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from peakload.app.errors import JobError
from peakload.app.validate.calibration_input import CalibrationInput, find_calibration
from peakload.app.validate.judging import with_input_uncertainty
from peakload.app.validate.prediction import Context
from peakload.measure.validation import Estimate
from simulation.demand_draws import DemandInterval
from tests.factories import exponential, station_scenario

MODEL = station_scenario(
    [{"name": "cpu", "instances": 1, "workers": 1}, {"name": "outside", "kind": "delay"}],
    {"cpu": exponential(0.01), "outside": exponential(0.002)},
    rate=5.0,
)


def _report(demands: dict) -> str:
    return json.dumps(
        {
            "scenario": "model.toml", "method": "utilization_law", "runs": [],
            "window_s": 1.0, "windows": 10, "demands": demands, "fit": {}, "mix": {},
            "think_time_s": {}, "warnings": [],
            "outside": {"job": {"estimate": 0.002, "ci95": [0.001, 0.003], "responses": 9,
                                "busiest_utilization": 0.05}},
        }
    )  # fmt: skip


def _demand(ci95: list[float], identifiable: bool = True) -> dict:
    return {
        "estimate": sum(ci95) / 2, "ci95": ci95, "prior": 0.01,
        "method": "utilization_law" if identifiable else "prior", "identifiable": identifiable,
    }  # fmt: skip


def test_the_calibration_beside_the_model_is_found_and_none_turns_it_off(tmp_path):
    model = tmp_path / "model-calibrated.toml"
    model.write_text("# a calibrated model\n")
    assert find_calibration(model, None, MODEL) is None  # nothing beside it: exact demands
    (tmp_path / "calibration.json").write_text(
        _report(
            {
                "job": {"cpu": _demand([0.009, 0.011])},
                "login": {"cpu": _demand([0.01, 0.01], False)},
            }
        )
    )
    found = find_calibration(model, None, MODEL)
    assert found is not None and found.path == tmp_path / "calibration.json"
    assert [(d.transaction, d.tier) for d in found.intervals] == [
        ("job", "cpu"),
        ("job", "outside"),
    ]
    assert found.at_prior == 1
    assert "2 calibrated demand(s)" in found.describe() and "1 at their prior" in found.describe()
    assert found.joint is None and "each drawn on its own" in found.describe()
    assert find_calibration(model, "none", MODEL) is None


def test_the_joint_draws_of_the_calibration_come_with_it(tmp_path):
    report = json.loads(_report({"job": {"cpu": _demand([0.009, 0.011])}}))
    report["joint_draws"] = {
        "entries": [["job", "cpu"], ["job", None]],
        "offsets_s": [[0.001, -0.0008], [-0.001, 0.0009], [0.0, None]],
    }
    (tmp_path / "calibration.json").write_text(json.dumps(report))
    found = find_calibration(tmp_path / "model.toml", None, MODEL)
    assert found is not None and found.joint is not None
    assert found.joint.pairs == (("job", "cpu"), ("job", "outside"))  # the model's delay tier
    assert found.joint.offsets.shape == (3, 2)
    assert "drawn together (3 joint draws)" in found.describe()


def test_a_named_calibration_that_is_missing_or_not_one_is_a_clear_error(tmp_path):
    model = tmp_path / "model.toml"
    with pytest.raises(JobError, match="no such file"):
        find_calibration(model, tmp_path / "nope.json", MODEL)
    wrong = tmp_path / "summary.json"
    wrong.write_text('{"kind": "simulation"}')
    with pytest.raises(JobError, match=r"not a calibration\.json"):
        find_calibration(model, wrong, MODEL)
    other = tmp_path / "other.json"  # another model's: none of its demands is this one's
    other.write_text(_report({"search": {"db": _demand([0.009, 0.011])}}).replace('"job"', '"x"'))
    with pytest.raises(JobError, match="not this model's calibration"):
        find_calibration(model, other, MODEL)


def test_a_levels_predictions_widen_by_the_calibrations_intervals_and_only_then():
    closed = station_scenario(
        [{"name": "cpu", "instances": 1, "workers": 1}],
        {"cpu": exponential(0.04)},
        users=20,
        think=exponential(1.0),
    )
    predicted = {
        "overall.throughput_rps": Estimate(15.6, 0.1),
        "overall.mean_s": Estimate(0.28, 0.01),
        "transactions.job.mean_s": Estimate(0.28, 0.01),
        "tiers.cpu.utilization": Estimate(0.62, 0.004),
    }
    level = SimpleNamespace(
        plan=SimpleNamespace(pool_users=20, user_scale=1.0), plateau=SimpleNamespace(level=1)
    )
    exact = Context({"job": 1.0}, (), closed, None)
    assert with_input_uncertainty(predicted, level, exact) == predicted
    calibration = CalibrationInput(
        Path("calibration.json"), (DemandInterval("job", "cpu", 0.04, 0.004),), 0
    )
    widened = with_input_uncertainty(
        predicted, level, Context({"job": 1.0}, (), closed, calibration)
    )
    utilization = widened["tiers.cpu.utilization"]
    # +-10 % of demand, at 62 % busy: the utilization moves nearly as much (the
    # throughput a little less than the users' cycle allows), the response more.
    assert 0.5 * 0.062 < utilization.input_ci95 < 0.062
    assert utilization.ci95 > utilization.input_ci95 > predicted["tiers.cpu.utilization"].ci95
    response = widened["transactions.job.mean_s"]
    assert response.input_ci95 > 0.1 * 0.28
    assert widened["overall.throughput_rps"].input_ci95 < 0.1 * 15.6

    # Two virtual users at user_scale 0.1 stand for the same 20: the same interval.
    scaled = SimpleNamespace(
        plan=SimpleNamespace(pool_users=2, user_scale=0.1), plateau=SimpleNamespace(level=1)
    )
    same = with_input_uncertainty(predicted, scaled, Context({"job": 1.0}, (), closed, calibration))
    assert same == widened


def test_a_runs_own_speed_comes_with_the_calibration_where_it_was_measured(tmp_path):
    # calibrate measured the core's runs taking 8 % more or less time for their work:
    # one run's speed of that sd comes with the report; a tier it did not measure, or
    # a report of an older calibrate (runs_sd alone, in points), has none
    report = json.loads(_report({"job": {"cpu": _demand([0.009, 0.011])}}))
    fit = {"windows": 10, "busy_s": 6.0, "rmse_s": 0.1, "r2": 0.9, "condition_number": 1.0}
    report["fit"] = {
        "cpu": fit | {"runs_sd": 0.03, "speed_sd": 0.08},
        "outside": fit | {"runs_sd": None},
    }
    (tmp_path / "calibration.json").write_text(json.dumps(report))
    found = find_calibration(tmp_path / "model.toml", None, MODEL)
    assert found is not None and found.run_speeds == {"cpu": 0.08}
    assert "one run's own speed (sd, a share of the tier's work: cpu 8.0%)" in found.describe()
    del report["fit"]["cpu"]["speed_sd"]  # an older calibrate's report: no speed
    (tmp_path / "calibration.json").write_text(json.dumps(report))
    older = find_calibration(tmp_path / "model.toml", None, MODEL)
    assert older is not None and older.run_speeds == {}
    assert "own speed" not in older.describe()
