"""The SLO verdict, the same for a simulated and a measured summary."""

from __future__ import annotations

import math
from typing import Any

from peakload.core.scenario import Slo

_OVERALL = ("p95_s", "p99_s", "mean_s", "error_rate")


def evaluate(slo: Slo, summary: dict[str, Any]) -> dict[str, Any]:
    """``{"pass": bool, "violations": [...], "at_risk": [...]}`` for a contract summary.

    A violation compares the estimate (the mean over replications) with the
    limit. A metric whose estimate passes but whose 95% confidence interval
    reaches past the limit is listed under ``at_risk``: not a failure, but not
    a margin to plan on either.
    """
    violations: list[dict[str, Any]] = []
    at_risk: list[dict[str, Any]] = []

    def check(scope: str, metric: str, values: dict[str, Any], limit: float | None) -> None:
        if limit is None or metric not in values:
            return
        value = values[metric]
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return
        half = values.get(f"{metric}_ci95") or 0.0
        entry = {"scope": scope, "metric": metric, "value": value, "limit": limit}
        if value > limit:
            entry["message"] = f"{scope} {metric} {value:.4g} > {limit:g}"
            violations.append(entry)
        elif value + half > limit:
            entry["message"] = (
                f"{scope} {metric} {value:.4g} (+/- {half:.2g}) is close to {limit:g}"
            )
            at_risk.append(entry)

    overall = summary.get("overall", {})
    for metric in _OVERALL:
        check("overall", metric, overall, getattr(slo, metric))
    for tier, values in summary.get("tiers", {}).items():
        check(f"tier {tier}", "utilization", values, slo.max_utilization)
    return {"pass": not violations, "violations": violations, "at_risk": at_risk}
