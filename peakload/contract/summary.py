"""The typed output contract: what ``summary.json`` holds, for every engine.

A simulation predicts and a load test measures, but both write the same
summary, so ``compare`` (and later ``validate`` and ``calibrate``) can put a
prediction beside a measurement number by number. This module is that shape,
as pydantic models: both engines build a :class:`Summary`, and every reader
(the SLO judge, ``compare``, the terminal table, the sizing search) reads it
through these models rather than through string keys.

The shape, in brief::

    Summary
      kind, scenario, window, contract_version
      overall: Overall                  requests, rates, latency percentiles,
                                        error rate, concurrency at its peak
      transactions: {name: TransactionStats}
      tiers: {name: TierStats}          utilization, waits, queues, refusals
      slo: Verdict                      pass, violations, at_risk
      ... engine sections               analytic, warmup, generator, plan,
                                        reconciliation, benchmarks (optional)

**Estimates and their confidence.** A figure estimated from N >= 2 seeded
replications is the mean over them and carries a sibling ``<name>_ci95``: the
95 % confidence half-width (Student t). The siblings are not declared fields:
the statistics models accept them as extras, and :meth:`Stats.ci95` reads one
(0 when the figure has none, as a single run's figures have none; NaN when its
replications could not give one).

**The verdict.** The ``slo`` section's models (:class:`Verdict`, :class:`Violation`,
their :class:`Scope` and :class:`Metric`) are in :mod:`peakload.contract.verdict`
and importable from here too.

**Percentiles** are within ``quantile_error`` (relative) of the exact ones:
both engines read them from a sketch of the response times, not from every
response kept (see :attr:`Summary.quantile_error`).

**Missing figures.** A percentile of no request is NaN in memory and ``null``
in JSON; :data:`Figure` reads ``null`` back as NaN, so a written summary loads
into the same model it was written from. The figure groups (:class:`Stats` and
its kinds) are in :mod:`peakload.contract.summary_stats`, importable from here too.

**Versions.** ``contract_version`` says which shape a file has.
:data:`CONTRACT_VERSION` is what this code writes; a file without the field
was written before it existed and is version 1 (the same keys, violations
scoped as ``"tier app"``), which still loads. A file from a newer version
than this code knows is refused with one line.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    ValidationError,
    field_validator,
)

from peakload.contract.summary_stats import Count as Count
from peakload.contract.summary_stats import Figure as Figure
from peakload.contract.summary_stats import LatencyStats as LatencyStats
from peakload.contract.summary_stats import Overall as Overall
from peakload.contract.summary_stats import Stats as Stats
from peakload.contract.summary_stats import TierStats as TierStats
from peakload.contract.summary_stats import TransactionStats as TransactionStats
from peakload.contract.verdict import OVERALL_LIMITS as OVERALL_LIMITS
from peakload.contract.verdict import Metric as Metric
from peakload.contract.verdict import Scope as Scope
from peakload.contract.verdict import Verdict as Verdict
from peakload.contract.verdict import Violation as Violation

CONTRACT_VERSION = 2
"""The ``contract_version`` this code writes. 1: the shape before the field existed."""


class RunKind(StrEnum):
    """What made a summary."""

    SIMULATION = "simulation"  # the SimPy model's prediction
    LOADTEST = "loadtest"  # a Locust measurement
    BENCHMARK = "benchmark"  # peakload's own speed (the CI gate's ``suite``)


class Warmup(BaseModel):
    """What MSER-5 dropped from the start of a steady-state simulation (means over
    replications, with ``_ci95`` siblings, when there were several)."""

    model_config = ConfigDict(extra="allow")

    method: str
    truncated_at: str
    dropped_s: Figure
    dropped_requests: Count


class Generator(BaseModel):
    """A load test's honest-measurement section: how hard the generator worked.

    ``saturated`` (with its ``reasons``) means the generator, not the system,
    may have limited the rate: such a run does not pass.
    """

    model_config = ConfigDict(extra="allow")

    processes: int
    cpu_mean_pct: Figure
    cpu_max_pct: Figure
    max_process_cpu_pct: Figure
    server_cpu_mean_pct: Figure
    intended_rps: Figure
    achieved_rps: Figure
    achieved_vs_intended: Figure
    saturated: bool
    reasons: list[str] = []


class Summary(BaseModel):
    """``summary.json``: one run's window, the same shape for every engine.

    The DESIGN keys are typed fields; engine sections are optional fields a
    reader may rely on when present, and anything else an engine adds (a
    replication's ``wall_s_ci95``, ``served_scenario``) is kept as an extra.
    """

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    kind: RunKind
    scenario: str
    contract_version: int = 1
    window: list[str] | None = None
    """The measured window as two clocks, ``HH:MM`` (``HH:MM:SS`` off a whole minute)."""
    window_s: list[float] | None = None
    """The same window in scenario-clock seconds since midnight."""
    quantile_error: float | None = None
    """The relative error bound of every percentile in this summary (``p50_s``,
    ``p95_s``, ``p99_s``): they are read from a log-bucket sketch
    (:mod:`peakload.measure.sketch`), each within this fraction of the exact
    percentile of the same response times. Absent from summaries written before
    the sketch, whose percentiles were exact."""
    overall: Overall | None = None
    transactions: dict[str, TransactionStats] = {}
    tiers: dict[str, TierStats] = {}
    slo: Verdict | None = None
    # Simulation sections
    analytic: dict[str, Any] | None = None
    """The queueing-theory figures beside the simulated ones, per tier."""
    warmup: Warmup | None = None
    simulated_requests: Count | None = None
    seed: int | None = None
    replications: int | None = None
    wall_s: Figure | None = None
    drills: dict[str, Any] | None = None
    """Each ``[[failures]]`` drill (both engines): the failing tier's mean wait and
    response ``inside`` the drill and ``outside`` it in the window."""
    # Load-test sections
    generator: Generator | None = None
    plan: dict[str, Any] | None = None
    host: str | None = None
    served_scenario: str | None = None
    """The scenario the mock the load test started emulated, when not the run's own
    (``--serve-scenario``: a truth the model is validated against)."""
    reconciliation: dict[str, Any] | None = None
    """Writes the client made against the records the server holds: ``lost`` and
    ``duplicated`` counts, or ``skipped`` with the reason."""
    latency: dict[str, Any] | None = None
    """Percentiles from the send time and from the scheduled time, and which one the
    SLO was judged on (``judged_on``: ``scheduled`` for an open workload)."""
    arrivals: dict[str, Any] | None = None
    """An open workload's flow starts in the window: ``scheduled``, ``started``,
    ``dropped`` (no free user at the pool's cap), ``never_begun``, ``late`` and the
    start lag, the pool's cap and peaks."""
    outages: list[dict[str, Any]] | None = None
    """Each kill of the mock (``--kill-server-at``): ``from``, ``to``, ``down_s``,
    ``requests_in_flight``, ``writes_in_flight``, ``requests_failed``."""
    isolation: dict[str, int] | None = None
    """The cross-unit read probe: ``probes`` tried, ``leaks`` answered."""
    # The CI gate's speed suite
    benchmarks: dict[str, dict[str, float]] | None = None

    @field_validator("overall", mode="before")
    @classmethod
    def _empty_overall(cls, value: Any) -> Any:
        """A benchmark summary has an empty ``overall``: no requests were judged."""
        return None if value == {} else value

    @field_validator("contract_version")
    @classmethod
    def _known_version(cls, value: int) -> int:
        if not 1 <= value <= CONTRACT_VERSION:
            raise ValueError(
                f"contract_version {value} is newer than this peakload reads "
                f"(1 to {CONTRACT_VERSION}): upgrade peakload"
            )
        return value

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready dict (``pass`` by its contract name), NaN still NaN: the
        run directory writer turns NaN into ``null``. Fields never set stay out."""
        return self.model_dump(by_alias=True, exclude_unset=True)


class SummaryError(ValueError):
    """A file that is not a readable summary: one line naming the file and why."""


def read_summary(path: str | Path) -> Summary:
    """The summary in ``path`` (a ``summary.json`` or the run directory holding one),
    of any contract version this code reads."""
    path = Path(path)
    if path.is_dir():
        path = path / "summary.json"
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise SummaryError(f"{path}: no such file") from None
    except (OSError, ValueError) as exc:
        raise SummaryError(f"{path}: not a summary: {exc}") from None
    if not isinstance(data, dict):
        raise SummaryError(f"{path}: not a summary: not a JSON object")
    try:
        return Summary.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "summary"
        if first["type"] == "missing":
            raise SummaryError(f"{path}: not a summary: no '{where}'") from None
        raise SummaryError(f"{path}: not a summary: {where}: {first['msg']}") from None
