"""The demands' intervals, carried to the figures: checked where the answer is closed-form.

With one demand, every figure is a monotone function of it, so the draws' 2.5 % and
97.5 % points are the figure at ``d - h`` and ``d + h`` (the demand's own points):
the M/M/1's response ``d / (1 - rate d)`` open, exact MVA's throughput closed.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from peakload.contract.calibration import CalibrationReport, DemandEstimate, Method
from simulation.input_uncertainty import (
    DemandInterval,
    OperatingPoint,
    calibration_intervals,
    input_half_widths,
)
from simulation.mva import mva
from tests.factories import exponential, station_scenario

CPU = {"name": "cpu", "instances": 1, "workers": 1}
DRAWS = 8000  # the quantiles' sampling error about 1 % of the half-width


def _relative(low: float, high: float, at: float) -> float:
    return (high - low) / 2 / at


def test_open_mm1_response_moves_as_its_demand_interval_says():
    rate, demand, half = 5.0, 0.1, 0.01
    scenario = station_scenario([CPU], {"cpu": exponential(demand)}, rate=rate)
    widths = input_half_widths(
        scenario,
        [DemandInterval("job", "cpu", demand, half)],
        OperatingPoint(rate, demand / (1 - rate * demand), None),
        np.random.default_rng(1),
        DRAWS,
    )

    def response(d: float) -> float:
        return d / (1 - rate * d)

    expected = _relative(response(demand - half), response(demand + half), response(demand))
    assert widths["transactions.job.mean_s"] == pytest.approx(expected, rel=0.05)
    assert widths["transactions.job.p95_s"] == widths["transactions.job.mean_s"]
    assert widths["tiers.cpu.utilization"] == pytest.approx(half / demand, rel=0.05)
    assert "overall.throughput_rps" not in widths  # open: the arrivals set it


def test_closed_throughput_moves_as_exact_mva_says():
    users, think, demand, half = 20, 1.0, 0.04, 0.006
    scenario = station_scenario(
        [CPU], {"cpu": exponential(demand)}, users=users, think=exponential(think)
    )
    at = mva([demand], users, think)
    widths = input_half_widths(
        scenario,
        [DemandInterval("job", "cpu", demand, half)],
        OperatingPoint(at.throughput, at.response_s, users),
        np.random.default_rng(2),
        DRAWS,
    )
    low, high = mva([demand + half], users, think), mva([demand - half], users, think)
    expected = _relative(low.throughput, high.throughput, at.throughput)
    assert widths["overall.throughput_rps"] == pytest.approx(expected, rel=0.05)
    # The response grows faster than the demand near saturation (here 78 % busy).
    assert widths["overall.mean_s"] > half / demand


def test_an_interval_that_reaches_saturation_is_infinite_and_none_is_empty():
    rate, demand = 9.0, 0.1  # 90 % busy: d + h = 0.12 saturates
    scenario = station_scenario([CPU], {"cpu": exponential(demand)}, rate=rate)
    point = OperatingPoint(rate, 1.0, None)
    wide = input_half_widths(
        scenario, [DemandInterval("job", "cpu", demand, 0.02)], point, np.random.default_rng(3)
    )
    assert math.isinf(wide["transactions.job.mean_s"])
    assert input_half_widths(scenario, [], point, np.random.default_rng(3)) == {}
    unknown = [DemandInterval("other", "cpu", demand, 0.02)]  # not a transaction of it
    assert input_half_widths(scenario, unknown, point, np.random.default_rng(3)) == {}


def _estimate(value: float, ci95: tuple[float, float], identifiable: bool) -> DemandEstimate:
    return DemandEstimate(
        estimate=value,
        ci95=ci95,
        prior=value,
        method=Method.UTILIZATION_LAW if identifiable else Method.PRIOR,
        identifiable=identifiable,
    )


def test_a_demand_at_its_prior_has_no_interval_and_the_outside_time_is_the_delay_tiers():
    report = CalibrationReport.model_validate(
        {
            "scenario": "model.toml",
            "method": "utilization_law",
            "runs": [],
            "window_s": 1.0,
            "windows": 10,
            "demands": {
                "a": {"cpu": _estimate(0.01, (0.009, 0.011), True)},
                "b": {"cpu": _estimate(0.02, (0.02, 0.02), False)},
                # At its bound: the model keeps the prior, whatever the fit's interval.
                "c": {"cpu": _estimate(0.0, (0.0, 0.001), True).model_copy(
                    update={"at_bound": True})},
            },
            "fit": {},
            "mix": {},
            "think_time_s": {},
            "warnings": [],
            "outside": {
                "a": {"estimate": 0.004, "ci95": (0.003, 0.005), "responses": 50,
                      "busiest_utilization": 0.1},
            },
        }
    )  # fmt: skip
    intervals = calibration_intervals(report, "outside")
    assert intervals == [
        DemandInterval("a", "cpu", 0.01, pytest.approx(0.001)),
        DemandInterval("a", "outside", 0.004, pytest.approx(0.001)),
    ]
    assert [d.tier for d in calibration_intervals(report, None)] == ["cpu"]
