"""What a simulation reports of its failure drills (``[[failures]]`` and N-1 checks).

For each drill, the failing tier's mean wait and response of the visits that
arrived during it and of those that arrived in the rest of the window, the
load test's ``drills`` section in the same shape (for the real day, and for a
plan's prediction of a load test, :mod:`simulation.as_run`); and ``lost_<tier>``, the
servers the drills took, averaged over each minute of the series.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from peakload.core.scenario import Failure, Scenario
from peakload.measure.observations import Timebase
from peakload.measure.visit_stream import Visits

ON_ENVIRONMENT = Timebase()
"""The real day's model: the environment's time is the scenario clock."""


def drill_summary(
    tiers: Mapping[str, Visits],
    failures: Sequence[Failure],
    window: tuple[float, float],
    timebase: Timebase = ON_ENVIRONMENT,
) -> dict[str, dict[str, Any]]:
    """``window`` and the failures are on the scenario clock, the tiers' visits on
    the environment's time; ``timebase.wall`` maps one onto the other (the same
    time on the real day; a plan's wall time, :mod:`simulation.as_run`)."""
    w0, w1 = (timebase.wall(t) for t in window)
    drills = {}
    for failure in failures:
        tier = tiers[failure.tier]
        start, end = timebase.wall(failure.start_s), timebase.wall(failure.end_s)
        lo, hi = max(w0, start), min(w1, end)
        inside = tier.visits((lo, hi)) if lo < hi else (0, 0.0, 0.0)
        if not inside[0]:
            continue
        whole = tier.visits((w0, w1))
        outside = (whole[0] - inside[0], whole[1] - inside[1], whole[2] - inside[2])
        drills[failure.key] = {
            "tier": failure.tier,
            "instances": failure.instances,
            "inside": _visits(*inside),
            "outside": _visits(*outside),
        }
    return drills


def _visits(done: int, waits: float, responses: float) -> dict[str, float]:
    if not done:
        return {"visits": 0, "mean_wait_s": float("nan"), "mean_response_s": float("nan")}
    return {"visits": done, "mean_wait_s": waits / done, "mean_response_s": responses / done}


def lost_series(
    scenario: Scenario, failures: Sequence[Failure], edges: np.ndarray
) -> dict[str, np.ndarray]:
    columns: dict[str, np.ndarray] = {}
    for failure in failures:
        lost = failure.instances * scenario.tier(failure.tier).workers
        overlap = np.minimum(edges[1:], failure.end_s) - np.maximum(edges[:-1], failure.start_s)
        share = np.clip(overlap, 0, None) / np.diff(edges)
        column = f"lost_{failure.tier}"
        columns[column] = columns.get(column, np.zeros(len(edges) - 1)) + lost * share
    return columns
