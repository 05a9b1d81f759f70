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
from peakload.core.scenario import Scenario
from simulation.demand_draws import (
    Z95,
    DemandInterval,
    JointOffsets,
    calibration_intervals,
    calibration_joint,
)
from simulation.input_uncertainty import OperatingPoint, input_intervals
from simulation.mva import mva
from tests.factories import exponential, station_scenario

CPU = {"name": "cpu", "instances": 1, "workers": 1}
DRAWS = 8000  # the quantiles' sampling error about 1 % of the half-width


def input_half_widths(*args, **kwargs) -> dict[str, float]:
    """Each figure's relative half-width (:func:`input_intervals`' ``half_width``)."""
    return {m: found.half_width for m, found in input_intervals(*args, **kwargs).items()}


def _relative(low: float, high: float, at: float) -> float:
    return (high - low) / 2 / at


def _open_mm1(rate: float, demand: float, half: float):
    """The demands' intervals of an open M/M/1 at ``rate`` whose one demand is known to
    ``demand +- half``, and its response time as a function of the demand."""
    scenario = station_scenario([CPU], {"cpu": exponential(demand)}, rate=rate)
    found = input_intervals(
        scenario,
        [DemandInterval("job", "cpu", demand, half)],
        OperatingPoint(rate, demand / (1 - rate * demand), None),
        np.random.default_rng(1),
        DRAWS,
    )

    def response(d: float) -> float:
        return d / (1 - rate * d)

    return found, response


def test_open_mm1_response_moves_as_its_demand_interval_says():
    rate, demand, half = 5.0, 0.1, 0.01
    found, response = _open_mm1(rate, demand, half)
    widths = {metric: interval.half_width for metric, interval in found.items()}
    expected = _relative(response(demand - half), response(demand + half), response(demand))
    assert widths["transactions.job.mean_s"] == pytest.approx(expected, rel=0.05)
    assert widths["transactions.job.p95_s"] == widths["transactions.job.mean_s"]
    assert widths["tiers.cpu.utilization"] == pytest.approx(half / demand, rel=0.05)
    assert "overall.throughput_rps" not in widths  # open: the arrivals set it


def test_near_saturation_a_response_reaches_further_up_than_down():
    # At 80 % busy, d / (1 - rate d) with d = 0.16 +- 0.016: 0.8 s at the estimate,
    # 0.514 s at the low end (0.29 s below), 1.467 s at the high (0.67 s above)
    demand, half = 0.16, 0.016
    sides, response = _open_mm1(5.0, demand, half)
    at = response(demand)
    mean = sides["transactions.job.mean_s"]
    assert mean.below == pytest.approx((at - response(demand - half)) / at, rel=0.05)
    assert mean.above == pytest.approx((response(demand + half) - at) / at, rel=0.05)
    assert mean.above > 2 * mean.below
    assert mean.half_width == pytest.approx((mean.below + mean.above) / 2)
    # the utilization is linear in the demand: its sides are equal
    busy = sides["tiers.cpu.utilization"]
    assert busy.above == pytest.approx(busy.below, rel=0.05)


def _open_mm1_with_later(rate: float, demand: float, later: float) -> Scenario:
    """Arrivals at ``rate`` on one CPU, each request ``demand`` s of it and leaving
    ``later`` s more for 10 s later (exponential both)."""
    return station_scenario(
        [CPU],
        {"cpu": exponential(demand)},
        rate=rate,
        deferred=[{"tier": "cpu", "after_s": 10.0, "demand": exponential(later)}],
    )


def test_deferred_work_slows_the_open_mm1_the_draws_move():
    # 0.05 s of deferred work a request at 5/s keeps the server 0.25 busy: the requests
    # see a server 0.75 as fast, d / 0.75 their service, and the utilization holds both
    rate, demand, half, later = 5.0, 0.1, 0.01, 0.05
    scenario = _open_mm1_with_later(rate, demand, later)
    widths = input_half_widths(
        scenario,
        [DemandInterval("job", "cpu", demand, half)],
        OperatingPoint(rate, 1.0, None),
        np.random.default_rng(1),
        DRAWS,
    )

    def response(d: float) -> float:
        service = d / (1 - rate * later)
        return service / (1 - rate * service)

    expected = _relative(response(demand - half), response(demand + half), response(demand))
    assert widths["transactions.job.mean_s"] == pytest.approx(expected, rel=0.05)
    assert widths["tiers.cpu.utilization"] == pytest.approx(half / (demand + later), rel=0.05)


def test_one_runs_speed_moves_the_open_mm1_as_a_demand_that_much_longer():
    # No interval at all, a run whose server takes s times the model's time for its
    # work (sd 0.04, either way): the M/M/1's response is d s / (1 - rate d s) at
    # s = 1 +- 1.96 x 0.04, and the utilization rate d s moves by 1.96 x 0.04 of itself
    rate, demand, sd = 5.0, 0.1, 0.04
    scenario = station_scenario([CPU], {"cpu": exponential(demand)}, rate=rate)
    widths = input_half_widths(
        scenario,
        [],
        OperatingPoint(rate, demand / (1 - rate * demand), None),
        np.random.default_rng(4),
        DRAWS,
        run_speeds={"cpu": sd},
    )

    def response(speed: float) -> float:
        return demand * speed / (1 - rate * demand * speed)

    expected = _relative(response(1 - Z95 * sd), response(1 + Z95 * sd), response(1.0))
    assert widths["transactions.job.mean_s"] == pytest.approx(expected, rel=0.05)
    assert widths["tiers.cpu.utilization"] == pytest.approx(Z95 * sd, rel=0.05)


def test_one_runs_speed_moves_a_busier_level_by_more_points():
    # The same speed's sd at twice the load moves the utilization by twice the points:
    # a slower machine slows every request, not a fixed share of the server
    demand, sd = 0.1, 0.04
    points = []
    for rate in (2.5, 5.0):
        scenario = station_scenario([CPU], {"cpu": exponential(demand)}, rate=rate)
        widths = input_half_widths(
            scenario,
            [],
            OperatingPoint(rate, demand / (1 - rate * demand), None),
            np.random.default_rng(4),
            DRAWS,
            run_speeds={"cpu": sd},
        )
        points.append(widths["tiers.cpu.utilization"] * rate * demand)
    assert points[1] == pytest.approx(2 * points[0], rel=0.05)


def _closed_core(users: int, think: float, demand: float, background: float) -> Scenario:
    """``users`` thinking ``think`` (exponential) on one core of 100 workers, a
    ``background`` share of which goes to no request."""
    core = {"name": "cpu", "instances": 1, "workers": 100, "cores": 1, "background": background}
    return station_scenario(
        [core], {"cpu": exponential(demand)}, users=users, think=exponential(think)
    )


def test_one_runs_speed_moves_the_closed_network_as_mva_at_that_speed():
    # 20 users on a core with a 10 % background, and runs whose work takes 3 % more or
    # less time (sd): MVA at d s / (1 - 0.1 s), s = 1 -+ 1.96 x 0.03, bounds the
    # throughput; the background moves with the requests' work
    users, think, demand, background, sd = 20, 1.0, 0.04, 0.1, 0.03
    scenario = _closed_core(users, think, demand, background)
    at = mva([demand / (1 - background)], users, think)
    widths = input_half_widths(
        scenario,
        [],
        OperatingPoint(at.throughput, at.response_s, users),
        np.random.default_rng(5),
        DRAWS,
        run_speeds={"cpu": sd},
    )

    def throughput(speed: float) -> float:
        return mva([demand * speed / (1 - background * speed)], users, think).throughput

    expected = _relative(throughput(1 + Z95 * sd), throughput(1 - Z95 * sd), at.throughput)
    assert widths["overall.throughput_rps"] == pytest.approx(expected, rel=0.05)

    # the requests' share moves less than the speed: the throughput falls as it slows
    def utilization(speed: float) -> float:
        return throughput(speed) * demand * speed + background * speed

    busy = _relative(utilization(1 - Z95 * sd), utilization(1 + Z95 * sd), utilization(1.0))
    assert widths["tiers.cpu.utilization"] == pytest.approx(busy, rel=0.05)
    assert busy < 0.8 * Z95 * sd


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


def test_a_cores_background_slows_the_closed_network_the_draws_move():
    # A core 20 % of which goes to no request serves them at 0.8 of its speed: exact
    # MVA on d / 0.8, whose throughput moves 5.9 % with the demand's interval where
    # the full-speed core's moves 3.4 %
    users, think, demand, half, background = 20, 1.0, 0.04, 0.006, 0.2
    scenario = _closed_core(users, think, demand, background)
    speed = 1 - background
    at = mva([demand / speed], users, think)
    widths = input_half_widths(
        scenario,
        [DemandInterval("job", "cpu", demand, half)],
        OperatingPoint(at.throughput, at.response_s, users),
        np.random.default_rng(2),
        DRAWS,
    )
    low = mva([(demand + half) / speed], users, think)
    high = mva([(demand - half) / speed], users, think)
    expected = _relative(low.throughput, high.throughput, at.throughput)
    assert widths["overall.throughput_rps"] == pytest.approx(expected, rel=0.05)


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


def test_joint_draws_move_a_response_as_its_parts_moved_together():
    """Where calibrate drew a demand high, it drew the outside time low by as much (the
    responses it split fix their sum): drawn together, an open M/M/1's response at 20 %
    busy moves only by the queueing the demand adds; drawn apart, by both parts whole."""
    rate, demand, outside, half = 2.0, 0.1, 0.05, 0.02
    tiers = [CPU, {"name": "outside", "kind": "delay"}]
    scenario = station_scenario(
        tiers, {"cpu": exponential(demand), "outside": exponential(outside)}, rate=rate
    )
    intervals = [
        DemandInterval("job", "cpu", demand, half),
        DemandInterval("job", "outside", outside, half),
    ]
    response = demand / (1 - rate * demand) + outside
    point = OperatingPoint(rate, response, None)
    apart = input_half_widths(scenario, intervals, point, np.random.default_rng(4), DRAWS)
    swing = np.random.default_rng(5).normal(0.0, half / Z95, DRAWS)
    joint = JointOffsets((("job", "cpu"), ("job", "outside")), np.column_stack([swing, -swing]))
    together = input_half_widths(
        scenario, intervals, point, np.random.default_rng(4), DRAWS, joint=joint
    )

    def at(d: float) -> float:  # the response with the demand at d, the sum held
        return d / (1 - rate * d) + (demand + outside - d)

    expected = _relative(at(demand - half), at(demand + half), response)
    assert together["transactions.job.mean_s"] == pytest.approx(expected, rel=0.05)
    # Apart, to first order: the queue's stretch 1 / (1 - 0.2)^2 = 1.56 and the outside's
    # 1 added in quadrature, 1.85 half-widths; together 1.56 - 1 = 0.56: 3.3 times less.
    assert apart["transactions.job.mean_s"] == pytest.approx(1.855 * half / response, rel=0.05)
    assert apart["transactions.job.mean_s"] > 3 * together["transactions.job.mean_s"]
    # The tier's own figures move with its demand alone, however it is drawn.
    assert together["tiers.cpu.utilization"] == pytest.approx(half / demand, rel=0.05)
    assert apart["tiers.cpu.utilization"] == pytest.approx(half / demand, rel=0.05)


def test_a_reports_joint_draws_map_its_outside_time_to_the_delay_tier():
    report = CalibrationReport.model_validate(
        {
            "scenario": "model.toml", "method": "utilization_law", "runs": [],
            "window_s": 1.0, "windows": 10, "demands": {}, "fit": {}, "mix": {},
            "think_time_s": {}, "warnings": [],
            "joint_draws": {
                "entries": [["a", "cpu"], ["a", None]],
                "offsets_s": [[0.001, -0.001], [-0.002, None]],
                "background": {"cpu": [-0.01, 0.02], "short": [0.01]},
            },
        }
    )  # fmt: skip
    joint = calibration_joint(report, "wire")
    assert joint is not None and joint.pairs == (("a", "cpu"), ("a", "wire"))
    assert joint.offsets.tolist() == [[0.001, -0.001], [-0.002, 0.0]]  # none: not moved
    bare = calibration_joint(report, None)  # no delay tier: no outside time to move
    assert bare is not None and bare.pairs == (("a", "cpu"),)
    assert bare.offsets.tolist() == [[0.001], [-0.002]]
    assert joint.background["cpu"].tolist() == [-0.01, 0.02]  # one per draw
    assert "short" not in joint.background  # not one per draw: not this report's rows
    assert calibration_joint(report.model_copy(update={"joint_draws": None}), "wire") is None


def test_one_runs_speed_stretches_the_deferred_work_too():
    # Work a request leaves for later runs on the same machine: at speed s the tier is
    # busy rate (d + later) s, so its utilization moves by 1.96 sd of itself, not of d's
    # share alone (0.67 of it here)
    rate, demand, later, sd = 5.0, 0.1, 0.05, 0.04
    scenario = _open_mm1_with_later(rate, demand, later)
    widths = input_half_widths(
        scenario,
        [],
        OperatingPoint(rate, 1.0, None),
        np.random.default_rng(6),
        DRAWS,
        run_speeds={"cpu": sd},
    )
    assert widths["tiers.cpu.utilization"] == pytest.approx(Z95 * sd, rel=0.05)


def test_a_background_drawn_with_the_demand_moves_a_busier_level_by_the_difference():
    # The fit's intercept and its slope move against each other: a draw that puts the
    # core's background b high puts the demand d low, so that the tour's load X_t keeps
    # its measured busy time, b + X_t d. At X_h the core is b + X_h d: with the
    # background drawn too, it moves by (X_h - X_t) times the demand's offset, not by
    # X_h times it; at the tour's own load it does not move at all.
    demand, half, background, tour = 0.08, 0.008, 0.1, 2.0
    swing = np.random.default_rng(6).normal(0.0, half / Z95, DRAWS)
    apart = JointOffsets((("job", "cpu"),), swing[:, None])
    together = JointOffsets((("job", "cpu"),), swing[:, None], {"cpu": -tour * swing})
    core = {"name": "cpu", "instances": 1, "workers": 100, "cores": 1, "background": background}
    intervals = [DemandInterval("job", "cpu", demand, half)]

    def utilization(rate: float, joint: JointOffsets) -> float:
        scenario = station_scenario([core], {"cpu": exponential(demand)}, rate=rate)
        busy = background + rate * demand
        point = OperatingPoint(rate, demand / (1 - busy), None)
        found = input_intervals(
            scenario, intervals, point, np.random.default_rng(7), DRAWS, joint=joint
        )
        return found["tiers.cpu.utilization"].half_width * busy  # in points

    held_out = 3.4 * tour  # 64 % busy, the tour at 26 %
    assert utilization(held_out, apart) == pytest.approx(held_out * half, rel=0.15)
    assert utilization(held_out, together) == pytest.approx(
        (held_out - tour) / held_out * utilization(held_out, apart), rel=1e-9
    )
    assert utilization(tour, together) < 1e-9 < utilization(tour, apart)
