"""What a sizing answer carries beyond its verdict: how far it holds.

- :func:`capacity_curve`: per tier, the peak at which it reaches
  ``max_utilization`` (analytic), and the simulated p95 as the peak grows past
  the scenario's, up to a little beyond the first bottleneck;
- :func:`sweeps`: p95 with each tier one instance below and one above the
  answer, the others held: how sharp the answer is (delay tiers, never sized,
  have no sweep).

Both run through the search's :meth:`~simulation.sizing_rounds.CandidateRounds.settle`, on
its seeds and replications: a point the analytic pre-screen rules out, or (in a
sweep) one costing more than the answer, is not simulated and has no p95.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from simulation.sizing_bounds import Config, bottleneck_users
from simulation.sizing_rounds import CandidateRounds
from simulation.sizing_sequential import Candidate, Estimate


def capacity_curve(sizer: CandidateRounds, config: Config, steps: int = 4) -> dict[str, Any]:
    """Bottleneck peaks per tier (analytic), and the simulated p95 as the peak grows."""
    per_tier = bottleneck_users(sizer.scenario, config)
    first = min(per_tier.values())
    peak = sizer.scenario.workload.profile.peak
    factors = sorted({1.0, *np.linspace(1.0, max(1.05, first / peak * 1.1), steps)})
    candidates = [Candidate(config, None, float(factor)) for factor in factors]
    points = [
        {"peak": peak * factor, **_point(estimate)}
        for factor, estimate in zip(factors, sizer.settle(candidates), strict=True)
    ]
    carried = max((p["peak"] for p in points if p["pass"]), default=None)
    return {
        "bottleneck_at": {name: (None if math.isinf(v) else v) for name, v in per_tier.items()},
        "first_bottleneck": min(per_tier, key=lambda name: per_tier[name]),
        "max_peak_within_slo": carried,
        "points": points,
    }


def _point(estimate: Estimate) -> dict[str, Any]:
    """A candidate's p95 (None if not simulated), verdict and how it was settled."""
    simulated = estimate.simulated
    overall = estimate.overall if simulated else None
    return {
        "p95_s": overall.p95_s if overall else None,
        "p95_s_ci95": overall.ci95("p95_s") if overall else None,
        "pass": estimate.passes,
        "replications": estimate.replications,
        "stopped": estimate.stop.value,
    }


def sweeps(sizer: CandidateRounds, config: Config) -> dict[str, list[dict[str, Any]]]:
    """p95 with each tier's instances one below and one above the answer (one above
    costs more than the answer: simulated only if the search already did)."""
    candidates, where = [], []
    for k in sizer.sized:
        name = sizer.names[k]
        for delta in (-1, 0, 1):
            n = config.instances[k] + delta
            if n >= 1:
                candidates.append(Candidate(config.with_instances(k, delta)))
                where.append((name, n))
    out: dict[str, list[dict[str, Any]]] = {sizer.names[k]: [] for k in sizer.sized}
    cost = sizer.cost(config)
    above = [c for c in candidates if sizer.cost(c.config) > cost]
    sizer.settle([c for c in candidates if c not in above])
    sizer.settle(above, cheapest=True)  # the answer, cheaper and accepted, beats them
    settled = sizer.settle(candidates, cheapest=True)  # all known now: nothing runs
    for (name, n), estimate in zip(where, settled, strict=True):
        out[name].append({"instances": n, **_point(estimate)})
    return out
