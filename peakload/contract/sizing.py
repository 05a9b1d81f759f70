"""The typed output of ``peakload size``: what ``sizing.json`` holds.

The answer first: the tiers now and recommended (:class:`TierNow`,
:class:`TierRecommended`) with their cost; then what backs it: the SLO judged at
the 95 % bound on the recommendation's own replications (:class:`SloRecord`, its
figures as :class:`Margin`), the N-1 check per tier (:class:`N1Record`), the
capacity curve (:class:`CapacityCurve`), the sweeps of instances around the
answer (:class:`SweepPoint`), the search's own record (:class:`SearchRecord`) and
every candidate it weighed (:class:`CandidateRecord`). The document is
:class:`SizingDocument`, whose ``slo.pass`` is the verdict a planner reads.

A figure that could not be estimated (a half-width of one replication, a point
the analytic screen ruled out) is ``null`` in the file and None here; the writer
turns NaN into ``null`` (:meth:`SizingDocument.to_dict`).
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from peakload.contract.summary import Violation


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


Figure = float | None
"""A number: NaN (or no figure at all) is ``null`` in the file and None when read."""


class TierNow(_Model):
    """A tier as the scenario has it."""

    instances: int
    workers: int
    cores: int | None = None
    """Cores per instance, for a tier whose workers share them; None otherwise."""
    cost: float
    """Per instance, in the scenario's own unit."""

    @property
    def size(self) -> str:
        """``2 x 16``, or ``2 x 16 on 4 cores`` for a tier sharing cores."""
        text = f"{self.instances} x {self.workers}"
        return text + (f" on {self.cores} cores" if self.cores is not None else "")


class TierRecommended(TierNow):
    """A tier as the answer sizes it; ``servers`` = instances x workers, the requests
    it serves at once."""

    servers: int


class Cost(_Model):
    """The sum of instances x cost over the tiers."""

    recommended: float
    current: float


class Margin(_Model):
    """An overall figure beside its limit: the estimate, its 95 % half-width and the
    bound (estimate + half-width) the verdict was taken at; ``limit`` None where the
    ``[slo]`` sets none."""

    estimate: float
    ci95: Figure
    bound: Figure
    limit: Figure


class TierMargin(_Model):
    """A tier's utilization beside ``max_utilization``, as :class:`Margin`."""

    utilization: float
    ci95: Figure
    bound: Figure
    limit: Figure


class SloRecord(_Model):
    """The verdict on the recommendation and the figures it was made of."""

    passed: bool = Field(alias="pass")
    violations: list[Violation]
    confirmed: dict[str, Margin]
    """By metric (``p95_s``, ``error_rate``...)."""
    tiers: dict[str, TierMargin]


class N1Record(_Model):
    """The recommendation with one instance of a tier lost at the peak."""

    passed: bool = Field(alias="pass")
    lost: str
    """What was lost and when, for a person: ``1 instance (4 workers) from 09:45 for 30 min``."""
    p95_s: Figure
    p95_s_ci95: Figure
    error_rate: Figure
    violations: list[str]


class Point(_Model):
    """A configuration the curve or a sweep settled: its p95 (None where it was not
    simulated), the verdict and how many replications it took before it stopped."""

    p95_s: Figure
    p95_s_ci95: Figure
    passed: bool = Field(alias="pass")
    replications: int
    stopped: str
    """A :class:`simulation.sizing_sequential.Stop` value."""


class CurvePoint(Point):
    """The recommendation at a peak of ``peak`` users."""

    peak: float


class SweepPoint(Point):
    """The recommendation with one tier at ``instances``, the others held."""

    instances: int


class CapacityCurve(_Model):
    """How far the recommendation holds as the peak grows."""

    bottleneck_at: dict[str, Figure]
    """Per tier, the peak at which it reaches ``max_utilization`` (analytic); None for a
    tier no peak saturates."""
    first_bottleneck: str
    max_peak_within_slo: Figure
    """The largest simulated peak that passed; None if none did."""
    points: list[CurvePoint]


class SearchRecord(_Model):
    """How the search ran: its settings and what it cost."""

    replications: int
    scale: float
    n1: bool
    search_workers: bool
    warmup_s: Figure
    """The warm-up before the window on a short day; None when candidates ran the whole day."""
    executor: str
    evaluated: int
    replications_run: int
    short_day: bool
    wall_s: float


class CandidateRecord(_Model):
    """One candidate the search weighed: its sizes, the growth and loss it ran under,
    its replications and why it stopped."""

    instances: dict[str, int]
    workers: dict[str, int]
    n1_lost: str | None
    growth: float
    replications: int
    stopped: str
    why: str
    passed: bool = Field(alias="pass")
    p95_s: Figure
    p95_s_ci95: Figure


class SizingDocument(_Model):
    """``sizing.json``."""

    scenario: str
    peak_concurrency: float
    window: tuple[str, str]
    """The judged window, ``HH:MM`` clock texts."""
    current: dict[str, TierNow]
    recommended: dict[str, TierRecommended]
    """Queue tiers only: a delay tier is never sized."""
    delays: list[str] = []
    """The delay tiers (infinite servers): never sized, costing nothing."""
    cost: Cost
    slo: SloRecord
    n1: dict[str, N1Record]
    """Empty when N-1 was not checked."""
    capacity_curve: CapacityCurve
    sweeps: dict[str, list[SweepPoint]]
    search: SearchRecord
    candidates: list[CandidateRecord] = []
    notes: list[str]

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready dict: ``pass`` by its contract name, enums as their values,
        NaN as None (``null``)."""
        data: dict[str, Any] = json.loads(self.model_dump_json(by_alias=True))  # NaN: null
        return data
