"""A tier's utilization with the draws' luck taken out, on tier counters whose truth is
known: requests at a steady rate, each drawing an exponential demand."""

import math

import numpy as np
import pytest

from peakload.measure.busy_control import BusyControl, busy_window
from peakload.measure.stats import half_width

RATE = 20.0  # requests a second, exactly: the count's luck is another module's
DEMAND_S = 0.02  # an exponential mean: utilization 0.4 of one server
WALL_S = 300.0
BATCHES = 10


def counters(seed: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """A tier's cumulative busy and deviation seconds, sampled each second."""
    rng = np.random.default_rng(seed)
    ends = (np.arange(int(RATE * WALL_S)) + 0.5) / RATE
    draws = rng.exponential(DEMAND_S, len(ends))
    clock = np.arange(0.0, WALL_S + 1.0)
    index = np.searchsorted(ends, clock, side="right")
    busy = np.concatenate([[0.0], np.cumsum(draws)])[index]
    deviation = np.concatenate([[0.0], np.cumsum(draws - DEMAND_S)])[index]
    return clock, {"busy_s": busy, "deviation_s": deviation}


def test_the_draws_luck_leaves_the_utilization_and_its_interval():
    truth = RATE * DEMAND_S
    plain, controlled = [], []
    for seed in range(30):
        clock, tier = counters(seed)
        window = busy_window(clock, tier, (0.0, WALL_S), [int(RATE * WALL_S / BATCHES)] * BATCHES)
        assert window is not None
        utilization = window.busy_s / WALL_S
        edges = np.linspace(0.0, WALL_S, BATCHES + 1)
        batches = np.diff(np.interp(edges, clock, tier["busy_s"])) / (WALL_S / BATCHES)
        plain.append((utilization, half_width(batches)))
        controlled.append(BusyControl([window]).estimate(utilization, 1.0, 0.0))
    # every controlled figure is the truth, as the count here is exact, with no spread
    assert [v for v, _ in controlled] == pytest.approx([truth] * 30)
    assert max(w for _, w in controlled) < 1e-6 < min(w for _, w in plain)
    assert np.std([v for v, _ in plain]) > 0.002  # the luck that was taken out


def test_the_throughputs_control_scales_the_figure_and_widens_the_interval():
    clock, tier = counters(1)
    window = busy_window(clock, tier, (0.0, WALL_S), [600] * BATCHES)
    value, width = BusyControl([window]).estimate(0.42, 0.95, 0.03)
    assert value == pytest.approx(
        0.42 * (window.busy_s - window.deviation_s) / window.busy_s * 0.95
    )
    assert width == pytest.approx(value * 0.03, rel=1e-3)  # the mix is exact here


def test_a_server_that_does_not_count_its_draws_gets_no_control():
    clock, tier = counters(2)
    tier["deviation_s"] = np.full(len(clock), math.nan)  # tiers.csv without deviation_s
    assert busy_window(clock, tier, (0.0, WALL_S), [600] * BATCHES) is None
    del tier["deviation_s"]
    assert busy_window(clock, tier, (0.0, WALL_S), [600] * BATCHES) is None
