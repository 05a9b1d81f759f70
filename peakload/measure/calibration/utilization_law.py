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

**A background.** A CPU's busy time, as the operating system counts it, also
holds work no request asked for: timers, background writers, a scheduler's
polling. Fitted without a term for it, that time is spread over the demands,
most where the windows were least busy (on the real-work stack, a tour at 20 %
busy put the mix's demand 15 % high). For a tier that is a CPU (one with
``cores``), the fit takes the window's length as one more column, so

    B_k(w) = b_k * T(w) + sum_t D[t, k] * X_t(w)

and ``b_k`` (busy seconds per second, non-negative) is the background; it is
identified where the windows' loads differ, as a line's intercept is.
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
    background: np.ndarray
    """Per tier: busy seconds per second no request accounts for (0 where not fitted)."""


@dataclass(frozen=True)
class Background:
    """Which tiers get a background term, and the windows' lengths it multiplies."""

    tiers: np.ndarray
    """(tiers,) bool: fit a background for this tier (a CPU)."""
    seconds: np.ndarray
    """(windows,) each window's length."""

    def rows(self, rows: np.ndarray) -> Background:
        """The same tiers, over the windows ``rows`` (a bootstrap's draw)."""
        return Background(self.tiers, self.seconds[rows])


def fit(
    completions: np.ndarray,
    busy: np.ndarray,
    routes: np.ndarray | None = None,
    background: Background | None = None,
) -> Fit:
    """Non-negative least squares of each tier's busy time on the completions.

    ``routes`` (transactions x tiers, bool) limits each tier's fit to the
    transactions that visit it; the others' demands there are zero.
    ``background`` adds the windows' lengths as a column for the tiers it names
    (module docstring).
    """
    transactions, tiers = completions.shape[1], busy.shape[1]
    if routes is None:
        routes = np.ones((transactions, tiers), dtype=bool)
    demands = np.zeros((transactions, tiers))
    intercept = np.zeros(tiers)
    for k in range(tiers):
        visits = routes[:, k]
        if background is not None and background.tiers[k]:
            design = np.column_stack([background.seconds, completions[:, visits]])
            solution, _ = nnls(design, busy[:, k])
            intercept[k], demands[visits, k] = solution[0], solution[1:]
        elif visits.any():
            demands[visits, k], _ = nnls(completions[:, visits], busy[:, k])
    residuals = busy - completions @ demands
    if background is not None:
        residuals -= np.outer(background.seconds, intercept)
    total = np.sum(busy**2, axis=0)
    r2 = 1.0 - np.sum(residuals**2, axis=0) / np.where(total > 0, total, 1.0)
    return Fit(demands, residuals, r2, intercept)


def bootstrap(
    completions: np.ndarray,
    busy: np.ndarray,
    rng: np.random.Generator,
    replicates: int = DEFAULT_REPLICATES,
    routes: np.ndarray | None = None,
    background: Background | None = None,
) -> list[Fit]:
    """The fit repeated on windows drawn with replacement, ``replicates`` times."""
    windows = completions.shape[0]
    fits = []
    for _ in range(replicates):
        rows = np.asarray(rng.integers(0, windows, size=windows))
        drawn = None if background is None else background.rows(rows)
        fits.append(fit(completions[rows], busy[rows], routes, drawn))
    return fits


def demand_draws(fits: list[Fit]) -> np.ndarray:
    """(replicates, transactions, tiers): the bootstrap's demands."""
    return np.stack([f.demands for f in fits])


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
