"""The SLO verdict of a run, as ``summary.json``'s ``slo`` section holds it.

A :class:`Verdict` is ``pass`` and the :class:`Violation` of each limit a run
broke (or met only by its estimate: ``at_risk``), each scoped (:class:`Scope`:
overall, a tier, the run itself, the generator...) and naming what it measured
(:class:`Metric`). :func:`peakload.measure.judge.judge` is the one place that
makes them, for a simulated and a measured run alike; sizing.json and the
reports read them back from here.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator


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
