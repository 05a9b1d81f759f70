"""Compare two summaries of the output contract: did anything regress?

Any pair works: two simulations, two load tests, or a simulation beside a
load test of the same scenario. Per metric: baseline, current, change, the
tolerance it is held to, and the verdict. A metric fails only when it moved
the bad way past its tolerance *and* the move is more than noise, judged by
the strongest evidence both runs carry:

- per-request latencies (``latencies.npy`` beside each summary): Mann-Whitney
  U on the two samples (overall latency metrics);
- per-replication confidence half-widths (``<metric>_ci95``): the move must
  exceed the two half-widths combined (non-overlapping intervals);
- otherwise the tolerance alone decides.

A percentile read from a sketch is within the summary's ``quantile_error``
(relative) of the exact one, so a percentile may move by the two summaries'
bounds together (none for an older, exact summary) before its tolerance
starts to count: a run and its exact baseline agree within that.

The output says, per metric, which of these decided. Summaries are read
through the contract's models (:class:`~peakload.contract.summary.Summary`),
so a file of any contract version this code reads can be compared.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

from peakload.contract.summary import Stats, Summary, SummaryError, read_summary

HIGHER_IS_WORSE = {
    "mean_s",
    "p50_s",
    "p95_s",
    "p99_s",
    "error_rate",
    "utilization",
    "mean_response_s",
    "mean_wait_s",
}
LOWER_IS_WORSE = {"throughput_rps", "ok_rps"}
LATENCY = {"mean_s", "p50_s", "p95_s", "p99_s"}
QUANTILES = {"p50_s", "p95_s", "p99_s"}
SIGNIFICANCE = 0.01  # Mann-Whitney p-value below which a shift is more than noise
MIN_TRANSACTION_COUNT = 100  # a p95 of fewer requests is noise, not a figure to gate on

# Defaults by what is compared. A fixed-seed simulation against itself must match
# almost exactly; a load test's latencies move with the machine; a prediction
# against a measurement is held to the looser of the two.
DEFAULT_TOLERANCES = {
    ("simulation", "simulation"): {"rel": 1e-6, "abs": 1e-9},
    ("loadtest", "loadtest"): {"rel": 0.10, "abs": 0.002, "latency_rel": 0.25},
    ("mixed", "mixed"): {"rel": 0.25, "abs": 0.005, "latency_rel": 0.50},
    # Suite benchmarks are ratios of two timings taken on a shared 2-core machine.
    ("benchmark", "benchmark"): {"rel": 0.25, "abs": 0.0},
}


class CompareError(Exception):
    """An input ``compare`` cannot use (a missing or malformed summary or tolerance
    file): one line naming the file."""


@dataclass(frozen=True)
class Tolerance:
    rel: float
    abs: float


@dataclass
class Row:
    metric: str
    baseline: float
    current: float
    tolerance: Tolerance
    test: str
    verdict: str  # "pass", "regression", "improvement", "missing"
    detail: str = ""

    @property
    def change(self) -> float:
        if self.baseline == 0:
            return 0.0 if self.current == 0 else math.inf
        return (self.current - self.baseline) / abs(self.baseline)

    @property
    def failed(self) -> bool:
        return self.verdict == "regression"


def load_run(path: str | Path) -> tuple[Summary, np.ndarray | None]:
    """A summary (file or run directory) and its per-request latencies, if saved."""
    path = Path(path)
    summary_path = path / "summary.json" if path.is_dir() else path
    try:
        summary = read_summary(summary_path)
    except SummaryError as exc:
        raise CompareError(str(exc)) from None
    latencies_path = summary_path.parent / "latencies.npy"
    latencies = np.load(latencies_path) if latencies_path.exists() else None
    return summary, latencies


def load_tolerances(path: str | Path | None) -> dict[str, Any]:
    """``[default]`` rel/abs/latency_rel and ``[metrics."overall.p95_s"]`` rel/abs."""
    if path is None:
        return {}
    try:
        return tomllib.loads(Path(path).read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CompareError(f"{path}: {exc}") from None


def _tolerance(metric: str, kinds: tuple[str, str], overrides: dict[str, Any]) -> Tolerance:
    key = kinds if kinds[0] == kinds[1] else ("mixed", "mixed")
    base = {**DEFAULT_TOLERANCES[key], **overrides.get("default", {})}
    rel = base.get("latency_rel", base["rel"]) if metric.split(".")[-1] in LATENCY else base["rel"]
    specific = overrides.get("metrics", {}).get(metric, {})
    return Tolerance(specific.get("rel", rel), specific.get("abs", base["abs"]))


def _figures(group: Stats | dict[str, Any]) -> dict[str, Any]:
    """A group's figures by name, ``<name>_ci95`` siblings included."""
    return group.model_dump() if isinstance(group, Stats) else group


def _metrics(summary: Summary) -> dict[str, tuple[float, float | None]]:
    """metric path -> (value, ci95 half-width or None) for the compared figures.
    A NaN figure (no data) is kept: :func:`_judge` says so rather than call it missing."""
    out: dict[str, tuple[float, float | None]] = {}

    def take(prefix: str, group: Stats | dict[str, Any], names: tuple[str, ...]) -> None:
        values = _figures(group)
        for name in names:
            value = values.get(name)
            if isinstance(value, int | float) and not isinstance(value, bool):
                out[f"{prefix}.{name}"] = (float(value), values.get(f"{name}_ci95"))

    if summary.overall is not None:
        take(
            "overall",
            summary.overall,
            ("throughput_rps", "mean_s", "p50_s", "p95_s", "p99_s", "error_rate"),
        )
    for name, transaction in summary.transactions.items():
        if transaction.count >= MIN_TRANSACTION_COUNT:
            take(f"transactions.{name}", transaction, ("p95_s", "error_rate"))
    for name, tier in summary.tiers.items():
        take(f"tiers.{name}", tier, ("utilization", "mean_response_s"))
    for name, figures in (summary.benchmarks or {}).items():
        take(f"benchmarks.{name}", figures, ("ratio",))
    return out


def _direction(metric: str) -> int:
    """+1 if a larger value is worse, -1 if a smaller one is, 0 if either is news."""
    leaf = metric.split(".")[-1]
    if metric.startswith("benchmarks."):
        return +1  # suite benchmarks are cost ratios: larger is slower
    if leaf in HIGHER_IS_WORSE:
        return +1
    if leaf in LOWER_IS_WORSE:
        return -1
    return 0


def compare(
    baseline: Summary | dict[str, Any],
    current: Summary | dict[str, Any],
    tolerances: dict[str, Any] | None = None,
    baseline_latencies: np.ndarray | None = None,
    current_latencies: np.ndarray | None = None,
) -> list[Row]:
    """One :class:`Row` per metric of ``baseline``: its verdict against ``current``.

    A summary given as a dict is read through the :class:`Summary` model first.
    """
    baseline, current = _as_summary(baseline), _as_summary(current)
    kinds = (baseline.kind.value, current.kind.value)
    before, after = _metrics(baseline), _metrics(current)
    mann_whitney = None
    if (
        baseline_latencies is not None
        and current_latencies is not None
        and len(baseline_latencies)
        and len(current_latencies)
    ):
        mann_whitney = stats.mannwhitneyu(
            current_latencies, baseline_latencies, alternative="two-sided"
        ).pvalue
    bound = (baseline.quantile_error or 0.0) + (current.quantile_error or 0.0)
    rows = []
    for metric, (base, base_ci) in before.items():
        tolerance = _tolerance(metric, kinds, tolerances or {})
        if metric not in after and metric.startswith("transactions."):
            continue  # too few of them in the current run to judge
        if metric not in after:
            rows.append(
                Row(metric, base, math.nan, tolerance, "-", "missing", "not in the current summary")
            )
            continue
        value, ci = after[metric]
        rows.append(_judge(metric, base, value, base_ci, ci, tolerance, mann_whitney, bound))
    return rows


def _as_summary(summary: Summary | dict[str, Any]) -> Summary:
    return summary if isinstance(summary, Summary) else Summary.model_validate(summary)


def _judge(
    metric: str,
    base: float,
    value: float,
    base_ci: float | None,
    ci: float | None,
    tolerance: Tolerance,
    mann_whitney: float | None,
    quantile_bound: float = 0.0,
) -> Row:
    if math.isnan(base) or math.isnan(value):
        return Row(metric, base, value, tolerance, "-", "pass", "no data on one side")
    delta = value - base
    allowed = max(tolerance.rel * abs(base), tolerance.abs)
    if metric.split(".")[-1] in QUANTILES:  # the sketches' error comes first
        allowed += quantile_bound * abs(base) * (1 + quantile_bound)
    worse = _direction(metric) * delta
    beyond = abs(delta) > allowed
    if (
        metric.startswith("overall.")
        and metric.split(".")[-1] in LATENCY
        and (mann_whitney is not None)
    ):
        test = f"Mann-Whitney p={mann_whitney:.3g}"
        significant = mann_whitney < SIGNIFICANCE
    elif base_ci is not None and ci is not None:
        test = "confidence intervals"
        significant = abs(delta) > base_ci + ci
    else:
        test = "tolerance"
        significant = True
    if not beyond or not significant:
        detail = "within tolerance" if not beyond else "beyond tolerance but within noise"
        return Row(metric, base, value, tolerance, test, "pass", detail)
    if worse > 0:
        return Row(
            metric,
            base,
            value,
            tolerance,
            test,
            "regression",
            f"moved {delta:+.4g} ({delta / abs(base):+.1%} of baseline), allowed {allowed:.4g}"
            if base
            else f"moved {delta:+.4g}",
        )
    return Row(
        metric,
        base,
        value,
        tolerance,
        test,
        "improvement" if worse < 0 else "pass",
        f"moved {delta:+.4g}",
    )


def compare_runs(
    baseline_path: str | Path, current_path: str | Path, tolerances: dict[str, Any] | None = None
) -> tuple[list[Row], Summary, Summary]:
    """Load two runs (summary files or run directories) and :func:`compare` them.

    Returns the rows and both summaries; a missing or malformed run raises
    :class:`CompareError` naming the file.
    """
    baseline, baseline_latencies = load_run(baseline_path)
    current, current_latencies = load_run(current_path)
    rows = compare(baseline, current, tolerances, baseline_latencies, current_latencies)
    return rows, baseline, current
