"""A profile of at most N breakpoints from a per-minute series (Ramer-Douglas-Peucker).

RDP keeps the point furthest from the straight line between the ends when it
is further than a tolerance, and recurses on both halves. The tolerance is
found by bisection: the smallest one that needs at most ``max_points``
points. The error of the simplification (largest and root-mean-square
distance between the series and the simplified profile) is returned with it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Simplified:
    """Breakpoints (clock seconds, value) and the error against the series."""

    times: np.ndarray
    values: np.ndarray
    max_error: float
    rms_error: float


def _rdp(t: np.ndarray, y: np.ndarray, tolerance: float) -> np.ndarray:
    keep = np.zeros(len(t), dtype=bool)
    keep[0] = keep[-1] = True
    stack = [(0, len(t) - 1)]
    while stack:
        lo, hi = stack.pop()
        if hi - lo < 2:
            continue
        line = y[lo] + (y[hi] - y[lo]) * (t[lo + 1 : hi] - t[lo]) / (t[hi] - t[lo])
        distance = np.abs(y[lo + 1 : hi] - line)
        i = int(np.argmax(distance))
        if distance[i] > tolerance:
            mid = lo + 1 + i
            keep[mid] = True
            stack += [(lo, mid), (mid, hi)]
    return keep


def simplify(t: np.ndarray, y: np.ndarray, max_points: int = 30) -> Simplified:
    """The fewest-error profile of at most ``max_points`` points through ``(t, y)``."""
    t, y = np.asarray(t, dtype=float), np.asarray(y, dtype=float)
    if len(t) <= max_points:
        keep = np.ones(len(t), dtype=bool)
    else:
        lo, hi = 0.0, float(np.ptp(y)) or 1.0
        for _ in range(50):
            mid = (lo + hi) / 2
            if _rdp(t, y, mid).sum() > max_points:
                lo = mid
            else:
                hi = mid
        keep = _rdp(t, y, hi)
    times, values = t[keep], y[keep]
    error = np.abs(np.interp(t, times, values) - y)
    return Simplified(times, values, float(error.max()), float(np.sqrt(np.mean(error**2))))
