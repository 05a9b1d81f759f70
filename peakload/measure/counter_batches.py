"""Batch means of a tier's figures from the server's cumulative counters.

A load test samples each tier's cumulative completions, wait seconds and busy
seconds once a wall second (``tiers.csv``). Over any stretch of the run, the
tier's mean wait is the wait seconds added over the completions added, and its
mean response adds the busy seconds. Cutting the stretch into batches and
computing the figure in each gives the batch means whose spread is the
measured figure's own noise (:func:`~peakload.measure.stats.half_width`),
as ``validate`` needs for its tier rows and for a failure drill's.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np

BATCHES = 10
"""At most this many batches over the stretches asked about."""
MIN_BATCH_WALL_S = 5.0
"""A batch spans at least five monitor samples (one a wall second)."""
LEAVES = ("mean_wait_s", "mean_response_s")
"""The figures :func:`counter_batches` gives, each a tier figure of the summary."""


def batch_edges(spans: Sequence[tuple[float, float]], compress: float) -> list[tuple[float, float]]:
    """Each span (scenario clock) cut into batches: :data:`BATCHES` at most over all
    spans, in proportion to their lengths, none shorter than :data:`MIN_BATCH_WALL_S`
    wall seconds; none at all when fewer than two would fit."""
    shortest = MIN_BATCH_WALL_S * compress  # on the scenario clock
    spans = [(a, b) for a, b in spans if b - a >= shortest]
    total = sum(b - a for a, b in spans)
    wanted = min(BATCHES, int(total // shortest))
    if wanted < 2:
        return []
    edges: list[tuple[float, float]] = []
    for a, b in spans:
        count = max(1, min(int((b - a) // shortest), round(wanted * (b - a) / total)))
        cuts = np.linspace(a, b, count + 1)
        edges.extend(itertools.pairwise(float(c) for c in cuts))
    return edges


def counter_batches(
    clock: np.ndarray,
    counters: dict[str, np.ndarray],
    spans: Sequence[tuple[float, float]],
    compress: float,
) -> dict[str, list[float]]:
    """The tier's mean wait and mean response in each batch of ``spans``.

    ``clock``: each sample's time on the scenario clock (increasing);
    ``counters``: cumulative ``completions``, ``wait_s`` and ``busy_s`` at those
    samples. A batch without completions, or whose counters are missing (a
    ``tiers.csv`` without ``wait_s``), gives no value.
    """
    values: dict[str, list[float]] = {leaf: [] for leaf in LEAVES}
    for a, b in batch_edges([s for s in spans if s[1] > s[0]], compress):
        done, waited, busy = (
            float(np.interp(b, clock, counters[name]) - np.interp(a, clock, counters[name]))
            for name in ("completions", "wait_s", "busy_s")
        )
        if not (done > 0 and math.isfinite(waited) and math.isfinite(busy)):
            continue
        values["mean_wait_s"].append(waited / done)
        values["mean_response_s"].append((waited + busy) / done)
    return values
