"""Does the model predict what a failure drill does? The drill's rows of ``validate``.

Both engines' summaries carry a ``drills`` section: for each ``[[failures]]``
drill, keyed ``"<tier> <start>-<end>"``, the failing tier's mean wait and
mean response of its visits ``inside`` the drill and ``outside`` it (the rest
of the window). Each of those four figures is one
:class:`~peakload.measure.validation.Row`, named by its path in the summary::

    drills.app 09:07-09:13.inside.mean_wait_s
    drills.app 09:07-09:13.inside.mean_response_s
    drills.app 09:07-09:13.outside.mean_wait_s
    drills.app 09:07-09:13.outside.mean_response_s

and judged by the one rule (:func:`~peakload.measure.validation.judge_row`):

- **predicted**: the mean over the simulation's replications, with its 95 %
  Student-t half-width;
- **measured**: the figure of the load test's summary (the server's counters
  over the whole drill, or over the rest of the window), with a 95 %
  half-width from batch means of the same counters (:func:`drill_batches`:
  ``tiers.csv``'s cumulative completions, wait and busy seconds, sampled every
  wall second). Each side's stretch of the window (the drill; the window
  outside it, in up to two pieces) is cut into at most
  :data:`~peakload.measure.counter_batches.BATCHES` batches of at least
  :data:`~peakload.measure.counter_batches.MIN_BATCH_WALL_S` wall seconds, and the figure
  computed in each. A side with fewer than two batches (a drill of a few wall
  seconds, a ``tiers.csv`` without the ``wait_s`` column) has **no measured
  half-width**: its noise is the prediction's alone (``nan``, which the judge
  counts as 0);
- **bound**: the mean response is a :attr:`MetricKind.MEAN`, as the levels'
  ``tiers.<tier>.mean_response_s`` (``mean``, 10 %, at least
  ``latency_floor_s``); the mean wait a :attr:`MetricKind.WAIT` (``wait``, 10 %, at
  least ``wait_floor_s``, 1 ms), both overridable in the bounds file, per
  metric too (``"drills.app 09:07-09:13.inside.mean_wait_s" = 0.2``).

A drill one side reports and the other does not gets rows all the same: the
missing figure is ``nan`` and the row disagrees (nothing agrees with nothing).
How much the drill raised the wait (inside over outside, :func:`wait_ratios`)
is reported beside the rows, not judged: the outside wait is a fraction of a
millisecond, so the ratio is mostly the noise of its denominator.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from peakload.measure.counter_batches import counter_batches
from peakload.measure.stats import half_width
from peakload.measure.validation import Bounds, Estimate, MetricKind, Row, judge_row

SIDES = ("inside", "outside")
LEAVES = (("mean_wait_s", MetricKind.WAIT), ("mean_response_s", MetricKind.MEAN))
"""The figures compared on each side, with the kind their bound is."""
DRILL_LEVEL = 1.0
"""The level a drill row carries: the scenario's own profile, 1.0 of its peak."""


def metric_name(key: str, side: str, leaf: str) -> str:
    return f"drills.{key}.{side}.{leaf}"


def drill_figures(summary: dict[str, Any]) -> dict[str, tuple[MetricKind, float]]:
    """metric -> (kind, value) for every drill of one summary."""
    out = {}
    for key, drill in (summary.get("drills") or {}).items():
        for side in SIDES:
            figures = drill.get(side) or {}
            for leaf, kind in LEAVES:
                value = figures.get(leaf)
                out[metric_name(key, side, leaf)] = (
                    kind,
                    math.nan if value is None else float(value),
                )
    return out


def predicted_drills(replications: Sequence[dict[str, Any]]) -> dict[str, Estimate]:
    """Each drill figure's mean over the replications that report it, and its half-width."""
    per = [drill_figures(r) for r in replications]
    metrics = dict.fromkeys(m for p in per for m in p)
    out = {}
    for metric in metrics:
        values = [p[metric][1] if metric in p else math.nan for p in per]
        finite = [v for v in values if math.isfinite(v)]
        out[metric] = Estimate(float(np.mean(finite)) if finite else math.nan, half_width(values))
    return out


def measured_drills(
    summary: dict[str, Any], batches: dict[str, dict[str, dict[str, list[float]]]]
) -> dict[str, Estimate]:
    """The load test's drill figures, each with the half-width of its batch values
    (``batches[key][side][leaf]``, :func:`drill_batches`; none: ``nan``)."""
    out = {}
    for metric, (_, value) in drill_figures(summary).items():
        key, side, leaf = _parts(metric)
        values = batches.get(key, {}).get(side, {}).get(leaf, [])
        out[metric] = Estimate(value, half_width(values))
    return out


def _parts(metric: str) -> tuple[str, str, str]:
    """``drills.<key>.<side>.<leaf>`` -> (key, side, leaf); the key may hold dots."""
    head, side, leaf = metric.rsplit(".", 2)
    return head.removeprefix("drills."), side, leaf


def compare_drills(
    predicted: dict[str, Estimate], measured: dict[str, Estimate], bounds: Bounds
) -> list[Row]:
    """A row for every drill figure either side has (a missing side disagrees)."""
    kinds = dict(LEAVES)
    rows = []
    for metric in dict.fromkeys([*measured, *predicted]):
        missing = Estimate(math.nan)
        rows.append(
            judge_row(
                DRILL_LEVEL,
                metric,
                kinds[_parts(metric)[2]],
                predicted.get(metric, missing),
                measured.get(metric, missing),
                bounds,
            )
        )
    return rows


def wait_ratios(rows: Sequence[Row]) -> dict[str, dict[str, float]]:
    """Per drill: inside over outside mean wait, predicted and measured (not judged)."""
    by_metric = {r.metric: r for r in rows}
    out = {}
    for key in dict.fromkeys(_parts(r.metric)[0] for r in rows):
        inside = by_metric.get(metric_name(key, "inside", "mean_wait_s"))
        outside = by_metric.get(metric_name(key, "outside", "mean_wait_s"))
        if inside is None or outside is None:
            continue
        out[key] = {
            side: _ratio(getattr(inside, side).value, getattr(outside, side).value)
            for side in ("predicted", "measured")
        }
    return out


def _ratio(a: float, b: float) -> float:
    return a / b if b > 0 and math.isfinite(a) else math.nan


def drill_batches(
    clock: np.ndarray,
    counters: dict[str, np.ndarray],
    window: tuple[float, float],
    drill: tuple[float, float],
    compress: float,
) -> dict[str, dict[str, list[float]]]:
    """Batch values of a drill's figures from a tier's cumulative counters
    (:func:`~peakload.measure.counter_batches.counter_batches`), ``inside`` the drill
    and ``outside`` it (the rest of ``window``, in up to two pieces).

    Returns ``side -> leaf -> values`` (one per batch with completions in it).
    """
    w0, w1 = window
    lo, hi = max(drill[0], w0), min(drill[1], w1)
    pieces = {"inside": [(lo, hi)], "outside": [(w0, lo), (hi, w1)]}
    return {
        side: counter_batches(clock, counters, spans, compress) for side, spans in pieces.items()
    }
