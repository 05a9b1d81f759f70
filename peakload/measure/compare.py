"""Compare two summaries of the output contract: did anything regress?

Any pair works: two simulations, two load tests, or a simulation beside a
load test of the same scenario. Per metric: baseline, current, change, the
tolerance it is held to, and the verdict. A metric fails only when it moved
the bad way past its tolerance *and* the move is more than noise, judged by
the strongest evidence both runs carry:

- per-request latencies (``latencies.npy`` beside each summary): Mann-Whitney
  U on the two samples (overall latency metrics);
- a transaction's percentile, where both runs saved that transaction's latencies
  (``transaction_latencies.npz``, a load test's): each run's distribution-free 95 %
  interval of the percentile from its order statistics (:func:`quantile_interval`),
  and the move must take the intervals apart. A p95 of 120 requests is their 6th
  largest, and its interval runs from about the 91st to the 99th percentile: a 30 %
  band alone called a smoke run's noise a regression;
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
TRANSACTION_LATENCIES = "transaction_latencies.npz"
"""Beside a load test's summary: each transaction's window latencies, one array each."""
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


def load_transaction_latencies(path: str | Path) -> dict[str, np.ndarray] | None:
    """Each transaction's window latencies saved beside a summary (file or run
    directory), or None where the run saved none (a simulation, an older run)."""
    path = Path(path)
    found = (path if path.is_dir() else path.parent) / TRANSACTION_LATENCIES
    if not found.exists():
        return None
    with np.load(found) as saved:
        return {name: saved[name] for name in saved.files}


def quantile_interval(
    values: np.ndarray, q: float, confidence: float = 0.95
) -> tuple[float, float]:
    """The distribution-free ``confidence`` interval of the ``q`` quantile of the
    population ``values`` were drawn from: the order statistics between which the
    quantile lies with that probability, whatever the distribution (the number of
    values below it is binomial, ``n`` and ``q``)."""
    ordered = np.sort(np.asarray(values, dtype=float))
    n = len(ordered)
    tail = (1 - confidence) / 2
    low = int(stats.binom.ppf(tail, n, q))  # values below the quantile: at least this many
    high = int(stats.binom.ppf(1 - tail, n, q))
    return float(ordered[max(low - 1, 0)]), float(ordered[min(high, n - 1)])


def _quantile_intervals(
    metric: str,
    baseline: dict[str, np.ndarray] | None,
    current: dict[str, np.ndarray] | None,
) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """Both runs' intervals of a transaction's percentile, where both saved its
    latencies (each at least :data:`MIN_TRANSACTION_COUNT`)."""
    kind, _, rest = metric.partition(".")
    name, _, leaf = rest.rpartition(".")
    if kind != "transactions" or leaf not in QUANTILES or baseline is None or current is None:
        return None
    before, after = baseline.get(name), current.get(name)
    if before is None or after is None or min(len(before), len(after)) < MIN_TRANSACTION_COUNT:
        return None
    q = int(leaf.removeprefix("p").removesuffix("_s")) / 100
    return quantile_interval(before, q), quantile_interval(after, q)


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
    baseline_by_transaction: dict[str, np.ndarray] | None = None,
    current_by_transaction: dict[str, np.ndarray] | None = None,
) -> list[Row]:
    """One :class:`Row` per metric of ``baseline``: its verdict against ``current``.

    A summary given as a dict is read through the :class:`Summary` model first.
    ``*_latencies``: each run's window latencies; ``*_by_transaction``: the same per
    transaction (:func:`load_transaction_latencies`)."""
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
        intervals = _quantile_intervals(metric, baseline_by_transaction, current_by_transaction)
        rows.append(
            _judge(metric, base, value, base_ci, ci, tolerance, mann_whitney, bound, intervals)
        )
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
    intervals: tuple[tuple[float, float], tuple[float, float]] | None = None,
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
    elif intervals is not None:
        test = "order statistics"
        (base_low, base_high), (low, high) = intervals
        significant = low > base_high or high < base_low
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
    rows = compare(
        baseline,
        current,
        tolerances,
        baseline_latencies,
        current_latencies,
        load_transaction_latencies(baseline_path),
        load_transaction_latencies(current_path),
    )
    return rows, baseline, current
