"""What one validation level measured: its window's figures, their batches and the
server's outside time, from one load test or from its pilot and sized plateau pooled.

A level runs a pilot (:mod:`peakload.app.validate.job`) and, when the pilot's
batch means say its rows need a longer window, a sized plateau. Both hold the
same load, each measured after its own warm-up, so their windows are two
stretches of one steady state: the level's figures pool them. Requests: the
per-request records of both windows, laid end to end, go through the one
reducer (:func:`~peakload.measure.stats.request_summary`), so a pooled p95 is
the p95 of every request, not an average of two. Tiers: utilization weighted
by each window's wall length, mean response by each window's completions.
Batches: each window is cut into its own batches (none straddles the two),
and the lists are joined. The outside time: each window's counts added. The
thinks' deviation (:mod:`peakload.measure.think_control`): each window's users
counted on their own, both windows' kept; a tier's drawn deviation likewise
(:mod:`peakload.measure.busy_control`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from loadtests.run_files import RawRun, read_raw
from peakload.app.loadtest.job import LoadTestRun
from peakload.core.plan import Plan
from peakload.measure import outside_file
from peakload.measure.busy_control import BusyControl, BusyWindow, busy_window
from peakload.measure.calibration import tier_file
from peakload.measure.counter_batches import BATCHES, counter_batches
from peakload.measure.stats import request_summary
from peakload.measure.think_control import ThinkControl, Thinks, UserCounts, user_counts
from peakload.measure.validation import OutsideTimes, batch_means, batch_summaries

BATCH_WALL_S = 6.0
"""The shortest batch: one scenario-clock minute of a plateau (a row of its series)."""
MAX_BATCHES = 30
"""A long window is cut into up to this many batches (a smaller t quantile than 10 gives)."""

TierBatches = dict[str, dict[str, list[float]]]


@dataclass(frozen=True)
class Segment:
    """One load test of the level and the plan it ran."""

    run: LoadTestRun
    plan: Plan

    @cached_property
    def raw(self) -> RawRun:
        """The load test's raw records, read once for all of the level's figures."""
        return read_raw(self.run.run_dir)

    @cached_property
    def end(self) -> np.ndarray:
        """Each record's end on the plan's scenario clock (the window's clock)."""
        return np.asarray(self.raw.timebase(self.plan).clock(self.raw.records["end"]), dtype=float)

    @cached_property
    def inside(self) -> np.ndarray:
        """Which records ended in the window."""
        w0, w1 = self.window
        return (self.end >= w0) & (self.end < w1)

    @property
    def summary(self) -> dict[str, Any]:
        return self.run.summary.to_dict()

    @property
    def window(self) -> tuple[float, float]:
        w0, w1 = self.summary["window_s"]
        return float(w0), float(w1)

    @property
    def wall_s(self) -> float:
        w0, w1 = self.window
        return (w1 - w0) / self.plan.compress


@dataclass(frozen=True)
class Measured:
    """A level's measurement: a summary shaped as a load test's (``overall``,
    ``transactions``, ``tiers``), its batches, the server's outside time, the
    thinks' deviation where the generator recorded it, and per tier the drawn
    demand's deviation where the server counted it."""

    summary: dict[str, Any]
    batches: list[dict[str, Any]]
    tiers: TierBatches
    outside: OutsideTimes | None
    think: ThinkControl | None = None
    busy: dict[str, BusyControl] = field(default_factory=dict)
    drawn_share: float = 0.0
    """The share of the window's requests whose answer said the demand it drew (and
    whose means therefore have the draws' luck out): 0 against a real service."""


def level_batches(wall_s: float) -> int:
    """Batches of a measured window: :data:`BATCHES`, more for a long window (batches
    of at least :data:`BATCH_WALL_S`, at most :data:`MAX_BATCHES`); a window shorter
    than :data:`BATCHES` of those (``--min-window`` under 60 s) keeps :data:`BATCHES`,
    each shorter than a scenario minute."""
    return int(max(BATCHES, min(MAX_BATCHES, wall_s // BATCH_WALL_S)))


def measure(segments: list[Segment]) -> Measured:
    """The level's figures from its load tests (one, or a pilot and a sized plateau)."""
    batches: list[dict[str, Any]] = []
    tiers: TierBatches = {}
    counts = []
    thinks: list[UserCounts | None] = []
    busy: dict[str, list[BusyWindow]] = {}
    for segment in segments:
        mine, its_tiers, its_busy = measured_batches(segment)
        batches += mine
        thinks.append(users_of(segment))
        for name, window in its_busy.items():
            busy.setdefault(name, []).append(window)
        for name, leaves in its_tiers.items():
            for leaf, values in leaves.items():
                tiers.setdefault(name, {}).setdefault(leaf, []).extend(values)
        counts.append(_outside_counts(segment))
    pooled = pooled_summary(segments)
    summary = with_means_of(segments[0].summary, pooled) if len(segments) == 1 else pooled
    known = [t for t in thinks if t is not None]
    think = ThinkControl(known) if known and len(known) == len(thinks) else None
    drawn = {n: BusyControl(w) for n, w in busy.items() if len(w) == len(segments)}
    outside = outside_file.from_counts(counts)
    return Measured(summary, batches, tiers, outside, think, drawn, drawn_share(segments))


def drawn_share(segments: list[Segment]) -> float:
    """The share of the windows' requests that carry their drawn demand's deviation."""
    known = total = 0
    for segment in segments:
        known += int(np.isfinite(segment.raw.records["demand_deviation"][segment.inside]).sum())
        total += int(segment.inside.sum())
    return known / total if total else 0.0


def users_of(segment: Segment) -> UserCounts | None:
    """The segment's requests and thinks' deviation per user over its window; None
    where the records do not say them (not a closed load test of ours, an older run)."""
    raw = segment.raw
    clock = raw.timebase(segment.plan).clock
    logged = raw.thinks
    if not len(logged.get("think_start", ())):
        return None
    thinks = Thinks(
        np.asarray(clock(logged["think_start"]), dtype=float),
        logged["think_user"],
        logged["think_deviation"],
    )
    return user_counts(segment.end, raw.records["user"], thinks, segment.window, segment.wall_s)


def with_means_of(summary: dict[str, Any], other: dict[str, Any]) -> dict[str, Any]:
    """``summary`` with the overall and per-transaction means of ``other``: a load
    test's own summary (its means the clients' raw ones) with the means validate
    judges, controlled for the demand the requests drew (:func:`pooled_summary`)."""
    transactions = {
        name: {
            **figures,
            "mean_s": other["transactions"].get(name, {}).get("mean_s", figures.get("mean_s")),
        }
        for name, figures in summary["transactions"].items()
    }
    overall = {**summary["overall"], "mean_s": other["overall"]["mean_s"]}
    return {**summary, "overall": overall, "transactions": transactions}


def pooled_summary(segments: list[Segment]) -> dict[str, Any]:
    """One summary of several windows of the same load, laid end to end, its means
    controlled for the demand the requests drew where the server said
    (:func:`peakload.measure.stats.controlled`)."""
    names = [t.name for t in segments[0].plan.scenario.transactions]
    parts: dict[str, list[np.ndarray]] = {
        k: [] for k in ("end", "response", "outcome", "txn", "deviation")
    }
    offset = wall = 0.0
    busy: dict[str, list[float]] = {}  # tier -> [utilization x wall, wall, response x done, done]
    for segment in segments:
        records, inside = segment.raw.records, segment.inside
        w0, w1 = segment.window
        parts["end"].append(segment.end[inside] - w0 + offset)
        parts["response"].append(records["response"][inside])
        parts["outcome"].append(records["outcome"][inside])
        parts["txn"].append(records["transaction"][inside].astype(int))
        parts["deviation"].append(records["demand_deviation"][inside])
        offset += w1 - w0
        wall += segment.wall_s
        for name, tier in segment.summary.get("tiers", {}).items():
            sums = busy.setdefault(name, [0.0, 0.0, 0.0, 0.0])
            done = (tier.get("throughput_rps") or 0.0) * segment.wall_s
            if tier.get("utilization") is not None:
                sums[0] += tier["utilization"] * segment.wall_s
                sums[1] += segment.wall_s
            if tier.get("mean_response_s") is not None and done:
                sums[2] += tier["mean_response_s"] * done
                sums[3] += done
    overall, transactions = request_summary(
        np.concatenate(parts["end"]),
        np.concatenate(parts["response"]),
        np.concatenate(parts["outcome"]),
        np.concatenate(parts["txn"]),
        names,
        (0.0, offset),
        wall,
        np.concatenate(parts["deviation"]),
    )
    tiers = {
        name: {
            "utilization": sums[0] / sums[1] if sums[1] else None,
            "mean_response_s": sums[2] / sums[3] if sums[3] else None,
        }
        for name, sums in busy.items()
    }
    return {"overall": overall, "transactions": transactions, "tiers": tiers}


def measured_batches(
    segment: Segment,
) -> tuple[list[dict[str, Any]], TierBatches, dict[str, BusyWindow]]:
    """The window's batches: request summaries from the raw per-request records, tier
    utilization from the per-minute series, and tier mean response from the
    server's counters (``tiers.csv``), where the run kept them; and each tier's
    busy time and drawn deviation, where the server counted its draws
    (:mod:`peakload.measure.busy_control`)."""
    measured, plan = segment.run, segment.plan
    summary = segment.summary
    w0, w1 = segment.window
    raw = segment.raw
    records = raw.records
    timebase = raw.timebase(plan)
    end = segment.end
    names = [t.name for t in plan.scenario.transactions]
    count = level_batches(segment.wall_s)
    batches = batch_summaries(
        end,
        records["response"],
        records["outcome"],
        records["transaction"].astype(int),
        names,
        (w0, w1),
        segment.wall_s,
        count,
        records["demand_deviation"],
    )
    series = measured.result.timeseries
    inside = (series["time_s"] >= w0) & (series["time_s"] < w1)
    tiers: TierBatches = {
        name: {"utilization": batch_means(series[f"util_{name}"][inside], count)}
        for name in summary.get("tiers", {})
        if f"util_{name}" in series
    }
    counters_file = measured.run_dir / tier_file.FILENAME
    busy: dict[str, BusyWindow] = {}
    if counters_file.is_file():
        requests = [int(b["overall"]["requests"]) for b in batches]
        for name, figures_of_tier in tiers.items():
            counters = tier_file.read_counters(counters_file, name)
            if len(counters["wall"]):
                clock = np.asarray(timebase.clock(counters["wall"]), dtype=float)
                response = counter_batches(clock, counters, [(w0, w1)], plan.compress)
                figures_of_tier["mean_response_s"] = response["mean_response_s"]
                window = busy_window(clock, counters, (w0, w1), requests)
                if window is not None:
                    busy[name] = window
    return batches, tiers, busy


def _outside_counts(segment: Segment) -> dict[str, tuple[float, float]]:
    """The server's outside-time counts over the segment's window (``outside.csv``)."""
    path = segment.run.run_dir / outside_file.FILENAME
    if not path.is_file():
        return {}
    timebase = segment.raw.timebase(segment.plan)
    return outside_file.window_counts(path, timebase.clock, segment.window)
