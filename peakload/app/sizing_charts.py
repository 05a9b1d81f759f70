"""The charts of a sizing, defined once: the PNGs (:func:`peakload.app.size.files.plot_sizing`)
and report.html (:mod:`peakload.app.report.figures`) both draw :func:`sizing_charts`.

Two charts, as :mod:`peakload.app.run_charts` keeps a run's day: p95 against each
tier's instances with the other tiers at the recommendation (:class:`Sweep`, one
panel per tier), and the capacity curve of the recommended configuration
(:class:`CapacityChart`: simulated p95 as the peak grows, with the peak where each
tier reaches its utilization limit). What is drawn, and which points, is decided
here from ``sizing.json``'s data; how (matplotlib or plotly) is the renderer's.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

SWEEP_TITLE = "p95 against instances per tier, others at the recommendation"
CURVE_TITLE = "Capacity curve of the recommended configuration"
P95_AXIS = "p95 response (s)"
RIGHT_MARGIN = 1.25
"""The curve's axis runs to this many times its largest simulated peak."""


@dataclass(frozen=True)
class Sweep:
    """One tier's panel: p95 (and its 95 % half-width) at each simulated instance count."""

    tier: str
    instances: list[int]
    p95_s: list[float]
    ci95: list[float]
    """0 where the width is unknown (``null``): no bar."""
    recommended: int
    ticks: list[int]
    """Every instance count searched, simulated or not."""


@dataclass(frozen=True)
class CapacityChart:
    """The capacity curve: simulated p95 at each peak, the tiers' limits and the peak."""

    peaks: list[float]
    p95_s: list[float]
    ci95: list[float]
    limits: list[tuple[str, float]]
    """(tier, peak) where a tier reaches its utilization limit, within the axis."""
    beyond: list[tuple[str, float]]
    """Limits past the axis: named under the chart, not drawn."""
    right: float
    scenario_peak: float


@dataclass(frozen=True)
class SizingCharts:
    """Both charts, and the ``[slo]`` p95 limit each draws (None: the scenario sets none)."""

    slo_p95_s: float | None
    sweeps: list[Sweep]
    curve: CapacityChart


def _simulated(points: list[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The points the search simulated (a point it skipped has no p95)."""
    return [p for p in points if p.get("p95_s") is not None]


def sizing_charts(document: Mapping[str, Any]) -> SizingCharts:
    """The charts of ``sizing.json``'s data (:meth:`SizingDocument.to_dict`)."""
    p95 = document["slo"]["confirmed"].get("p95_s") or {}
    sweeps = []
    for tier, every in document["sweeps"].items():
        points = _simulated(every)
        sweeps.append(
            Sweep(
                tier,
                [p["instances"] for p in points],
                [p["p95_s"] for p in points],
                [p.get("p95_s_ci95") or 0.0 for p in points],
                document["recommended"][tier]["instances"],
                [p["instances"] for p in every],
            )
        )
    curve = document["capacity_curve"]
    points = _simulated(curve["points"])
    right = max(p["peak"] for p in curve["points"]) * RIGHT_MARGIN
    limits = [
        (tier, float(users))
        for tier, users in curve["bottleneck_at"].items()
        if users is not None and math.isfinite(users)
    ]
    return SizingCharts(
        p95.get("limit"),
        sweeps,
        CapacityChart(
            [p["peak"] for p in points],
            [p["p95_s"] for p in points],
            [p.get("p95_s_ci95") or 0.0 for p in points],
            [(tier, users) for tier, users in limits if users <= right],
            [(tier, users) for tier, users in limits if users > right],
            right,
            document["peak_concurrency"],
        ),
    )
