"""Synthetic windows with known demands: completions Poisson around a varying
load, busy time the exact sum of exponential service times (a gamma)."""

from __future__ import annotations

import numpy as np

from peakload.measure.calibration.windows import Windows


def synthetic_windows(
    demands: np.ndarray,
    rng: np.random.Generator,
    windows: int = 300,
    rate: float = 30.0,
    width_s: float = 5.0,
    mix: np.ndarray | None = None,
) -> Windows:
    """``demands`` (transactions x tiers) in seconds; ``mix`` per window (windows x
    transactions) of shares, default a fresh random mix per block of 20 windows."""
    transactions, tiers = demands.shape
    if mix is None:
        blocks = rng.dirichlet(np.ones(transactions), size=(windows + 19) // 20)
        mix = np.repeat(blocks, 20, axis=0)[:windows]
    load = rate * width_s * (0.5 + rng.random(windows))
    completions = rng.poisson(load[:, None] * mix).astype(float)
    busy = np.zeros((windows, tiers))
    for k in range(tiers):
        for t in range(transactions):
            n = completions[:, t]
            if demands[t, k] > 0:
                busy[:, k] += np.where(n > 0, rng.gamma(np.maximum(n, 1), demands[t, k]), 0.0)
    start = np.arange(windows) * width_s
    return Windows(
        start=start,
        end=start + width_s,
        completions=completions,
        busy=busy,
        transactions=[f"t{i}" for i in range(transactions)],
        tiers=[f"k{j}" for j in range(tiers)],
        run=np.zeros(windows, dtype=int),
    )
