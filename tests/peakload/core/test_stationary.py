"""The stationary entry: flow shares, uniform steps and the inspection paradox."""

from __future__ import annotations

import numpy as np
import pytest

from peakload.core.distributions import Deterministic, Exponential
from peakload.core.stationary import (
    FlowEntry,
    first_entry,
    flow_shares,
    residual_think,
    stationary_entry,
)


def test_flow_shares_weigh_by_length():
    shares = flow_shares([6, 2], [5, 1])
    assert shares == pytest.approx([30 / 32, 2 / 32])


def test_entries_follow_shares_and_steps():
    rng = np.random.default_rng(1)
    entries = [stationary_entry([6, 2], [5, 1], Exponential(mean=30.0), rng) for _ in range(20_000)]
    flows = np.array([e.flow for e in entries])
    assert np.mean(flows == 0) == pytest.approx(30 / 32, abs=0.01)
    steps = np.array([e.step for e in entries if e.flow == 0])
    assert np.bincount(steps, minlength=5) / len(steps) == pytest.approx([0.2] * 5, abs=0.02)
    assert all(e.step == 0 for e in entries if e.flow == 1)


def test_residual_of_exponential_is_exponential():
    rng = np.random.default_rng(2)
    draws = np.array([residual_think(Exponential(mean=30.0), rng) for _ in range(20_000)])
    assert draws.mean() == pytest.approx(30.0, rel=0.03)


def test_residual_of_deterministic_is_uniform():
    rng = np.random.default_rng(3)
    draws = np.array([residual_think(Deterministic(value=10.0), rng) for _ in range(20_000)])
    assert draws.max() <= 10.0
    assert draws.mean() == pytest.approx(5.0, rel=0.03)


def test_no_think_time_means_no_wait():
    assert residual_think(None, np.random.default_rng(4)) == 0.0


def test_a_first_step_entry_picks_flows_by_weight_and_waits_for_nothing():
    rng = np.random.default_rng(4)
    think = Exponential(mean=30.0)
    entries = [first_entry(FlowEntry.FIRST_STEP, [6, 2], [5, 1], think, rng) for _ in range(8000)]
    assert all(e.step == 0 and e.think_s == 0.0 for e in entries)
    flows = np.array([e.flow for e in entries])
    assert np.mean(flows == 0) == pytest.approx(6 / 8, abs=0.02)  # by weight, not weight x steps
    stationary = first_entry(FlowEntry.STATIONARY, [6, 2], [5, 1], think, rng)
    assert stationary.think_s > 0.0
