"""The time outside the tiers, per transaction: what the tiers do not explain.

A response carries more than the tiers' service and queueing: HTTP parsing,
the framework, JSON, the network (a few milliseconds per request on the
mock). The calibrated model carries it as a delay tier (an infinite server,
:class:`~peakload.core.scenario.TierKind`), so a prediction's response times
include it.

Per transaction, over the low-load windows:

    outside = (responses - its share of the tiers' busy time - its waits) / responses

summed over the windows: the transaction's successful responses that ended in
each window, less the busy time each of its tiers accrued there in the share
its completions' estimated demands claim of that tier's (all of it when it is
the tier's only visitor), less the wait of the M/M/c queue at the tier's
*measured* utilization and service time in the window (Erlang C,
:func:`simulation.analytic.erlang_c`). Only windows whose users are at most
:data:`LOW_USERS` of the run's most count (the ramp of each ``--plan`` phase
provides them; without enough responses, the least-loaded windows on): there
the wait is small, so an error in the queueing formula hardly moves the result.

Why the busy time and not the demands: a response's service time varies far
more than its outside time (an exponential demand's spread is its mean), so
the mean of a few hundred responses less the mean demand carries that spread
whole. The tiers' busy time in the same windows is the sum of those very
service times, so subtracting it takes the spread out (a control variate),
wholly where the transaction is its tier's only visitor in the window, as in
``--plan``'s phases that run one flow alone. On the 27 phases of a default
``calibrate --plan`` of ci-smoke against a seeded truth, the 95 % intervals went
from ±2.0 to ±21.2 ms to ±1.8 to ±14.6 ms (``get_statements`` ±18.1 to ±4.2,
``sign_payment`` ±10.3 to ±7.0), and no estimate is negative where two were
(−3.9 and −1.5 ms): a time cannot be.

The 95 % interval is a bootstrap over all windows that fits the demands again
on each draw, as calibrate's own interval does, so it holds the demands' part
and its correlations. On 12 fake runs that queue (``tests/peakload/app/calibrate/fake_runs.py``,
known outside times, 144 estimates) it covered the truth 93 % of the time, the
responses-minus-demands estimate with the demands' intervals added 90 %, with
root-mean-square errors of 2.5 and 2.7 ms. A prediction that draws the outside
time and the demands independently (:mod:`simulation.input_uncertainty`)
ignores their correlation, which is negative: it errs wide, never narrow.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from peakload.contract.calibration import DemandEstimate, OutsideEstimate
from peakload.core.scenario import Scenario
from peakload.measure.calibration import utilization_law
from peakload.measure.calibration.estimate import routes_of
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


def _responses(requests: list[Requests], name: str, windows: Windows) -> tuple[np.ndarray, ...]:
    """(windows,) the sum and the count of ``name``'s successful responses ending in each."""
    total, count = np.zeros(len(windows)), np.zeros(len(windows))
    for run, records in enumerate(requests):
        if name not in records.names:
            continue
        rows = np.flatnonzero(windows.run == run)
        mine = (records.transaction == records.names.index(name)) & (records.outcome == Outcome.OK)
        if not len(rows) or not mine.any():
            continue
        end, response = records.end[mine], records.response[mine]
        slot = np.searchsorted(windows.start[rows], end, side="right") - 1
        hit = (slot >= 0) & (end < windows.end[rows][np.clip(slot, 0, None)])
        np.add.at(total, rows[slot[hit]], response[hit])
        np.add.at(count, rows[slot[hit]], 1)
    return total, count


def utilization(windows: Windows, model: Scenario) -> np.ndarray:
    """(windows,) the busiest tier's utilization in each window."""
    assert windows.busy is not None
    width = (windows.end - windows.start)[:, None]
    servers = np.array([model.tier(t).servers for t in windows.tiers], dtype=float)
    return (windows.busy / (servers * width)).max(axis=1)


def _claimed(completions: np.ndarray, busy: np.ndarray, demand: np.ndarray) -> np.ndarray:
    """(windows, transactions) each transaction's share of its tiers' busy seconds in each
    window: ``completions`` (windows, transactions) times ``demand`` (transactions, tiers)
    is what each transaction's completions ask of each tier."""
    asked = completions @ demand
    mine = completions[:, :, None] * demand[None]
    share = np.divide(mine, asked[:, None, :], out=np.zeros_like(mine), where=asked[:, None, :] > 0)
    return (share * busy[:, None, :]).sum(axis=2)


@dataclass(frozen=True)
class _Responses:
    """Per window and transaction (windows, transactions): what the outside time is
    computed from, with ``low`` marking the windows each transaction's estimate uses."""

    seconds: np.ndarray
    """The successful responses' summed seconds."""
    count: np.ndarray
    waits_s: np.ndarray
    """The responses' summed modelled waits."""
    low: np.ndarray
    completions: np.ndarray
    busy: np.ndarray
    """(windows, tiers) busy seconds."""

    def outside(self, demand: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """(transactions,) mean seconds outside the tiers over the windows ``rows`` (with
        repeats), the busy time shared by ``demand``. Of the busy time a transaction's
        completions claim, its successful responses' part: a failed request also took
        service."""
        count, completions = self.count[rows], self.completions[rows]
        ok = np.divide(
            count, np.maximum(completions, count), out=np.zeros_like(count), where=count > 0
        )
        served = ok * _claimed(completions, self.busy[rows], demand)
        low = self.low[rows]
        left = ((self.seconds[rows] - served - self.waits_s[rows]) * low).sum(axis=0)
        return left / np.maximum((count * low).sum(axis=0), 1.0)


def _low_windows(count: np.ndarray, users: np.ndarray, windows: Windows) -> np.ndarray:
    """(windows, transactions) the low-load windows each transaction's estimate uses: those
    of few users, or, with too few responses there, the least-loaded on."""
    most = np.zeros(len(windows))
    for run in np.unique(windows.run):
        mine = windows.run == run
        most[mine] = users[mine].max()
    quiet = users <= LOW_USERS * most
    low = np.zeros(count.shape, dtype=bool)
    for i in range(count.shape[1]):
        active = count[:, i] > 0
        low[:, i] = active & quiet
        for bound in np.unique(users[active]):
            if count[low[:, i], i].sum() >= MIN_RESPONSES:
                break
            low[:, i] = active & (users <= bound)
    return low


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
    names = windows.transactions
    routes = np.array(
        [[tier in demands.get(name, {}) for tier in windows.tiers] for name in names]
    ).reshape(len(names), len(windows.tiers))
    waits = _waits(windows, model, routes)
    seconds, count = (np.column_stack(c) for c in zip(
        *(_responses(requests, name, windows) for name in names), strict=True
    ))  # fmt: skip
    waits_s = count * np.column_stack([waits[:, row].sum(axis=1) for row in routes])
    low = _low_windows(count, users, windows)
    data = _Responses(seconds, count, waits_s, low, windows.completions, windows.busy)
    demand = np.array(
        [
            [d.estimate if (d := demands.get(n, {}).get(t)) else 0.0 for t in windows.tiers]
            for n in names
        ]
    ).reshape(routes.shape)
    everything = np.arange(len(windows))
    mean = data.outside(demand, everything)
    # The bootstrap draws windows and fits the demands again on them, as calibrate's own
    # interval does, so the interval holds the demands' part with its correlations.
    fitted = routes_of(model, windows)
    replicates = np.empty((REPLICATES, len(names)))
    for r in range(REPLICATES):
        rows = rng.integers(0, len(windows), len(windows))
        refit = utilization_law.fit(windows.completions[rows], windows.busy[rows], fitted)
        replicates[r] = data.outside(refit.demands, rows)
    lows, highs = np.percentile(replicates, [2.5, 97.5], axis=0)
    busiest = utilization(windows, model)
    found: dict[str, OutsideEstimate] = {}
    for i, name in enumerate(names):
        responses = int(count[low[:, i], i].sum())
        if not routes[i].any() or responses < MIN_RESPONSES:
            continue
        found[name] = OutsideEstimate(
            estimate=float(mean[i]),
            ci95=(float(lows[i]), float(highs[i])),
            responses=responses,
            busiest_utilization=float(busiest[low[:, i]].max()),
        )
    return found
