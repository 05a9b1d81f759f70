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
from ±2.0 to ±21.2 ms to ±1.8 to ±10.7 ms (``get_statements`` ±18.1 to ±4.5,
``record_foreign_loan`` ±21.2 to ±7.9, ``sign_payment`` ±10.3 to ±7.2), and no
estimate is negative where two were (−3.9 and −1.5 ms): a time cannot be.

**When the responses say what they drew.** The emulating mock tells each answer
how far the demand its request drew fell from that demand's mean (recorded as
``demand_deviation``, :mod:`peakload.measure.stats`). A transaction all of whose
low-load responses said so is estimated as

    outside = (responses less their draws' deviations - its demands - its waits) / responses

The draws' luck is then gone whatever else its tiers served, and what the
responses pin is the transaction's demands plus its outside time: a demand
estimated high comes with an outside time as much lower in every bootstrap draw,
and the joint draws carry the sum with the spread of waits and outside time
alone. On fake runs of ci-smoke (``tests/peakload/app/calibrate/test_outside.py``)
that sum's spread over the draws fell 3 to 40 times, but where a tier 69 % busy
made the modelled wait's own spread the larger part.

The 95 % interval is a bootstrap over all windows that fits the demands again
on each draw, as calibrate's own interval does, so it holds the demands' part
and its correlations. On 12 fake runs that queue
(``tests/peakload/app/calibrate/fake_runs.py``, known outside times, 144
estimates) it covered the truth 93 % of the time, the responses-minus-demands
estimate with the demands' intervals added 90 %, with root-mean-square errors
of 2.6 and 2.7 ms (on runs whose tiers are shared by a changing mix the busy
time has less to take out than in a tour's phases). The draws themselves, each
demand and outside time of one draw together, are the report's ``joint_draws``
(:func:`_joint`): a prediction draws its inputs from them
(:mod:`simulation.input_uncertainty`), keeping the negative correlation between a
transaction's demands and its outside time that independent draws would lose.

**How much the demands vary.** The same low-load responses say how much a
transaction's demand varies from one request to the next, which a model's prior
usually only guesses (an exponential, cv 1). Processor sharing's mean response
does not depend on it, but its percentiles do, and a FIFO tier's mean does too
(Pollaczek-Khinchine). Where the responses said what they drew, the variance is
the draws' own (less the delay tiers' priors', which the mock's draws include).
Otherwise it is the responses' own over the low-load windows, which also holds the
spread of the time outside and of the little waits there: an upper bound on the
demands'. The priors' relative shapes are kept: the coefficients of variation of
the tiers whose kind takes one (:data:`~peakload.app.calibrate.model.SHAPED`:
exponential, gamma, lognormal) are all multiplied by one factor ``s``, the one
that makes the demands' variances sum to the measured one,

    s^2 = (variance - the other tiers' variances) / sum over shaped tiers of (cv_k D_k)^2

(``D_k`` the estimated demand, or the prior's mean at a tier with no busy time),
with the interval from the same bootstrap (refitted demands, the runs' variation
drawn). The calibrated model keeps the priors where the interval holds 1, and
otherwise multiplies by ``s`` where the draws measured it, and by ``min(s, 1)``
where the responses did: an upper bound may lower a prior's spread, never raise it
(:func:`~peakload.app.calibrate.model.factor_written`). A transaction with a demand
that keeps its prior gets none. On the real-work service's tour of 5 December the
responses at low load had cv 0.19-0.35 (search 0.27, create 0.35, get_payment 0.29;
close_account 0.65) where the model's prior said 1: its p95s came out 45-128 % over
the measured ones at 70 % busy with cv 1.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from peakload.app.calibrate.model import SHAPED
from peakload.contract.calibration import (
    DemandEstimate,
    JointDraws,
    OutsideEstimate,
    SpreadEstimate,
    TierFit,
)
from peakload.core.scenario import Scenario
from peakload.core.tier import carried_background
from peakload.measure.calibration import utilization_law
from peakload.measure.calibration.estimate import (
    DeferredPiece,
    Design,
    background_of,
    design_of,
)
from peakload.measure.calibration.windows import LOW_USERS, Requests, Windows, run_most
from peakload.measure.stats import Outcome
from simulation.analytic import erlang_c

MIN_RESPONSES = 20
MIN_WINDOWS = 5
"""A transaction's estimate rests on at least this many windows: the bootstrap draws
windows, and of fewer it draws none often enough to matter (e^-k of the draws)."""


def _waits(
    windows: Windows, model: Scenario, routes: np.ndarray, pieces: list[DeferredPiece]
) -> np.ndarray:
    """(windows, tiers) M/M/c wait at each tier's measured utilization and mean service
    a visit. The visits are the requests' and the deferred work's due in the window
    (``pieces``, in the order of ``windows.later``'s columns): its busy seconds are in
    the tier's, and the requests wait behind them too."""
    assert windows.busy is not None
    width = (windows.end - windows.start)[:, None]
    servers = np.array([model.tier(t).servers for t in windows.tiers], dtype=float)
    rho = np.clip(windows.busy / (servers * width), 0.0, 0.95)
    visits = windows.completions @ routes.astype(float)
    if windows.later is not None:
        for j, piece in enumerate(pieces):
            if piece.tier in windows.tiers:
                visits[:, windows.tiers.index(piece.tier)] += windows.later[:, j]
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
    """(windows,) of ``name``'s requests ending in each window, each counted whole in
    the window it ended in: the successful responses' summed seconds, their count, the
    count of all that were served (any but those refused at a full tier), the
    successful responses' seconds less the demand they drew beyond its mean, how
    many of them said what they drew, and the sums of the squares of the successful
    responses and of the deviations they said they drew (for :meth:`_Responses.variance`)."""
    sums = [np.zeros(len(windows)) for _ in range(7)]
    seconds, count, served, controlled, told, squares, deviation_squares = sums
    for run, records in enumerate(requests):
        if name not in records.names:
            continue
        rows = np.flatnonzero(windows.run == run)
        mine = (records.transaction == records.names.index(name)) & records.served()
        if not len(rows) or not mine.any():
            continue
        end = records.end[mine]
        ok = records.outcome[mine] == Outcome.OK
        slot = np.searchsorted(windows.start[rows], end, side="right") - 1
        hit = (slot >= 0) & (end < windows.end[rows][np.clip(slot, 0, None)])
        where = rows[slot[hit]]
        response = records.response[mine][hit & ok]
        np.add.at(served, where, 1)
        np.add.at(count, where[ok[hit]], 1)
        np.add.at(seconds, where[ok[hit]], response)
        np.add.at(squares, where[ok[hit]], response**2)
        if records.demand_deviation is not None:
            deviation = records.demand_deviation[mine][hit & ok]
            known = np.isfinite(deviation)
            np.add.at(controlled, where[ok[hit]], np.where(known, response - deviation, 0.0))
            np.add.at(told, where[ok[hit]], known)
            np.add.at(deviation_squares, where[ok[hit]], np.where(known, deviation, 0.0) ** 2)
    return tuple(sums)


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
    computed from."""

    seconds: np.ndarray
    """The successful responses' summed seconds."""
    count: np.ndarray
    """The successful responses."""
    served: np.ndarray
    """All requests served (the successful and the failed), counted as ``count`` is:
    whole, in the window they ended in."""
    waits_s: np.ndarray
    """The successful responses' summed modelled waits."""
    low: np.ndarray
    """The windows each transaction's estimate uses (bool)."""
    completions: np.ndarray
    """Completions as the demands were fitted on (spread over the windows a request
    spanned), whose busy time the demands share out."""
    busy: np.ndarray
    """(windows, tiers) busy seconds."""
    controlled_seconds: np.ndarray
    """The successful responses' summed seconds less the demand each drew beyond its
    mean, for the transactions in :attr:`controlled`."""
    controlled: np.ndarray
    """(transactions,) True where every successful response in the transaction's
    low-load windows said what demand it drew."""
    squares: np.ndarray
    """The successful responses' summed squared seconds."""
    deviation_squares: np.ndarray
    """The summed squares of the deviations of the draws the responses said they drew."""

    def outside(
        self, demand: np.ndarray, rows: np.ndarray, busy: np.ndarray | None = None
    ) -> np.ndarray:
        """(transactions,) mean seconds outside the tiers over the windows ``rows`` (with
        repeats), the busy time shared by ``demand``; NaN for a transaction none of whose
        windows is among them. Of the busy time a transaction's completions claim, its
        successful responses' part: a failed request also took service. A transaction
        whose responses said what they drew takes its demands, ``demand``, from its
        responses less their draws' luck instead (the module's doc). ``busy``: the
        windows' busy time the responses can hold, if not :attr:`busy` (a bootstrap
        draw's, its deferred work taken out as that draw fitted it)."""
        count, served = self.count[rows], self.served[rows]
        ok = np.divide(count, served, out=np.zeros_like(count), where=served > 0)
        held = self.busy[rows] if busy is None else busy
        claimed = ok * _claimed(self.completions[rows], held, demand)
        expected = count * demand.sum(axis=1)[None, :]
        told = self.controlled[None, :]
        taken = np.where(told, expected, claimed)
        seconds = np.where(told, self.controlled_seconds[rows], self.seconds[rows])
        low = self.low[rows]
        left = ((seconds - taken - self.waits_s[rows]) * low).sum(axis=0)
        responses = (count * low).sum(axis=0)
        return np.divide(left, responses, out=np.full_like(left, np.nan), where=responses > 0)

    def variance(self, rows: np.ndarray) -> np.ndarray:
        """(transactions,) over the low-load windows ``rows`` (with repeats), the
        variance of the draws the responses reported where they all did, else of the
        responses themselves (the module's doc: "How much the demands vary"); NaN for
        a transaction with fewer than two responses there."""
        low = self.low[rows]
        n = (self.count[rows] * low).sum(axis=0)
        per = np.where(n > 0, n, 1)
        mean = (self.seconds[rows] * low).sum(axis=0) / per
        second = (self.squares[rows] * low).sum(axis=0) / per
        drawn = (self.deviation_squares[rows] * low).sum(axis=0) / per
        variance = np.where(self.controlled, drawn, np.maximum(second - mean**2, 0.0))
        return np.where(n > 1, variance, np.nan)


@dataclass(frozen=True)
class _Shapes:
    """Per transaction and tier it visits (delay tiers aside), what its prior says of
    the demand's spread: (transactions, model tiers) arrays."""

    cv: np.ndarray
    """The prior's coefficient of variation."""
    shaped: np.ndarray
    """True where the prior's kind takes a measured spread (:data:`SHAPED`)."""
    mean: np.ndarray
    """The prior's mean, for the tiers with no busy time measured."""
    measured: np.ndarray
    """(model tiers,) the index in the windows' tiers, or -1 for a tier not measured."""
    delay_variance: np.ndarray
    """(transactions,) the variance of its delay tiers' priors: in what the mock's
    answers report drawn, not in any demand a spread is written into."""

    @classmethod
    def of(cls, model: Scenario, names: list[str], measured_tiers: list[str]) -> _Shapes:
        tiers = [t for t in model.tiers if not t.is_delay]
        shape = (len(names), len(tiers))
        cv, mean, shaped = np.zeros(shape), np.zeros(shape), np.zeros(shape, dtype=bool)
        delay = np.zeros(len(names))
        known = {t.name for t in model.transactions}
        for i, name in enumerate(names):
            if name not in known:
                continue
            demand = model.transaction(name).demand
            for k, tier in enumerate(tiers):
                if (d := demand.get(tier.name)) is not None:
                    cv[i, k], mean[i, k] = d.cv, float(d.mean)
                    shaped[i, k] = d.dist in SHAPED
            delay[i] = sum(
                (d.cv * float(d.mean)) ** 2
                for t in model.tiers
                if t.is_delay and (d := demand.get(t.name)) is not None
            )
        index = [measured_tiers.index(t.name) if t.name in measured_tiers else -1 for t in tiers]
        return cls(cv, shaped, mean, np.array(index, dtype=int), delay)

    def scale(self, variance: np.ndarray, demand: np.ndarray, drawn: np.ndarray) -> np.ndarray:
        """(transactions,) the factor ``s`` on the priors' coefficients of variation of
        the shaped tiers that makes the sum of the demands' variances the measured
        ``variance``: ``s^2 = (variance - fixed) / sum (cv_k D_k)^2`` over the shaped
        tiers, ``fixed`` the other tiers' own (and, where ``drawn``, the delay tiers'),
        ``D`` the estimated demands where measured (``demand``: transactions x the
        windows' tiers), the prior's means elsewhere. NaN where no tier is shaped."""
        means = np.where(
            self.measured[None, :] >= 0, demand[:, np.maximum(self.measured, 0)], self.mean
        )
        part = (self.cv * means) ** 2
        shaped = np.where(self.shaped, part, 0.0).sum(axis=1)
        fixed = np.where(self.shaped, 0.0, part).sum(axis=1) + np.where(
            drawn, self.delay_variance, 0.0
        )
        free = np.maximum(variance - fixed, 0.0)
        return np.divide(
            np.sqrt(free), np.sqrt(shaped), out=np.full(len(shaped), np.nan), where=shaped > 0
        )


def _low_windows(count: np.ndarray, users: np.ndarray, windows: Windows) -> np.ndarray:
    """(windows, transactions) the low-load windows each transaction's estimate uses: those
    of few users, or, with fewer than :data:`MIN_RESPONSES` responses or
    :data:`MIN_WINDOWS` windows there, the least-loaded on."""
    quiet = users <= LOW_USERS * run_most(users, windows.run)
    low = np.zeros(count.shape, dtype=bool)
    for i in range(count.shape[1]):
        active = count[:, i] > 0
        low[:, i] = active & quiet
        for bound in np.unique(users[active]):
            enough = count[low[:, i], i].sum() >= MIN_RESPONSES
            if enough and np.count_nonzero(low[:, i]) >= MIN_WINDOWS:
                break
            low[:, i] = active & (users <= bound)
    return low


@dataclass(frozen=True)
class OutsideTimes:
    """Per transaction, its time outside the tiers; and the bootstrap's joint draws of
    them and the demands they were taken with (None without busy time)."""

    estimates: dict[str, OutsideEstimate]
    joint_draws: JointDraws | None
    spread: dict[str, SpreadEstimate] = field(default_factory=dict)
    """Per transaction, its demands' spread as a factor on its priors' coefficients of
    variation (the module's doc)."""


def outside_time(
    windows: Windows,
    model: Scenario,
    requests: list[Requests],
    demands: dict[str, dict[str, DemandEstimate]],
    users: np.ndarray,
    rng: np.random.Generator,
    replicates: int,
    noise: utilization_law.PhaseNoise | None = None,
    design: Design | None = None,
    fits: dict[str, TierFit] | None = None,
) -> OutsideTimes:
    """Per transaction with responses in the windows (see the module's doc); ``users``
    is the generator's mean users in each window; ``replicates``, the bootstrap's;
    ``noise``, the runs' variation the demands' bootstrap drew, drawn here too;
    ``design``, the columns the demands were fitted on (by default the model's);
    ``fits``, the tiers' fits, whose backgrounds the joint draws move too."""
    if windows.busy is None or not windows.tiers:
        return OutsideTimes({}, None)
    names = windows.transactions
    routes = np.array(
        [[tier in demands.get(name, {}) for tier in windows.tiers] for name in names]
    ).reshape(len(names), len(windows.tiers))
    design = design or design_of(model, windows)  # as the demands were fitted
    waits = _waits(windows, model, routes, design.pieces)
    seconds, count, served, controlled_seconds, told, squares, deviation_squares = (
        np.column_stack(c)
        for c in zip(*(_responses(requests, name, windows) for name in names), strict=True)
    )
    waits_s = count * np.column_stack([waits[:, row].sum(axis=1) for row in routes])
    low = _low_windows(count, users, windows)
    low_count = (count * low).sum(axis=0)
    controlled = (low_count > 0) & ((told * low).sum(axis=0) == low_count)
    background = background_of(model, windows, users)
    fitted_busy = design.busy(windows.busy)  # less deferred work held at its priors
    data = _Responses(
        seconds,
        count,
        served,
        waits_s,
        low,
        windows.completions,
        _requests_busy(design, fitted_busy, background),
        controlled_seconds,
        controlled,
        squares,
        deviation_squares,
    )
    # The demands the calibrated model carries: where it keeps a prior, so does this, or
    # that service would count both in the prior and in the time outside.
    demand = np.zeros(routes.shape)
    kept = np.zeros(routes.shape, dtype=bool)
    for i, name in enumerate(names):
        for k, tier in enumerate(windows.tiers):
            if (found := demands.get(name, {}).get(tier)) is not None:
                demand[i, k] = found.in_model
                kept[i, k] = found.keeps_prior
    mean = data.outside(demand, np.arange(len(windows)))
    # The bootstrap draws windows and fits the demands again on them, as calibrate's own
    # interval does, so the interval holds the demands' part with its correlations.
    draws = np.empty((replicates, len(names)))
    shapes = _Shapes.of(model, names, windows.tiers)
    spreads = np.empty((replicates, len(names)))
    demand_draws = np.empty((replicates, *routes.shape))
    background_draws = np.zeros((replicates, len(windows.tiers)))
    for r in range(replicates):
        rows = rng.integers(0, len(windows), len(windows))
        busy = fitted_busy[rows]
        if noise is not None:
            busy = busy + noise.draw(rng, rows)
        refit = utilization_law.fit(design.matrix[rows], busy, design.routes, background.rows(rows))
        demand_draws[r] = np.where(kept, demand, refit.demands[: len(names)])
        background_draws[r] = refit.background
        served_busy = fitted_busy[rows] - _deferred_busy(design, refit, rows)
        draws[r] = data.outside(demand_draws[r], rows, served_busy)
        spreads[r] = shapes.scale(data.variance(rows), demand_draws[r], controlled)
    spread = shapes.scale(data.variance(np.arange(len(windows))), demand, controlled)
    busiest = utilization(windows, model)
    out: dict[str, OutsideEstimate] = {}
    spread_of: dict[str, SpreadEstimate] = {}
    for i, name in enumerate(names):
        responses = int(count[low[:, i], i].sum())
        if not routes[i].any() or responses < MIN_RESPONSES:
            continue
        drawn_scale = spreads[:, i][np.isfinite(spreads[:, i])]
        # a transaction whose demand keeps its prior: the spread would rest on it
        if np.isfinite(spread[i]) and len(drawn_scale) and not kept[i].any():
            scale_low, scale_high = np.percentile(drawn_scale, [2.5, 97.5])
            spread_of[name] = SpreadEstimate(
                scale=float(spread[i]),
                ci95=(float(scale_low), float(scale_high)),
                responses=responses,
                drawn=bool(controlled[i]),
            )
        drawn = draws[:, i][np.isfinite(draws[:, i])]  # a draw of none of its windows
        low_end, high_end = np.percentile(drawn, [2.5, 97.5])
        out[name] = OutsideEstimate(
            estimate=float(mean[i]),
            ci95=(float(low_end), float(high_end)),
            responses=responses,
            busiest_utilization=float(busiest[low[:, i]].max()),
        )
    carried = np.maximum(mean, 0.0)  # the model carries no time outside below zero
    joint = _joint(names, windows.tiers, demands, demand_draws - demand, draws - carried, out)
    joint = joint.model_copy(
        update={"background": _background_offsets(model, windows.tiers, background_draws, fits)}
    )
    return OutsideTimes(out, joint, spread_of)


def _background_offsets(
    model: Scenario,
    tiers: list[str],
    draws: np.ndarray,
    fits: dict[str, TierFit] | None,
) -> dict[str, list[float]]:
    """Per tier whose background was fitted, each draw's (``draws``: busy seconds per
    second, as the fit gives it) less the one the calibrated model carries, as a share
    of the tier's cores (:attr:`JointDraws.background`)."""
    out = {}
    for k, tier in enumerate(tiers):
        fit = (fits or {}).get(tier)
        if fit is None or fit.background is None:
            continue
        cores = model.tier(tier).total_cores or 1
        out[tier] = np.round(draws[:, k] / cores - carried_background(fit.background), 9).tolist()
    return out


def _requests_busy(
    design: Design, busy: np.ndarray, background: utilization_law.Background
) -> np.ndarray:
    """(windows, tiers) the busy time the requests' responses can hold: ``busy`` (already
    less the deferred work held at its priors) less the fitted deferred work, which
    nobody's response waited for."""
    if not any(c is not None for c in design.columns):
        return busy
    fitted = utilization_law.fit(design.matrix, busy, design.routes, background)
    rows = np.arange(len(busy))
    return np.asarray(busy - _deferred_busy(design, fitted, rows))


def _deferred_busy(design: Design, fitted: utilization_law.Fit, rows: np.ndarray) -> np.ndarray:
    """(len(rows), tiers) the busy time of the deferred pieces ``fitted`` leaves to the
    fit (not held at their priors) over the windows ``rows``: each at its fitted demand,
    or at its prior where the fit put it at zero (the calibrated model carries the prior
    there, as for a request's demand at a bound)."""
    out = np.zeros((len(rows), design.routes.shape[1]))
    for piece, column in zip(design.pieces, design.columns, strict=True):
        if column is None:
            continue
        demands = fitted.demands[column]
        if not demands.any():
            demands = design.routes[column] * piece.prior
        out += np.outer(design.matrix[rows, column], demands)
    return out


def _joint(
    names: list[str],
    tiers: list[str],
    demands: dict[str, dict[str, DemandEstimate]],
    demand_offsets: np.ndarray,
    outside_offsets: np.ndarray,
    outside: dict[str, OutsideEstimate],
) -> JointDraws:
    """The draws as offsets from what the model carries: of each demand it carries as
    estimated (identified, not at a bound), and of each time outside it writes."""
    entries: list[tuple[str, str | None]] = []
    columns = []
    for i, name in enumerate(names):
        for k, tier in enumerate(tiers):
            found = demands.get(name, {}).get(tier)
            if found is not None and found.estimated:
                entries.append((name, tier))
                columns.append(demand_offsets[:, i, k])
        if name in outside:
            entries.append((name, None))
            columns.append(outside_offsets[:, i])
    offsets = np.column_stack(columns) if columns else np.empty((len(demand_offsets), 0))
    rounded = np.round(offsets, 9)  # a nanosecond: the model's demands are written to 0.1 µs
    return JointDraws(
        entries=entries,
        offsets_s=[[v if np.isfinite(v) else None for v in row.tolist()] for row in rounded],
    )
