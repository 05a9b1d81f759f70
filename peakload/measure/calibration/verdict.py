"""Is a calibration fit for prediction? The demands that decide it, and how precise.

A *major* transaction carries at least a given share of the model's requests
(5 % by default): a wrong demand there moves every prediction. Each of its
demands at a measured tier must be identifiable (its transaction's
completions varied apart from the others', :mod:`.identifiability`) and not
pinned at the zero bound; otherwise the calibrated model rests on a number
the runs never measured, and the calibration is *inconclusive*. The precision
of a demand is the half-width of its 95 % interval relative to the estimate.
"""

from __future__ import annotations

from peakload.contract.calibration import DemandEstimate, Method


def relative_half_width(found: DemandEstimate) -> float:
    """Half the 95 % interval over the estimate (infinite for an estimate at or below 0)."""
    low, high = found.ci95
    if found.estimate <= 0:
        return float("inf")
    return (high - low) / 2 / found.estimate


def worst_interval(
    demands: dict[str, dict[str, DemandEstimate]], major: dict[str, float]
) -> tuple[str, float]:
    """The major demand with the widest relative interval, as ``transaction.tier``."""
    worst = ("-", 0.0)
    for name, row in demands.items():
        if name not in major:
            continue
        for tier, found in row.items():
            width = relative_half_width(found)
            if width > worst[1]:
                worst = (f"{name}.{tier}", width)
    return worst


PLANNED_FIX = (
    "the designed phases did not move it apart: its requests always came with the others' "
    "(a request source that sends them together cannot be separated), or the tour was too "
    "short for the chance in its windows (a longer --plan-seconds)"
)


def inconclusive(
    demands: dict[str, dict[str, DemandEstimate]],
    major: dict[str, float],
    planned: bool = False,
) -> list[str]:
    """One line per major demand that is unidentified, at a bound or unmeasured: what is
    wrong, and the fix (``planned``: the runs were ``calibrate --plan``'s own)."""
    lines = []
    for name, share in major.items():
        for tier, found in demands.get(name, {}).items():
            label = f"{name}.{tier} ({share:.0%} of requests)"
            if found.method == Method.PRIOR:
                lines.append(
                    f"{label}: not measured ({found.why}); the model's value was kept: "
                    "measure the tier's busy time (--busy-time) or run the step (--plan)"
                )
            elif found.at_bound:
                lines.append(
                    f"{label}: the fit put it at 0 although the tier was busy: check that the "
                    "model routes this transaction through the tier, or run longer "
                    "(--plan-seconds)"
                )
            elif not found.identifiable:
                why = found.why or "tied to other transactions"
                if planned:
                    why = why.split("; vary the mix")[0] + "; " + PLANNED_FIX
                lines.append(f"{label}: not identifiable: {why}")
    return lines
