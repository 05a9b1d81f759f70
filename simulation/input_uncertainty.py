"""How far a model's predictions move when its demands are known only to an interval.

A calibrated model's demands are estimates: ``calibrate`` gives each one a 95 %
interval (``calibration.json``). The simulation's replications measure the model's own
randomness, for demands taken as exact; their interval shrinks with the root of their
number. The demands' uncertainty does not: the true demand is one value, and more
replications of a wrong one predict the wrong figure ever more precisely. So a
prediction from a calibrated model carries two parts of uncertainty, and a comparison
with a measurement that ignores the second judges the calibration's sampling error as
the model's fault (Barton, "Input uncertainty in output analysis", WSC 2012).

This module propagates the second part through the analytic model of the same
network, the one the cross-check prints (:mod:`simulation.crosscheck`): draw every
demand from its interval (normal, ``se`` = half-width / 1.96, cut at zero), evaluate
the network at the draw, and take the central 95 % of each figure's draws, relative to
its value at the estimates. The simulation's figure times that relative half-width is
the parameter part of its interval (:func:`input_intervals`).

The network, at the operating point the simulation found:

- **closed** (users who think): exact or approximate MVA
  (:func:`simulation.mva.mva`) with the level's users and the think time that makes
  the cycle the simulation's (users / throughput); throughput answers the demands;
- **open** (arrivals): the simulated throughput held, each tier its M/M/c or, sharing
  cores, its birth-death chain at that rate, as the cross-check's open figures.

A transaction's response is its demand at each tier stretched by the tier's
residence per unit of demand (the arrival theorem: a request meets the same queue
whatever its class); its p95 moves with its mean (the same stretch).

How the demands are drawn. ``calibrate`` writes its bootstrap's joint draws
(:class:`~peakload.contract.calibration.JointDraws`): in each, every demand fitted
again on resampled windows and each transaction's time outside the tiers estimated on
the same windows with those demands. Where a report has them, each evaluation takes
one such row (:class:`JointOffsets`), so the parts of a response move as they did in
the data: the time outside is the responses less the busy time the demands claim, so
a demand drawn higher comes with an outside time drawn lower, and their sum, which the
low-load responses measure closely, moves little; a step's demand in the flow-prefix
design is a difference of two phases, so neighbouring steps' errors are negatively
correlated too. A CPU tier's background moves with them (:func:`_joint_background`):
it is the fit's intercept, so a draw that puts it high puts the demands low, and a
level busier than the tour's moves by the difference, not by the demands' swing
alone. Without joint draws (a report of an older calibrate, or none written)
every interval is drawn on its own, normal: that leaves the negative correlations
out, so it errs wide, never narrow. A demand kept at its prior has no interval and
adds nothing; ``calibrate`` names those.

One run's own speed. The intervals say how well the calibration's runs pin each
mean demand. The level validate measures is one run more, and a real server's busy
time moves by the run as a whole (``speed_sd``, where calibrate measured it: the
machine's speed from minute to minute). That offset is no parameter's error, and
more calibration does not remove it: it is what separates a confidence interval
for the mean from a prediction interval for the next run. It is a speed, not a
number of points: a fixed piece of work timed on this machine's core moved by up
to a third between 20-second stretches (``benchmarks/machine_speed.py``), and
every CPU second of the tier's moves with it. So each draw also gives each such
tier one normal speed factor ``s = 1 + z x speed_sd`` (at least
:data:`SLOWEST_SPEED`) (:func:`simulation.demand_draws.run_speeds`), which
multiplies its demands, its deferred work and its background alike: a level at
70 % busy moves by twice the points one at 35 % does.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from peakload.core.scenario import Scenario
from peakload.core.tier import MAX_BACKGROUND
from peakload.core.workload import OpenWorkload
from simulation.analytic import mgc_station, shared_pool_station
from simulation.crosscheck import mva_kind, mva_servers, tier_demands
from simulation.demand_draws import DemandInterval, JointOffsets
from simulation.mva import mva

DRAWS = 400
"""Draws of the demands: the 2.5 % and 97.5 % points rest on 10 draws each."""
MAX_MVA_USERS = 50_000
"""Closed networks of more users are evaluated open at the simulated throughput (MVA's
recursion is one step per user: 0.07 s at 13,000 users over four FIFO tiers, 0.5 s
with tiers sharing cores)."""
FULL_DRAWS_USERS = 2000
"""Up to this many users every evaluation takes :data:`DRAWS` draws; above it, fewer
in proportion (at least :data:`MIN_DRAWS`), so that a level costs about the same."""
MIN_DRAWS = 100
SLOWEST_SPEED = 0.2
"""A run's speed factor is drawn no lower than this (a normal draw has no floor)."""


@dataclass(frozen=True)
class OperatingPoint:
    """Where the simulation put the network: its throughput (requests per wall second),
    its mean response (s), and, closed, the scenario's users working (None: open
    arrivals). A load test's plan may run fewer virtual users with shorter cycles
    (``user_scale``, :mod:`peakload.core.plan`) at the same rate; ``users`` is the
    population they stand for, whose think time is the scenario's, so that a longer
    response lengthens the cycle as it does for the real users."""

    throughput_rps: float
    mean_s: float
    users: int | None


class _Network:
    """The scenario's network as arrays: demand[i, k] of transaction i at tier k."""

    def __init__(self, scenario: Scenario):
        shares = scenario.step_shares()
        self.transactions = [name for name, share in shares.items() if share > 0]
        self.shares = np.array([shares[name] for name in self.transactions])
        self.tiers = list(scenario.tiers)
        self.names = [tier.name for tier in self.tiers]
        self.demand = np.zeros((len(self.transactions), len(self.tiers)))
        for i, name in enumerate(self.transactions):
            for k, tier in enumerate(self.names):
                dist = scenario.transaction(name).demand.get(tier)
                self.demand[i, k] = dist.mean if dist is not None else 0.0
        self.visits = self.shares @ (self.demand > 0)
        self.open = isinstance(scenario.workload, OpenWorkload)
        self.servers = [mva_servers(t) for t in self.tiers]
        self.kinds = [mva_kind(t) for t in self.tiers]
        mix = tier_demands(scenario, dict(zip(self.transactions, self.shares, strict=True)))
        self.later = np.array([mix[n].deferred_per_request_s for n in self.names])
        """Each tier's deferred work per request of the mix (s): held at the model's,
        it slows the tier's servers as in :func:`simulation.crosscheck.closed_network`."""
        self.capacity = np.array([float(t.busy_capacity) for t in self.tiers])
        self.background = np.array([1.0 - t.request_speed for t in self.tiers])
        """Each tier's share of its cores busy with no request (0 but for CPU tiers)."""

    def taken(self, throughput: float, speed: np.ndarray, background: np.ndarray) -> np.ndarray:
        """Per tier, the share of its servers no request gets at ``throughput``: the
        ``background``'s and the deferred work's, each taking ``speed`` times its time."""
        with np.errstate(divide="ignore", invalid="ignore"):
            later = np.where(self.capacity > 0, throughput * self.later / self.capacity, 0.0)
        taken: np.ndarray = (background + later) * speed
        return taken

    def stretch(
        self,
        per_request: np.ndarray,
        point: OperatingPoint,
        think_s: float,
        speed: np.ndarray,
        background: np.ndarray,
    ) -> tuple[np.ndarray, float]:
        """Each tier's residence per second of demand (``per_request``: each tier's demand
        per request of the mix, at the run's ``speed``), and the throughput."""
        taken = self.taken(point.throughput_rps, speed, background)
        if point.users is not None and point.users <= MAX_MVA_USERS:
            # what the others leave the requests, as in simulation.crosscheck.closed_network
            slowed = per_request / _speed(taken)
            result = mva(list(slowed), point.users, think_s, self.servers, self.kinds)
            residence = np.array(result.station_response_s)
            throughput = result.throughput
        else:
            throughput = point.throughput_rps
            residence = np.array(
                [
                    self._open_residence(k, per_request[k], throughput, float(taken[k]))
                    for k in range(len(self.tiers))
                ]
            )
        with np.errstate(divide="ignore", invalid="ignore"):
            stretch = np.where(per_request > 0, residence / per_request, 1.0)
        return stretch, throughput

    def _open_residence(self, k: int, per_request: float, rate: float, taken: float) -> float:
        """Tier ``k``'s residence per request at ``rate``, ``taken`` of its servers going
        to no request (:meth:`taken`)."""
        tier, visits = self.tiers[k], self.visits[k]
        if tier.is_delay or per_request <= 0 or visits <= 0:
            return per_request
        mean = per_request / visits
        if tier.cores is not None:
            est = shared_pool_station(
                rate * visits, mean, tier.instances, tier.workers, tier.cores, None,
                min(taken, 0.95),
            )  # fmt: skip
            response = est.mean_response_s if est.stable else math.inf
        else:
            station = mgc_station(rate * visits, mean / _speed(taken), tier.servers, 1.0)
            response = station.mean_response_s if station.stable else math.inf
        return visits * response

    def figures(
        self,
        demand: np.ndarray,
        point: OperatingPoint,
        think_s: float,
        speed: np.ndarray | None = None,
        background: np.ndarray | None = None,
    ) -> dict:
        """The figures at ``demand``, in a run whose tiers take ``speed`` times the
        model's time for all their work (1 by default), with each tier's ``background``
        (the model's by default). A tier's utilization is its share busy: the
        requests', the deferred work's and the background's."""
        speed = np.ones(len(self.tiers)) if speed is None else speed
        background = self.background if background is None else background
        demand = demand * speed
        per_request = self.shares @ demand
        stretch, throughput = self.stretch(per_request, point, think_s, speed, background)
        response = demand @ stretch
        out = {"overall.throughput_rps": throughput, "overall.mean_s": per_request @ stretch}
        for i, name in enumerate(self.transactions):
            out[f"transactions.{name}.mean_s"] = response[i]
        for k, tier in enumerate(self.tiers):
            if not tier.is_delay:
                later = self.later[k] * speed[k]
                busy = throughput * (per_request[k] + later) / self.capacity[k]
                out[f"tiers.{tier.name}.utilization"] = busy + background[k] * speed[k]
            if self.visits[k] > 0:
                out[f"tiers.{tier.name}.mean_response_s"] = (
                    stretch[k] * per_request[k] / self.visits[k]
                )
        return out


def _speed(taken: np.ndarray | float) -> np.ndarray:
    """The share of its servers' speed a tier's requests get, ``taken`` going to others
    (:meth:`_Network.taken`), at least 0.05."""
    return np.clip(1.0 - np.asarray(taken), 0.05, 1.0)


@dataclass(frozen=True)
class InputInterval:
    """Where the central 95 % of a figure's draws lie, relative to the figure at the
    estimates: from ``1 - below`` to ``1 + above`` times it.

    The two sides differ where the figure bends. A mean response near 70 % busy grows
    as ``1 / (1 - U)``: a demand drawn 5 % high lengthens it by more than one drawn 5 %
    low shortens it, so a measurement above the prediction is to be judged by the
    upper side, and one below by the lower (validate's ``Estimate.toward``)."""

    below: float
    above: float
    half_width: float
    """The interval's half-width, relative: what one symmetric figure reports."""


def input_intervals(
    scenario: Scenario,
    intervals: Iterable[DemandInterval],
    point: OperatingPoint,
    rng: np.random.Generator,
    draws: int = DRAWS,
    joint: JointOffsets | None = None,
    run_speeds: dict[str, float] | None = None,
) -> dict[str, InputInterval]:
    """Each figure's central 95 % of draws from the demands' intervals, each side and
    the half-width relative to the figure at the estimates (multiply by the simulated
    value; :class:`InputInterval`): ``overall.throughput_rps`` (closed only),
    ``overall.mean_s``/``p95_s``, ``transactions.<name>.mean_s``/``p95_s``,
    ``tiers.<name>.utilization`` and ``.mean_response_s``. An interval that reaches
    saturation is infinite. ``run_speeds``: per tier, the sd of one run's speed, a
    share of all its work (see the module's doc). Empty when no demand of the
    scenario has an interval and no tier of it has a speed's sd."""
    network = _Network(scenario)
    rows = {name: i for i, name in enumerate(network.transactions)}
    columns = {name: k for k, name in enumerate(network.names)}
    known = [
        (rows[d.transaction], columns[d.tier], d.standard_error)
        for d in intervals
        if d.transaction in rows
        and d.tier in columns
        and network.demand[rows[d.transaction], columns[d.tier]] > 0
    ]
    speed_sd = np.array([(run_speeds or {}).get(name, 0.0) for name in network.names])
    if not known and not speed_sd.any():
        return {}
    users = point.users
    if users and users > FULL_DRAWS_USERS:
        draws = max(MIN_DRAWS, draws * FULL_DRAWS_USERS // users)
    cycle = users / point.throughput_rps if users and point.throughput_rps > 0 else 0.0
    think_s = max(0.0, cycle - point.mean_s)
    base = network.figures(network.demand, point, think_s)
    samples: dict[str, list[float]] = {metric: [] for metric in base}
    together = _joint_columns(joint, rows, columns, known)
    moved_background = _joint_background(joint, network, together)
    alone = [entry for entry in known if (entry[0], entry[1]) not in together]
    i = np.array([entry[0] for entry in alone], dtype=int)
    k = np.array([entry[1] for entry in alone], dtype=int)
    se = np.array([entry[2] for entry in alone], dtype=float)
    if together and joint is not None:
        draws = min(draws, len(joint.offsets))  # one row of the joint draws each
        ji = np.array([cell[0] for cell in together], dtype=int)
        jk = np.array([cell[1] for cell in together], dtype=int)
        moved = joint.offsets[:, list(together.values())]
    for r in range(draws):
        demand = network.demand.copy()
        if alone:
            demand[i, k] = np.maximum(demand[i, k] + se * rng.standard_normal(len(se)), 0.0)
        if together:
            demand[ji, jk] = np.maximum(demand[ji, jk] + moved[r], 0.0)
        speed = (
            np.maximum(1.0 + speed_sd * rng.standard_normal(len(speed_sd)), SLOWEST_SPEED)
            if speed_sd.any()
            else None
        )
        background = (
            None
            if moved_background is None
            else np.clip(network.background + moved_background[r], 0.0, MAX_BACKGROUND)
        )
        for metric, value in network.figures(demand, point, think_s, speed, background).items():
            samples[metric].append(value)
    out = {}
    for metric, values in samples.items():
        low, high = np.quantile(np.array(values), [0.025, 0.975], method="inverted_cdf")
        out[metric] = _relative(float(low), float(high), base[metric])
        if metric.endswith(".mean_s"):
            out[metric.removesuffix(".mean_s") + ".p95_s"] = out[metric]
    if network.open:
        out.pop("overall.throughput_rps")  # the arrivals set it, not the demands
    return out


def _relative(low: float, high: float, value: float) -> InputInterval:
    """The draws' central 95 % from ``low`` to ``high`` about ``value``, relative to it.

    Each side is at least a tenth of the half-width: the figure at the estimates can sit
    at an end of its draws, or past it (a demand cut at zero, a mean the convexity
    lifts), and a side of nothing would judge a measurement that way as exact."""
    if high == low:
        return InputInterval(0.0, 0.0, 0.0)  # no draw moves it (a tier only unmeasured demands use)
    if not (math.isfinite(high) and value):
        return InputInterval(math.inf, math.inf, math.inf)
    half = (high - low) / 2
    below = max(value - low, half / 10)
    above = max(high - value, half / 10)
    return InputInterval(below / abs(value), above / abs(value), half / abs(value))


def _joint_background(
    joint: JointOffsets | None, network: _Network, together: dict[tuple[int, int], int]
) -> np.ndarray | None:
    """(draws, tiers) how far each draw moves each CPU tier's background (a share of its
    cores, 0 where the draws hold none); None where they move none of the network's.
    Only a tier some of whose demands the same draws move (``together``): a background
    moved beside demands drawn on their own would add a swing nothing balances.

    A CPU's background is its fit's intercept: a draw that puts it high puts the
    demands low. Drawn apart, a level busier than the tour's moves with the demands
    and not back with the background, and its interval errs wide: the full procedure
    of 6 December, its background at 0 [0, 13.7] %, had the core's interval reach 25
    points below a 70 % prediction and 11 above."""
    if joint is None or not joint.background:
        return None
    out = np.zeros((len(joint.offsets), len(network.names)))
    drawn = {k for _, k in together}
    found = False
    for k, name in enumerate(network.names):
        offsets = joint.background.get(name)
        if offsets is not None and k in drawn and network.tiers[k].cores is not None:
            out[:, k] = offsets
            found = True
    return out if found else None


def _joint_columns(
    joint: JointOffsets | None,
    rows: dict[str, int],
    columns: dict[str, int],
    known: list[tuple[int, int, float]],
) -> dict[tuple[int, int], int]:
    """(row, column) of the network for each demand with an interval that the joint
    draws move, and the draws' column that moves it."""
    if joint is None:
        return {}
    wanted = {(i, k) for i, k, _ in known}
    out = {}
    for j, (transaction, tier) in enumerate(joint.pairs):
        cell = (rows.get(transaction, -1), columns.get(tier, -1))
        if cell in wanted:
            out[cell] = j
    return out
