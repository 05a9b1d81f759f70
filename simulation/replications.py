"""Independent replications: means and 95% confidence half-widths.

A metric estimated from N replications is reported as the mean with a sibling
``<name>_ci95`` half-width, t(0.975, N-1) * s / sqrt(N), as the output
contract says. Time series are averaged minute by minute.
"""

from __future__ import annotations

import math
import warnings
from numbers import Real
from typing import Any

import numpy as np

from peakload.contract.summary import Summary
from peakload.measure.stats import half_width

STATED = frozenset({"quantile_error"})
"""Figures a summary states rather than estimates: kept from the first replication."""


def _is_number(value: Any) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool)


def combine(summaries: list[Summary]) -> Summary:
    """One summary of N replications: every figure the mean over them, with its
    ``_ci95`` sibling when N >= 2 (NaN, written ``null``, where fewer than two
    replications had the figure); texts and configuration figures from the first."""
    return Summary.model_validate(combine_figures([s.to_dict() for s in summaries]))


def combine_figures(summaries: list[dict[str, Any]]) -> dict[str, Any]:
    """Average numeric leaves across replications and add their ``_ci95`` siblings.

    An int equal in every replication (``servers``) is configuration, kept as it
    is; NaN (no data in one replication) is left out of the mean."""
    first = summaries[0]
    out: dict[str, Any] = {}
    for key, value in first.items():
        values = [s.get(key) for s in summaries]
        if key in STATED:
            out[key] = value
        elif isinstance(value, dict):
            out[key] = combine_figures([v for v in values if isinstance(v, dict)])
        elif isinstance(value, int) and all(v == value for v in values):
            out[key] = value  # a configuration figure (servers), not an estimate
        elif _is_number(value) and all(_is_number(v) for v in values):
            finite = [float(v) for v in values if v is not None and not math.isnan(v)]
            mean = float(np.mean(finite)) if finite else float("nan")
            out[key] = mean
            if len(values) > 1:
                out[f"{key}_ci95"] = half_width(finite)
        else:
            out[key] = value
    return out


def combine_series(series: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Per-minute series averaged cell by cell (a minute empty in all stays NaN)."""
    if len(series) == 1:
        return series[0]
    with warnings.catch_warnings():  # a minute no replication had traffic in stays NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        return {key: np.nanmean(np.vstack([s[key] for s in series]), axis=0) for key in series[0]}
