"""What :func:`peakload.measure.access_log.derive.derive` finds in the logs: the
parameters of a closed workload (:class:`DerivedWorkload`), each transaction as the
log saw it, how requests were named and what was left out as no user's."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np

from peakload.measure.access_log.clients import DropReason
from peakload.measure.access_log.fitting import ThinkTimeFit
from peakload.measure.access_log.flows import DerivedFlow
from peakload.measure.access_log.lines import LineCounts
from peakload.measure.access_log.simplify import Simplified
from peakload.measure.access_log.source import LogSource


class RouteNaming(StrEnum):
    """How requests were named: a ``--routes`` map, the mock's table, or path templates."""

    MAP = "map"
    MOCK = "mock"
    TEMPLATES = "templates"


@dataclass(frozen=True)
class NotUsers:
    """What was left out as no user's request: lines folded and dropped, by reason."""

    folded_assets: int = 0
    dropped: dict[DropReason, int] = field(default_factory=dict)
    periodic_clients: int = 0

    @property
    def dropped_total(self) -> int:
        return sum(self.dropped.values())

    def describe(self) -> str:
        """One phrase: ``12 asset lines folded; dropped 40 probe, 3 crawler, ...``."""
        reasons = ", ".join(f"{self.dropped.get(r, 0):,} {r.value}" for r in DropReason)
        return (
            f"{self.folded_assets:,} asset lines folded into their page views; lines dropped: "
            f"{reasons} ({self.periodic_clients:,} periodic clients)"
        )


@dataclass(frozen=True)
class TransactionStats:
    """One transaction as the log saw it: count, share, server errors, response times (s)."""

    count: int
    share: float
    errors: int
    mean_s: float
    p50_s: float
    p95_s: float
    p99_s: float


@dataclass(frozen=True)
class DerivedWorkload:
    """Everything :func:`derive` found, in scenario clock seconds (the log's local time)."""

    sources: list[str]
    lines: LineCounts
    unknown: dict[str, int]
    requests: int
    users: int
    sessions: int
    session_gap_s: float
    minute_clock_s: np.ndarray  # start of each minute
    open_sessions: np.ndarray  # users with an open session in that minute
    profile: Simplified
    think_time: ThinkTimeFit
    flows: list[DerivedFlow]
    transactions: dict[str, TransactionStats]
    start_s: float
    end_s: float
    window_s: tuple[float, float]
    source: LogSource | None = None  # formats, clock, day: what the header says of the logs
    naming: RouteNaming = RouteNaming.MOCK
    not_users: NotUsers = field(default_factory=NotUsers)
    templates: dict[str, dict[str, int]] = field(default_factory=dict)
    """Per transaction, the method and path templates it stands for, with their requests."""
    merged: list[str] = field(default_factory=list)
    """The templates merged into ``other`` (past ``max_transactions``), busiest first."""
