"""One reducer: raw observations in, the contract's summary and series out.

A simulation and a load test hand this module the same kind of
:class:`Observations` (attempts, a population series, per-tier records or
counters, a timebase) and get back the same :class:`~peakload.contract.summary.Summary`
and the same per-minute columns. The figures are therefore computed by one
piece of code whichever engine produced them, and differ only where the
observations do.

- :func:`window_figures`: ``overall``, ``transactions`` and ``tiers`` over a window;
- :func:`summarize`: those, with the top-level keys, as a :class:`Summary`;
- :func:`timeseries`: one row per scenario-clock minute of the run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from peakload.contract.summary import (
    CONTRACT_VERSION,
    Overall,
    RunKind,
    Summary,
    TierStats,
    TransactionStats,
)
from peakload.contract.timeseries import Column, Timeseries, queue_column, util_column
from peakload.core.clock import format_clock, format_instant
from peakload.measure.observations import (
    Population,
    RequestObservations,
    TierObservations,
    Timebase,
)
from peakload.measure.sketch import DEFAULT_ALPHA
from peakload.measure.stats import mean_by_bin, minute_edges


@dataclass(frozen=True)
class Observations:
    """Everything one run recorded, ready to be reduced.

    ``span`` is the stretch of scenario clock the run covered (the series
    spans it); tiers appear in the scenario's order.
    """

    requests: RequestObservations
    population: Population
    tiers: Mapping[str, TierObservations]
    span: tuple[float, float]
    timebase: Timebase = field(default_factory=Timebase)


@dataclass(frozen=True)
class WindowFigures:
    """The contract's three figure groups over one window."""

    overall: Overall
    transactions: dict[str, TransactionStats]
    tiers: dict[str, TierStats]


def _population_figures(population: Population, window: tuple[float, float]) -> dict[str, Any]:
    w0, w1 = window
    inside = (population.time >= w0) & (population.time < w1)
    sampled = population.value[inside]
    if not len(sampled):
        figures: dict[str, Any] = {
            "peak_concurrency": 0.0,
            "peak_time": format_clock(w0),
            "mean_concurrency": 0.0,
        }
        if population.virtual is not None:
            figures["virtual_users_peak"] = 0.0
        return figures
    peak_index = int(np.argmax(sampled))
    figures = {
        "peak_concurrency": float(sampled[peak_index]),
        "peak_time": format_clock(float(population.time[inside][peak_index])),
        "mean_concurrency": float(sampled.mean()),
    }
    if population.virtual is not None:
        figures["virtual_users_peak"] = float(population.virtual[inside].max())
    return figures


def window_figures(observations: Observations, window: tuple[float, float]) -> WindowFigures:
    """``overall``, ``transactions`` and ``tiers`` of the attempts and samples in
    ``window`` (scenario clock, end excluded). Rates are per wall second."""
    requests, timebase = observations.requests, observations.timebase
    overall, transactions = requests.summary(
        window, length_s=(window[1] - window[0]) / timebase.compress
    )
    overall |= _population_figures(observations.population, window)
    return WindowFigures(
        overall=Overall(**overall),
        transactions={name: TransactionStats(**t) for name, t in transactions.items()},
        tiers={name: t.stats(window, timebase) for name, t in observations.tiers.items()},
    )


def summarize(
    kind: RunKind,
    scenario: str,
    observations: Observations,
    window: tuple[float, float],
    **sections: Any,
) -> Summary:
    """The summary of ``window``: the figures, the top-level keys and any engine
    ``sections`` (``analytic``, ``generator``, ...), not yet judged (``slo`` unset)."""
    figures = window_figures(observations, window)
    return Summary(
        kind=kind,
        scenario=scenario,
        contract_version=CONTRACT_VERSION,
        window=[format_instant(window[0]), format_instant(window[1])],
        window_s=[window[0], window[1]],
        quantile_error=DEFAULT_ALPHA,
        overall=figures.overall,
        transactions=figures.transactions,
        tiers=figures.tiers,
        **sections,
    )


def timeseries(observations: Observations, minute_s: float = 60.0) -> Timeseries:
    """One row per scenario-clock minute of the run: the contract's columns, then
    ``util_<tier>`` and ``queue_<tier>`` for each tier."""
    requests, population, timebase = (
        observations.requests,
        observations.population,
        observations.timebase,
    )
    edges = minute_edges(*observations.span, minute_s)
    wall_widths = np.diff(edges) / timebase.compress
    columns: Timeseries = {Column.TIME_S.value: edges[:-1]}
    columns[Column.TARGET_CONCURRENCY.value] = mean_by_bin(
        population.time, population.target, edges
    )
    columns[Column.CONCURRENCY.value] = mean_by_bin(population.time, population.value, edges)
    columns |= requests.series(edges, wall_widths)
    for name, tier in observations.tiers.items():
        util, queue = tier.series(edges, wall_widths, timebase)
        columns[util_column(name)] = util
        columns[queue_column(name)] = queue
    return columns
