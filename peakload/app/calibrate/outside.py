"""The time outside the tiers, per transaction: what the tiers do not explain.

A response carries more than the tiers' service and queueing: HTTP parsing,
the framework, JSON, the network (a few milliseconds per request on the
mock). The calibrated model carries it as a delay tier (an infinite server,
:class:`~peakload.core.scenario.TierKind`), so a prediction's response times
include it.

Per transaction, at low load:

    outside = measured response - sum over its tiers of (demand + wait)

where the demand is the calibration's estimate and the wait is the M/M/c
queue's at the tier's *measured* utilization in the window the response
ended in (Erlang C, :func:`simulation.analytic.erlang_c`, with the tier's mean
service time in that window). Only windows whose busiest tier is below
:data:`LOW_LOAD` count (the ramp of each ``--plan`` phase provides them;
without enough, the transaction's quietest quarter of windows): there the
wait is small, so an error in the queueing formula hardly moves the result.

The 95 % interval combines the bootstrap interval of the mean over responses
with the intervals of the subtracted demands, as independent errors.
"""

from __future__ import annotations

import numpy as np

from peakload.contract.calibration import DemandEstimate, OutsideEstimate
from peakload.core.scenario import Scenario
from peakload.measure.calibration.windows import Requests, Windows
from peakload.measure.stats import Outcome
from simulation.analytic import erlang_c

LOW_USERS = 0.3
"""A window is low-load when its users are at most this share of the run's most."""
MIN_RESPONSES = 20
REPLICATES = 200


def _waits(windows: Windows, model: Scenario, routes: np.ndarray) -> np.ndarray:
    """(windows, tiers) M/M/c wait at each tier's measured utilization and service."""
    assert windows.busy is not None
    width = (windows.end - windows.start)[:, None]
    servers = np.array([model.tier(t).servers for t in windows.tiers], dtype=float)
    rho = np.clip(windows.busy / (servers * width), 0.0, 0.95)
    visits = windows.completions @ routes.astype(float)
    service = np.divide(windows.busy, visits, out=np.zeros_like(windows.busy), where=visits > 0)
    waits = np.zeros_like(windows.busy)
    for w in range(len(windows)):
        for k, c in enumerate(servers):
            if rho[w, k] > 0:
                waits[w, k] = (
                    erlang_c(int(c), c * rho[w, k]) * service[w, k] / (c * (1 - rho[w, k]))
                )
    return waits


def _responses(requests: list[Requests], name: str, low: np.ndarray, windows: Windows) -> int:
    """Successful responses of ``name`` that ended in the ``low`` windows."""
    count = 0
    for run, records in enumerate(requests):
        if name not in records.names:
            continue
        rows = np.flatnonzero(low & (windows.run == run))
        mine = (records.transaction == records.names.index(name)) & (records.outcome == Outcome.OK)
        if len(rows):
            end = records.end[mine]
            slot = np.searchsorted(windows.start[rows], end, side="right") - 1
            count += int(
                np.count_nonzero((slot >= 0) & (end < windows.end[rows][np.clip(slot, 0, None)]))
            )
    return count


def utilization(windows: Windows, model: Scenario) -> np.ndarray:
    """(windows,) the busiest tier's utilization in each window."""
    assert windows.busy is not None
    width = (windows.end - windows.start)[:, None]
    servers = np.array([model.tier(t).servers for t in windows.tiers], dtype=float)
    return (windows.busy / (servers * width)).max(axis=1)


def outside_time(
    windows: Windows,
    model: Scenario,
    requests: list[Requests],
    demands: dict[str, dict[str, DemandEstimate]],
    users: np.ndarray,
    rng: np.random.Generator,
) -> dict[str, OutsideEstimate]:
    """Per transaction with responses in the windows (see the module's doc); ``users``
    is the generator's mean users in each window."""
    if windows.busy is None or not windows.tiers:
        return {}
    routes = np.array(
        [[tier in demands.get(name, {}) for tier in windows.tiers] for name in windows.transactions]
    ).reshape(len(windows.transactions), len(windows.tiers))
    waits = _waits(windows, model, routes)
    busiest = utilization(windows, model)
    most = np.zeros(len(windows))
    for run in np.unique(windows.run):
        mine = windows.run == run
        most[mine] = users[mine].max()
    quiet = users <= LOW_USERS * most
    found: dict[str, OutsideEstimate] = {}
    for i, name in enumerate(windows.transactions):
        row = demands.get(name, {})
        tiers = [k for k, tier in enumerate(windows.tiers) if tier in row]
        if not tiers:
            continue
        active = windows.completions[:, i] > 0
        if not active.any():
            continue
        low = active & quiet
        for bound in np.unique(users[active]):  # too few: the least-loaded windows on
            if _responses(requests, name, low, windows) >= MIN_RESPONSES:
                break
            low = active & (users <= bound)
        served_demand = sum(row[windows.tiers[k]].estimate for k in tiers)
        samples, load = [], []
        for run, records in enumerate(requests):
            if name not in records.names:
                continue
            mine = (records.transaction == records.names.index(name)) & (
                records.outcome == Outcome.OK
            )
            rows = np.flatnonzero(low & (windows.run == run))
            if not len(rows) or not mine.any():
                continue
            end, response = records.end[mine], records.response[mine]
            slot = np.searchsorted(windows.start[rows], end, side="right") - 1
            hit = (slot >= 0) & (end < windows.end[rows][np.clip(slot, 0, None)])
            where = rows[slot[hit]]
            wait = waits[where][:, tiers].sum(axis=1)
            samples.append(response[hit] - served_demand - wait)
            load.append(busiest[where])
        sample = np.concatenate(samples) if samples else np.array([])
        if len(sample) < MIN_RESPONSES:
            continue
        means = rng.choice(sample, size=(REPLICATES, len(sample))).mean(axis=1)
        mean = float(sample.mean())
        spread = (np.percentile(means, 97.5) - np.percentile(means, 2.5)) / 2
        demand_spread = [
            (row[windows.tiers[k]].ci95[1] - row[windows.tiers[k]].ci95[0]) / 2 for k in tiers
        ]
        half = float(np.sqrt(spread**2 + sum(s**2 for s in demand_spread)))
        found[name] = OutsideEstimate(
            estimate=mean,
            ci95=(mean - half, mean + half),
            responses=len(sample),
            busiest_utilization=float(np.concatenate(load).max()),
        )
    return found
