"""The round-robin core of benchmarks/round_robin_waits.py at its two limits, where
queueing theory gives each class's wait in closed form."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.round_robin_waits import CV, MIX, waits


def test_a_tiny_quantum_is_processor_sharing():
    """As the quantum goes to 0 every class waits its share, D U / (1 - U)."""
    ratios = waits(0.0001, 0.7, 60_000, np.random.default_rng(3))
    for name, ratio in ratios.items():
        assert ratio == pytest.approx(1.0, abs=0.08), name


def test_a_quantum_longer_than_any_demand_is_first_come_first_served():
    """Every class waits the Pollaczek-Khinchine mean, lambda E[S^2] / (2 (1 - U)),
    whatever its own size: the cheapest waits the most over its share."""
    utilization = 0.7
    ratios = waits(10.0, utilization, 200_000, np.random.default_rng(4))
    means = np.array([mean for mean, _ in MIX.values()])
    shares = np.array([share for _, share in MIX.values()])
    shares = shares / shares.sum()
    second = float(shares @ (means**2 * (1 + CV**2)))  # E[S^2] of the mix
    rate = utilization / float(shares @ means)
    pk_wait = rate * second / (2 * (1 - utilization))
    for (name, ratio), mean in zip(ratios.items(), means, strict=True):
        share = mean * utilization / (1 - utilization)
        assert ratio == pytest.approx(pk_wait / share, rel=0.06), name
    assert max(ratios, key=ratios.__getitem__) == "search_budget_codes"
