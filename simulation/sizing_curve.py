"""What a sizing answer carries beyond its verdict: how far it holds.

- :func:`capacity_curve`: per tier, the peak at which it reaches
  ``max_utilization`` (analytic), and the simulated p95 as the peak grows past
  the scenario's, up to a little beyond the first bottleneck;
- :func:`sweeps`: p95 with each tier one instance below and one above the
  answer, the others held: how sharp the answer is.

Both run through the search's :meth:`~simulation.sizing.Sizer.evaluate`, on
its seeds and cache.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from simulation.sizing_bounds import Config, bottleneck_users

if TYPE_CHECKING:
    from simulation.sizing import Sizer


def capacity_curve(sizer: Sizer, config: Config, steps: int = 4) -> dict[str, Any]:
    """Bottleneck peaks per tier (analytic), and the simulated p95 as the peak grows."""
    per_tier = bottleneck_users(sizer.scenario, config)
    first = min(per_tier.values())
    peak = sizer.scenario.workload.profile.peak
    factors = sorted({1.0, *np.linspace(1.0, max(1.05, first / peak * 1.1), steps)})
    points = []
    for factor in factors:
        (estimate,) = sizer.evaluate([(config, None)], growth=float(factor))
        overall = estimate.overall
        points.append(
            {
                "peak": peak * factor,
                "p95_s": overall.p95_s,
                "p95_s_ci95": overall.ci95("p95_s"),
                "pass": estimate.passes,
            }
        )
    carried = max((p["peak"] for p in points if p["pass"]), default=None)
    return {
        "bottleneck_at": {name: (None if math.isinf(v) else v) for name, v in per_tier.items()},
        "first_bottleneck": min(per_tier, key=lambda name: per_tier[name]),
        "max_peak_within_slo": carried,
        "points": points,
    }


def sweeps(sizer: Sizer, config: Config) -> dict[str, list[dict[str, Any]]]:
    """p95 with each tier's instances one below and one above the answer."""
    candidates, where = [], []
    for k, name in enumerate(sizer.names):
        for delta in (-1, 0, 1):
            n = config.instances[k] + delta
            if n >= 1:
                candidates.append((config.with_instances(k, delta), None))
                where.append((name, n))
    out: dict[str, list[dict[str, Any]]] = {name: [] for name in sizer.names}
    for (name, n), estimate in zip(where, sizer.evaluate(candidates), strict=True):
        overall = estimate.overall
        out[name].append(
            {
                "instances": n,
                "p95_s": overall.p95_s,
                "p95_s_ci95": overall.ci95("p95_s"),
                "pass": estimate.passes,
            }
        )
    return out
