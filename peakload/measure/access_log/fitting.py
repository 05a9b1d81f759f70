"""A think-time distribution from observed gaps: lognormal, gamma or empirical.

Both parametric families are fitted by maximum likelihood with the location
fixed at zero (scipy), and judged by the Kolmogorov-Smirnov statistic D: the
largest distance between the fitted and the observed distribution functions.
The smaller D wins; if even the winner is further than :data:`MAX_KS` from the
data, no family describes it and the empirical distribution (its quantiles)
is kept instead. With hundreds of thousands of gaps a KS *p-value* rejects
every family for the tiniest misfit, so the rule is on D itself: 0.05 means
no quantile of the fit is more than 5 points of probability off.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from peakload.measure.access_log.sample import Moments

MAX_KS = 0.05
FIT_SAMPLE = 20_000
EMPIRICAL_POINTS = 200


@dataclass(frozen=True)
class ThinkTimeFit:
    """The chosen distribution as scenario TOML, and how every candidate did."""

    dist: dict[str, Any]
    chosen: str
    ks: dict[str, float]  # family -> KS statistic D against the data
    count: int
    mean_s: float
    cv: float


def _round(value: float) -> float:
    return float(f"{value:.4g}")


def fit_think_time(
    gaps: np.ndarray, rng: np.random.Generator, moments: Moments | None = None
) -> ThinkTimeFit:
    """Fit ``gaps`` (seconds, > 0); raises ValueError when there are fewer than 10.

    ``gaps`` may be a uniform sample of all the gaps, and ``moments`` then the
    exact count, mean and cv of all of them, which the result reports.
    """
    gaps = np.asarray(gaps, dtype=float)
    gaps = gaps[gaps > 0]
    if len(gaps) < 10:
        raise ValueError(f"only {len(gaps)} think times in the log: too few to fit")
    sample = rng.choice(gaps, FIT_SAMPLE, replace=False) if len(gaps) > FIT_SAMPLE else gaps
    count, mean, cv = len(gaps), float(gaps.mean()), float(gaps.std() / gaps.mean())
    if moments is not None and moments.count >= count:
        count, mean, cv = moments.count, moments.mean, moments.cv
    candidates: dict[str, tuple[float, dict[str, Any]]] = {}
    shape, _, scale = stats.lognorm.fit(sample, floc=0)
    fitted = stats.lognorm(shape, scale=scale)
    candidates["lognormal"] = (
        stats.kstest(sample, fitted.cdf).statistic,
        {
            "dist": "lognormal",
            "mean": _round(fitted.mean()),
            "cv": _round(fitted.std() / fitted.mean()),
        },
    )
    shape, _, scale = stats.gamma.fit(sample, floc=0)
    fitted = stats.gamma(shape, scale=scale)
    candidates["gamma"] = (
        stats.kstest(sample, fitted.cdf).statistic,
        {
            "dist": "gamma",
            "mean": _round(fitted.mean()),
            "cv": _round(fitted.std() / fitted.mean()),
        },
    )
    ks = {name: float(d) for name, (d, _) in candidates.items()}
    best = min(ks, key=ks.__getitem__)
    if ks[best] <= MAX_KS:
        return ThinkTimeFit(candidates[best][1], best, ks, count, mean, cv)
    points = np.quantile(gaps, (np.arange(EMPIRICAL_POINTS) + 0.5) / EMPIRICAL_POINTS)
    empirical = {"dist": "empirical", "values": [_round(v) for v in points]}
    return ThinkTimeFit(empirical, "empirical", ks, count, mean, cv)
