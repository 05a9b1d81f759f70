"""The charts of a run's day, defined once: the PNGs (:mod:`peakload.app.plots`) and
report.html (:mod:`peakload.app.report.figures`) both draw :data:`RUN_CHARTS`.

A :class:`RunChart` says what one chart shows: its title and axis, the lines it
draws from the per-minute series (:meth:`RunChart.lines`, each a :class:`Line`
with its values and style), the ``[slo]`` limit it draws as a dotted line
(:meth:`RunChart.limit`) and whether its axis is a fraction. How a line is
drawn (matplotlib or plotly) is the renderer's; what is drawn is decided here,
so the PNG and the page cannot come to show different things.

Minutes are plotted at their middle (:func:`minute_middles`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

SLO_COLOR = "#c62828"
"""Limits, and what failed."""

Series = Mapping[str, Iterable[float]]
"""The per-minute series of ``timeseries.csv``, by column (``time_s`` first)."""


def minute_middles(series: Series) -> list[float]:
    """The scenario clock (s) of each minute's middle: where its figures are drawn."""
    return [float(t) + 30.0 for t in series["time_s"]]


@dataclass(frozen=True)
class Line:
    """One line of a chart: its label, its values per minute and its style."""

    label: str
    values: list[float]
    color: str | None = None
    """A hex colour; None: the renderer's next one (a tier's line)."""
    dashed: bool = False


@dataclass(frozen=True)
class LimitLine:
    """An ``[slo]`` limit drawn across a chart, with its label."""

    value: float
    label: str


def _failed(series: Series) -> list[float]:
    """Requests per second that failed: throughput times the error rate (no rate: 0)."""
    return [
        r * (e if math.isfinite(e) else 0.0)
        for r, e in zip(series["throughput_rps"], series["error_rate"], strict=True)
    ]


@dataclass(frozen=True)
class RunChart:
    """One chart of a run's day. ``name`` is its PNG's file stem."""

    name: str
    title: str
    ylabel: str
    draw: Callable[[Series, Sequence[str], str], list[Line]]
    """The lines, from the series, the tiers and the label of the achieved population."""
    limit_key: str | None = None
    """The ``[slo]`` limit drawn on it (``p95_s``, ``max_utilization``)."""
    limit_text: Callable[[float], str] = field(default=lambda value: f"SLO {value:g}")
    fraction: bool = False
    """A fraction of 1 (utilization): the axis runs 0-1.05 and reads as percentages."""

    def lines(self, series: Series, tiers: Sequence[str], population: str) -> list[Line]:
        """What it draws, from the series (a line of no data, all zero, is left out)."""
        return [line for line in self.draw(series, tiers, population) if _drawn(line)]

    def limit(self, limits: Mapping[str, float | None]) -> LimitLine | None:
        """Its ``[slo]`` limit as a line, or None when the scenario sets none."""
        value = limits.get(self.limit_key) if self.limit_key else None
        return None if value is None else LimitLine(value, self.limit_text(value))


def _drawn(line: Line) -> bool:
    """A failed-requests line of zeros says nothing: it is left out; others are kept."""
    return line.label != "failed" or any(v > 0 for v in line.values)


RUN_CHARTS: tuple[RunChart, ...] = (
    RunChart(
        "concurrency",
        "Concurrent users: target and achieved",
        "users",
        lambda s, tiers, population: [
            Line("target", list(s["target_concurrency"]), "#000000", dashed=True),
            Line(population, list(s["concurrency"]), "#1f77b4"),
        ],
    ),
    RunChart(
        "throughput",
        "Throughput, with failures",
        "requests / s",
        lambda s, tiers, population: [
            Line("all requests", list(s["throughput_rps"]), "#2ca02c"),
            Line("failed", _failed(s), SLO_COLOR),
        ],
    ),
    RunChart(
        "response_time",
        "Response time over the day (p50, p95)",
        "seconds",
        lambda s, tiers, population: [
            Line("p50", list(s["p50_s"]), "#1f77b4"),
            Line("p95", list(s["p95_s"]), "#9467bd"),
        ],
        limit_key="p95_s",
        limit_text=lambda value: f"SLO p95 {value:g} s",
    ),
    RunChart(
        "utilization",
        "Utilization per tier",
        "busy fraction of c",
        lambda s, tiers, population: [
            Line(tier, list(s[f"util_{tier}"])) for tier in tiers if f"util_{tier}" in s
        ],
        limit_key="max_utilization",
        limit_text=lambda value: f"limit {value:.0%}",
        fraction=True,
    ),
)
"""The day of a simulation or a load test: users, throughput, response time and
utilization, in this order in the PNGs and on the page."""
