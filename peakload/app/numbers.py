"""How a figure reads wherever peakload shows one: the terminal tables, report.html,
a comparison's Markdown and JUnit. One rule, so a p95 reads the same on all of them:

- a few significant digits (3 by default), never in e-notation: ``0.148``,
  ``0.000047``, and ``1,730`` rather than ``1.73e+03``;
- whole numbers (counts) in full, with thousands separators;
- ``-`` for a figure that is not there (``None``, NaN: no data);
- an estimate from replications beside its 95 % half-width, ``148 ± 12``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from peakload.contract.summary import Stats
from peakload.measure.compare import Row

MISSING = "-"


def num(value: Any, digits: int = 3) -> str:
    """``digits`` significant digits, never in e-notation; ``-`` for nothing."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return MISSING
    if isinstance(value, int | np.integer) and not isinstance(value, bool):
        return f"{value:,}"
    text = np.format_float_positional(
        float(value), precision=digits, unique=False, fractional=False, trim="-"
    )
    if abs(float(text)) >= 10**digits:  # 1,730 rather than 1.73e+03 (or 1730)
        return f"{value:,.0f}"
    whole, point, fraction = text.partition(".")
    if abs(float(text)) >= 1000:  # thousands grouped as the larger figures are
        whole = f"{int(whole):,}"
    return "0" if text == "-0" else whole + point + fraction


def num4(value: float) -> str:
    """A compared figure: four significant digits, enough to see a 0.1 % move."""
    return num(value, 4)


def _figure(values: Stats | dict[str, Any], name: str) -> tuple[float | None, float]:
    """A figure of a summary group and its half-width, from a model or its JSON: 0
    where it carries none (one run), NaN where its replications could not give one."""
    if isinstance(values, Stats):
        return values.figure(name), values.ci95(name)
    key = f"{name}_ci95"
    if key not in values:
        return values.get(name), 0.0
    half = values[key]
    return values.get(name), math.nan if half is None else float(half)


def with_ci(values: Stats | dict[str, Any], name: str, scale: float = 1.0, digits: int = 3) -> str:
    """Figure ``name`` of a summary group (times ``scale``), with ``± <half-width>``
    when it was estimated from replications (``± -`` when they could not give one)."""
    value, half = _figure(values, name)
    if value is None:
        return MISSING
    text = num(value * scale, digits)
    return f"{text} ± {num(half * scale, 2)}" if half else text


def ms(values: Stats | dict[str, Any], name: str) -> str:
    """A time figure in seconds, read in milliseconds."""
    return with_ci(values, name, 1000.0)


def pct(value: Any, decimals: int = 2) -> str:
    """A share as a percentage: ``12.34%``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    return f"{100 * value:.{decimals}f}%"


def pct_with_ci(values: Stats, name: str, decimals: int = 1) -> str:
    """A share of a summary group with ``± <half-width>`` when it has one."""
    value, half = _figure(values, name)
    if value is None:
        return MISSING
    text = pct(value, decimals)
    return f"{text} ± {pct(half, decimals)}" if half else text


def change(row: Row) -> str:
    """A compared metric's relative change: ``+12.3%``, ``inf`` from a zero baseline,
    ``-`` when the current run has no figure."""
    if math.isnan(row.current):
        return MISSING
    return "inf" if math.isinf(row.change) else f"{row.change:+.1%}"
