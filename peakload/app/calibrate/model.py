"""``<scenario>-calibrated.toml``: the model with the estimated demands.

Everything but the transactions is written back as the model had it; each
transaction's demands get the estimates, each distribution's mean moved to the
estimate, and its coefficient of variation multiplied by the transaction's measured
spread (:mod:`peakload.app.calibrate.outside`, :func:`factor_written`) where its
kind takes one: an exponential then becomes a gamma (``--demand-spread prior``
keeps the priors' shapes). The
prior, the interval, the method and the identifiability verdict of every
demand are left in a comment above it, so a reader sees what was measured and
how well. A demand flagged at a bound, or one nothing measured, keeps the
prior, and its comment says so.

A tier with ``cores`` gets the background its fit found (the share of its
cores busy with no request), under its name, with its interval in a comment.

A transaction's deferred work keeps its pieces, each mean moved to its estimate
(fitted on the requests' counts ``after_s`` back), its prior's shape kept.

The time outside the tiers (:mod:`peakload.app.calibrate.outside`) becomes
each transaction's demand at a delay tier: the model's own delay tier when it
has one, else one named :data:`OUTSIDE_TIER`, appended as the last
``[[tiers]]``. Its distribution is deterministic: only the mean is measured.

A calibration that was inconclusive (a major demand unidentified, unmeasured
or at a bound) is still written, for inspection, but its first line is
:data:`~peakload.contract.calibration.UNFIT_MARKER` and the reasons follow in
comments; ``validate`` and ``size`` warn when given it.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import tomli_w

from peakload.contract.calibration import (
    UNFIT_MARKER,
    CalibrationReport,
    DeferredEstimate,
    DemandEstimate,
    Method,
    OutsideEstimate,
    SpreadEstimate,
    TierFit,
)
from peakload.core.tier import carried_background

OUTSIDE_TIER = "outside"


def _inline(value: Any) -> str:
    """One TOML value on one line (inline tables for distributions)."""
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_inline(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(_inline(v) for v in value) + "]"
    return tomli_w.dumps({"v": value}).split("=", 1)[1].strip()


def _moved(distribution: dict[str, Any], new_mean: float, old_mean: float) -> dict[str, Any]:
    """The same kind of distribution with mean ``new_mean`` (scale family: all
    location-like parameters scale by new/old; cv is kept)."""
    ratio = new_mean / old_mean if old_mean > 0 else 1.0
    moved = dict(distribution)
    for key in ("mean", "value", "low", "high"):
        if key in moved:
            moved[key] = round(float(moved[key]) * ratio, 7)
    if "values" in moved:
        moved["values"] = [round(float(v) * ratio, 7) for v in moved["values"]]
    return moved


SHAPED = frozenset({"exponential", "gamma", "lognormal"})
"""The kinds of distribution a measured spread is written into: their coefficient of
variation is multiplied by the transaction's factor (an exponential, cv 1 by its
nature, becomes the gamma of that cv). Others (deterministic, uniform, empirical)
keep the prior's shape."""


def factor_written(s: SpreadEstimate) -> float:
    """The factor the calibrated model puts on the priors' cvs: 1 (the priors kept)
    where the interval holds 1, the measurement not contradicting them (58 responses
    of a lognormal of cv 1.5 gave 1.93 [0.64, 3.42] on the mock); else the measured
    factor where the draws measured it, and at most 1 where the responses did (an
    upper bound only ever lowers a spread)."""
    if s.ci95[0] <= 1.0 <= s.ci95[1]:
        return 1.0
    return s.scale if s.drawn else min(s.scale, 1.0)


def _reshaped(distribution: dict[str, Any], factor: float) -> dict[str, Any]:
    """``distribution`` with its coefficient of variation times ``factor`` (its mean
    kept); unchanged where its kind is not :data:`SHAPED` or ``factor`` is 1."""
    kind = distribution.get("dist")
    if kind not in SHAPED or factor == 1.0:
        return distribution
    if kind == "exponential":
        return {"dist": "gamma", "mean": distribution["mean"], "cv": round(max(factor, 0.01), 3)}
    cv = round(max(float(distribution["cv"]) * factor, 0.01), 3)
    return {**distribution, "cv": cv}


def _spread_comment(s: SpreadEstimate) -> str:
    source = (
        "the draws its responses reported"
        if s.drawn
        else "its responses' own spread, an upper bound on its demands': used only to lower"
    )
    return (
        f"# spread: the priors' cv times {s.scale:.3g}, 95 % CI [{s.ci95[0]:.3g}, "
        f"{s.ci95[1]:.3g}], from {s.responses} responses at low load ({source}); "
        f"written: times {factor_written(s):.3g}"
    )


def _comment(tier: str, e: DemandEstimate) -> str:
    prior = "none" if e.prior is None else f"{e.prior:.6g} s"
    status = "identifiable" if e.identifiable else f"NOT identifiable ({e.why})"
    text = (
        f"# {tier}: prior {prior}, estimate {e.estimate:.6g} s, 95 % CI "
        f"[{e.ci95[0]:.6g}, {e.ci95[1]:.6g}], {e.method.value}, {status}"
    )
    if e.at_bound:
        text += "; AT BOUND (0): prior kept"
    elif e.held_by_interval:
        text += "; its interval holds the prior: prior kept"
    elif e.method == Method.PRIOR:
        text += "; nothing measured it: prior kept"
    return text


def _outside_comment(tier: str, o: OutsideEstimate, prior: float | None) -> str:
    before = "none" if prior is None else f"{prior:.6g} s"
    return (
        f"# {tier}: time outside the tiers (response minus modelled tier responses at low "
        f"load): prior {before}, estimate {o.estimate:.6g} s, 95 % CI [{o.ci95[0]:.6g}, "
        f"{o.ci95[1]:.6g}], {o.responses} responses, busiest tier at most "
        f"{o.busiest_utilization:.0%}"
    )


def _transaction_blocks(
    transactions: list[dict[str, Any]],
    report: CalibrationReport,
    delay: str,
    shapes: bool,
    delays: frozenset[str],
) -> list[str]:
    lines: list[str] = []
    for txn in transactions:
        estimates = report.demands.get(txn["name"], {})
        spread = report.spread.get(txn["name"]) if shapes else None
        lines += ["[[transactions]]", f"name = {_inline(txn['name'])}"]
        if "weight" in txn:
            lines.append(f"weight = {_inline(txn['weight'])}")
        demand = dict(txn.get("demand", {}))
        for tier in estimates:
            if tier not in demand and not estimates[tier].keeps_prior:
                demand[tier] = {"dist": "exponential", "mean": estimates[tier].estimate}
        outside = report.outside.get(txn["name"])
        if outside is not None:
            prior = demand.get(delay, {}).get("mean", demand.get(delay, {}).get("value"))
            demand.pop(delay, None)
        if spread is not None and any(
            d.get("dist") in SHAPED for tier, d in demand.items() if tier not in delays
        ):
            lines.append(_spread_comment(spread))
        for tier, distribution in demand.items():
            e = estimates.get(tier)
            if e is None:
                lines.append(f"# {tier}: not estimated, prior kept")
            else:
                lines.append(_comment(tier, e))
                if not e.keeps_prior and e.prior is not None:
                    distribution = _moved(distribution, e.estimate, e.prior)
            if spread is not None and tier not in delays:
                distribution = _reshaped(distribution, factor_written(spread))
            lines.append(f"demand.{tier} = {_inline(distribution)}")
        if outside is not None:
            lines.append(_outside_comment(delay, outside, prior))
            value = round(max(outside.estimate, 0.0), 7)
            lines.append(f"demand.{delay} = {_inline({'dist': 'deterministic', 'value': value})}")
        lines += _deferred_lines(txn.get("deferred", []), report.deferred.get(txn["name"], []))
        lines.append("")
    return lines


def _deferred_lines(work: list[dict[str, Any]], estimates: list[DeferredEstimate]) -> list[str]:
    """A transaction's deferred work, each piece's mean moved to its estimate (its
    prior's shape kept: no spread is measured for work nobody waits for), with the
    estimate in a comment above it; a piece nothing measured keeps its prior."""
    if not work:
        return []
    lines = ["deferred = ["]
    for j, piece in enumerate(work):
        distribution = piece["demand"]
        where = f"deferred[{j}] at {piece['tier']}, {piece['after_s']:g} s after"
        e = estimates[j] if j < len(estimates) else None
        if e is None:
            lines.append(f"  # {where}: not estimated, prior kept")
        else:
            lines.append("  " + _comment(where, e))
            if not e.keeps_prior and e.prior is not None:
                distribution = _moved(distribution, e.estimate, e.prior)
        lines.append(f"  {_inline({**piece, 'demand': distribution})},")
    return [*lines, "]"]


def _background_lines(tier: str, fit: TierFit) -> list[str]:
    """The fitted background of a CPU tier, with its interval in a comment."""
    assert fit.background is not None
    low, high = fit.background_ci95 or (fit.background, fit.background)
    return [
        f"# {tier}: background (busy with no request, share of its cores) fitted as the "
        f"intercept of its busy time: {fit.background:.4f}, 95 % CI [{low:.4f}, {high:.4f}]",
        f"background = {round(carried_background(fit.background), 6)}",
    ]


def _is_transaction_table(header: str) -> bool:
    inner = header.strip("[] ")
    return inner == "transactions" or inner.startswith("transactions.")


def write_calibrated(
    model_path: Path,
    report: CalibrationReport,
    target: Path,
    runs: list[str],
    shapes: bool = True,
) -> Path:
    """Write the calibrated model next to the calibration; it loads as any scenario.

    The model's own text is kept (its comments state its assumptions), with the
    scenario renamed ``<name>-calibrated`` and every ``[[transactions]]`` block
    replaced, where the first one stood, by the calibrated blocks. ``shapes``: each
    demand takes its transaction's measured spread (:data:`SHAPED`); False keeps
    the priors' shapes.
    """
    text = Path(model_path).read_text()
    data = tomllib.loads(text)
    model_delays = [t["name"] for t in data.get("tiers", []) if t.get("kind") == "delay"]
    delay = model_delays[0] if model_delays else OUTSIDE_TIER
    delays = frozenset({delay, *model_delays})  # no spread is written into a delay
    lines = []
    if not report.fit_for_prediction:
        lines += [
            f"{UNFIT_MARKER}: calibration inconclusive, "
            f"{len(report.inconclusive)} major demand(s) not measured",
            "# Do not size or predict with this model. Its demands below that are not",
            "# identified, or at a bound, are not measurements:",
            *(f"#   {reason}" for reason in report.inconclusive),
            "",
        ]
    lines += [
        f"# Calibrated from {Path(model_path).name} by `peakload calibrate` "
        f"({report.method.value}, {report.windows} windows of {report.window_s:g} s).",
        "# Runs: " + ", ".join(runs),
        "# Each demand's prior, 95 % interval, method and identifiability are in the",
        "# comment above it; demands at a bound or unmeasured keep the prior.",
        "",
    ]
    backgrounds = {tier: fit for tier, fit in report.fit.items() if fit.background is not None}
    table, inserted, tier_name = "", False, None
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("["):
            table = stripped.split("#")[0].strip()
            tier_name = None
            if _is_transaction_table(table):
                if not inserted:
                    lines += _transaction_blocks(
                        data["transactions"], report, delay, shapes, delays
                    )
                    inserted = True
                continue
        if _is_transaction_table(table):
            continue
        if table == "[scenario]" and re.match(r"name\s*=", stripped):
            line = f"name = {_inline(data['scenario']['name'] + '-calibrated')}"
        if table == "[[tiers]]":
            if re.match(r"background\s*=", stripped) and tier_name in backgrounds:
                continue  # the fitted one is written under the tier's name
            if (found := re.match(r"name\s*=\s*\"([^\"]+)\"", stripped)) is not None:
                tier_name = found.group(1)
                if tier_name in backgrounds:
                    lines += [line, *_background_lines(tier_name, backgrounds[tier_name])]
                    continue
        lines.append(line)
    if report.outside and not any(t.get("name") == delay for t in data.get("tiers", [])):
        lines += [
            "",
            "# The time outside the tiers (HTTP, framework, JSON, network), estimated by",
            "# calibrate per transaction: an infinite server, no queue (last of the tiers).",
            "[[tiers]]",
            f"name = {_inline(delay)}",
            'kind = "delay"',
        ]
    target.write_text("\n".join(lines) + "\n")
    return target
