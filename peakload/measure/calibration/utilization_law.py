"""Utilization-law regression: service demands from busy time and completions.

The utilization law says a tier's busy time over an interval is the sum, over
the transactions it served, of completions times mean demand:

    B_k(w) = sum_t D[t, k] * X_t(w)          (window w, tier k, transaction t)

Given many windows, each tier's column of demands is a least-squares fit of
its busy time on the completions matrix, with demands held non-negative
(Rolia and Vetland 1995; Spinner et al. 2015 compare it with the other
estimators). ``scipy.optimize.nnls`` solves each tier's fit. The 95 %
interval comes from a bootstrap over windows: windows are resampled with
replacement, the fit is repeated, and the 2.5 and 97.5 percentiles of the
replicates bound the estimate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import nnls

DEFAULT_REPLICATES = 200


@dataclass(frozen=True)
class Fit:
    """Demands (transactions x tiers) and how well they explain the busy time."""

    demands: np.ndarray
    residuals: np.ndarray
    """(windows, tiers) observed minus fitted busy seconds."""
    r2: np.ndarray
    """Per tier: share of the busy time's (uncentred) variation the fit explains."""


def fit(completions: np.ndarray, busy: np.ndarray, routes: np.ndarray | None = None) -> Fit:
    """Non-negative least squares of each tier's busy time on the completions.

    ``routes`` (transactions x tiers, bool) limits each tier's fit to the
    transactions that visit it; the others' demands there are zero.
    """
    transactions, tiers = completions.shape[1], busy.shape[1]
    if routes is None:
        routes = np.ones((transactions, tiers), dtype=bool)
    demands = np.zeros((transactions, tiers))
    for k in range(tiers):
        visits = routes[:, k]
        if visits.any():
            demands[visits, k], _ = nnls(completions[:, visits], busy[:, k])
    residuals = busy - completions @ demands
    total = np.sum(busy**2, axis=0)
    r2 = 1.0 - np.sum(residuals**2, axis=0) / np.where(total > 0, total, 1.0)
    return Fit(demands, residuals, r2)


def bootstrap(
    completions: np.ndarray,
    busy: np.ndarray,
    rng: np.random.Generator,
    replicates: int = DEFAULT_REPLICATES,
    routes: np.ndarray | None = None,
) -> np.ndarray:
    """(replicates, transactions, tiers) demands fitted on windows drawn with replacement."""
    windows = completions.shape[0]
    draws = np.empty((replicates, completions.shape[1], busy.shape[1]))
    for r in range(replicates):
        rows = rng.integers(0, windows, size=windows)
        draws[r] = fit(completions[rows], busy[rows], routes).demands
    return draws


def interval(draws: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval of the bootstrap replicates, per demand."""
    tail = 100 * (1 - level) / 2
    return np.percentile(draws, tail, axis=0), np.percentile(draws, 100 - tail, axis=0)


def condition_number(completions: np.ndarray) -> float:
    """Of the completions matrix with unit-norm columns (empty columns left out):
    large means some columns are nearly combinations of others."""
    norms = np.linalg.norm(completions, axis=0)
    used = completions[:, norms > 0] / norms[norms > 0]
    if used.shape[1] == 0:
        return float("inf")
    singular = np.linalg.svd(used, compute_uv=False)
    return float(singular[0] / singular[-1]) if singular[-1] > 0 else float("inf")
