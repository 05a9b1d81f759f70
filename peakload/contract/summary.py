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
(0 when the figure has none, as a single run's figures have none).

**Missing figures.** A percentile of no request is NaN in memory and ``null``
in JSON; :data:`Figure` reads ``null`` back as NaN, so a written summary loads
into the same model it was written from.

**Versions.** ``contract_version`` says which shape a file has.
:data:`CONTRACT_VERSION` is what this code writes; a file without the field
was written before it existed and is version 1 (the same keys, violations
scoped as ``"tier app"``), which still loads. A file from a newer version
than this code knows is refused with one line.
"""

from __future__ import annotations

import json
import math
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

CONTRACT_VERSION = 2
"""The ``contract_version`` this code writes. 1: the shape before the field existed."""


def _null_is_nan(value: Any) -> Any:
    return math.nan if value is None else value


Figure = Annotated[float, BeforeValidator(_null_is_nan)]
"""A measured or estimated number; ``null`` in JSON (no data) reads as NaN."""

Count = int | float
"""A count of one run (an int), or its mean over replications (a float)."""


class RunKind(StrEnum):
    """What made a summary."""

    SIMULATION = "simulation"  # the SimPy model's prediction
    LOADTEST = "loadtest"  # a Locust measurement
    BENCHMARK = "benchmark"  # peakload's own speed (the CI gate's ``suite``)


class Stats(BaseModel):
    """A group of figures that may carry ``<name>_ci95`` siblings (kept as extras)."""

    model_config = ConfigDict(extra="allow")

    def ci95(self, name: str) -> float:
        """The 95 % half-width of figure ``name``.

        0 when the figure carries none: one run, whose figures are what it measured,
        or a configuration figure such as ``servers``. NaN when it was combined from
        replications but fewer than two of them had it (``null`` in the file): the
        width is unknown, not zero, and a verdict at the bound must say so
        (:func:`peakload.measure.judge.judge`)."""
        extra = self.model_extra or {}
        key = f"{name}_ci95"
        if key not in extra:
            return 0.0
        half = extra[key]
        return math.nan if half is None else float(half)

    def figure(self, name: str) -> float | None:
        """Figure ``name`` as a number, or ``None`` when absent or NaN (no data)."""
        value = getattr(self, name, None)
        if value is None:
            value = (self.model_extra or {}).get(name)
        if not isinstance(value, int | float) or isinstance(value, bool) or math.isnan(value):
            return None
        return float(value)


class LatencyStats(Stats):
    """Response times of a set of attempts, in seconds; NaN when there were none."""

    mean_s: Figure
    p50_s: Figure
    p95_s: Figure
    p99_s: Figure


class Overall(LatencyStats):
    """Every attempt that ended inside the window, whatever its transaction.

    Rates are per wall second (a compressed load test's second carries the
    request rate of the scenario moment it stands for). ``error_rate`` counts
    time-outs, refusals and errors over all attempts, as Locust counts them.
    Concurrency is in scenario users (requests in the system for an open
    workload), sampled over the window; ``peak_time`` is its ``HH:MM``.
    """

    requests: Count
    throughput_rps: Figure
    ok_rps: Figure
    error_rate: Figure
    timeouts: Count
    refusals: Count
    peak_concurrency: Figure
    peak_time: str
    mean_concurrency: Figure
    virtual_users_peak: Figure | None = None
    """Load tests: the largest number of Locust users actually running."""


class TransactionStats(LatencyStats):
    """One transaction's attempts in the window."""

    count: Count
    errors: Count
    error_rate: Figure


class TierStats(Stats):
    """One tier (c = instances x workers servers, one FIFO queue) over the window.

    ``utilization`` is busy server-seconds over c x the window's (wall) length.
    ``mean_wait_s`` is queueing before a server took the visit,
    ``mean_response_s`` waiting plus service. ``max_queue`` is the longest
    queue seen; ``refused_fraction`` the visits refused past ``queue_limit``.
    A simulation adds Little's law's two sides (``mean_in_tier`` sampled,
    ``littles_law_lw`` = throughput x mean response); a load test cannot.
    """

    servers: int
    utilization: Figure
    throughput_rps: Figure
    mean_wait_s: Figure
    mean_response_s: Figure
    max_queue: Count
    refusals: Count
    refused_fraction: Figure
    mean_in_tier: Figure | None = None
    littles_law_lw: Figure | None = None


class Scope(StrEnum):
    """What a violation is about."""

    OVERALL = "overall"  # every request in the window
    TIER = "tier"  # one tier, named in ``Violation.tier``
    RUN = "run"  # the run itself: it measured nothing
    GENERATOR = "generator"  # the load generator could not keep up
    RECONCILIATION = "reconciliation"  # the server's records against the client's
    ISOLATION = "isolation"  # one unit read another's record (the load test's probe)


class Metric(StrEnum):
    """What a violation measured. The first four are the ``[slo]`` latency and error
    limits on ``overall``; ``utilization`` is ``max_utilization`` per tier; the rest
    make a run untrustworthy whatever its latencies (``dropped_starts``: an open
    workload's flow starts dropped with its pool at the cap; ``leaks``: cross-unit
    reads answered)."""

    P95 = "p95_s"
    P99 = "p99_s"
    MEAN = "mean_s"
    ERROR_RATE = "error_rate"
    UTILIZATION = "utilization"
    REQUESTS = "requests"
    SATURATED = "saturated"
    LOST = "lost"
    DUPLICATED = "duplicated"
    DROPPED_STARTS = "dropped_starts"
    LEAKS = "leaks"


OVERALL_LIMITS: tuple[Metric, ...] = (Metric.P95, Metric.P99, Metric.MEAN, Metric.ERROR_RATE)
"""The ``[slo]`` limits held against ``overall``; each is a field of the same name on
the scenario's ``Slo``."""


class Violation(BaseModel):
    """One limit a run broke (or, under ``at_risk``, met only by its estimate).

    ``value`` is the figure judged: the estimate, or its confidence bound
    (estimate + half-width) when the verdict was taken at the bound; ``ci95``
    is that half-width. ``message`` says it in one line for a person.
    """

    scope: Scope
    metric: Metric
    value: int | float | bool
    limit: int | float | bool
    message: str
    tier: str | None = None
    ci95: float | None = 0.0
    """The half-width the verdict used: 0 for one run; NaN (``null`` in the file, None
    read back) where the replications could not give one."""

    @model_validator(mode="before")
    @classmethod
    def _version_1_scope(cls, data: Any) -> Any:
        """Version 1 wrote a tier's scope as ``"tier app"``: split it."""
        if isinstance(data, dict) and str(data.get("scope", "")).startswith("tier "):
            data = {**data, "scope": "tier", "tier": data["scope"][len("tier ") :]}
        return data


class Verdict(BaseModel):
    """The SLO verdict of a run: ``pass`` when nothing is violated.

    ``at_risk`` lists limits the estimate meets but its 95 % confidence bound
    does not: not a failure, but not a margin to plan on either.
    """

    model_config = ConfigDict(populate_by_name=True)

    passed: bool = Field(alias="pass")
    violations: list[Violation] = []
    at_risk: list[Violation] = []
    limits: list[str] | None = None
    """The ``[slo]`` limits held (``p95_s``, ``max_utilization``...). Empty when the
    scenario sets none: ``pass`` then says only that the run itself was sound (it
    measured requests, lost no write...), not that any latency or error rate was
    acceptable. ``None`` in a summary written before the limits were recorded."""

    @property
    def no_limits(self) -> bool:
        """True when the scenario set no limit, so nothing but the run was judged."""
        return self.limits == []

    def lines(self) -> list[str]:
        """Each violation's message, for a person."""
        return [v.message for v in self.violations]


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
