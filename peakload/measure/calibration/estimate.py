"""From windows to one :class:`DemandEstimate` per (transaction, tier).

Where the tiers' busy time is known, every number comes from the
utilization-law regression (:mod:`.utilization_law`), with a background for
each tier the model gives ``cores``; where it is not, from
low-load response times (:mod:`.response_time`). Each number carries its
method, its 95 % interval and the identifiability verdict of
:mod:`.identifiability`. A demand the model has but the fit put at zero on a
tier that was busy is flagged ``at_bound``: it is reported, and the
calibrated model keeps the prior for it rather than a silent zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from peakload.contract.calibration import DeferredEstimate, DemandEstimate, Method, TierFit
from peakload.core.scenario import Scenario
from peakload.measure.calibration import response_time, utilization_law
from peakload.measure.calibration.identifiability import Identifiability, assess
from peakload.measure.calibration.windows import Requests, Windows, at_load


@dataclass(frozen=True)
class Estimates:
    method: Method
    demands: dict[str, dict[str, DemandEstimate]]
    fit: dict[str, TierFit]
    warnings: list[str]
    noise: utilization_law.PhaseNoise | None = None
    """The runs' variation the demands' intervals hold (utilization law), for the
    other bootstraps over the same windows (the time outside the tiers)."""
    deferred: dict[str, list[DeferredEstimate]] = field(default_factory=dict)
    """Per transaction with deferred work, one estimate per piece, in the model's
    order (:class:`~peakload.core.scenario.DeferredWork`)."""
    design: Design | None = None
    """The columns the demands were fitted on, deferred pieces held at their priors
    taken out (utilization law): for the other bootstraps over the same windows."""


@dataclass(frozen=True)
class DeferredPiece:
    """One piece of a transaction's deferred work, as the model declares it."""

    transaction: str
    index: int
    """Its position in the transaction's ``deferred``."""
    tier: str
    after_s: float
    prior: float
    """The model's mean demand for it (s)."""


def deferred_pieces(model: Scenario) -> list[DeferredPiece]:
    """Every piece of deferred work in ``model``, transaction by transaction."""
    return [
        DeferredPiece(txn.name, j, work.tier, work.after_s, float(work.demand.mean))
        for txn in model.transactions
        for j, work in enumerate(txn.deferred)
    ]


@dataclass(frozen=True)
class Design:
    """The utilization law's columns: the transactions' completions, then each piece
    of deferred work's count of work due (:func:`design_of`)."""

    matrix: np.ndarray
    """(windows, transactions + pieces)."""
    routes: np.ndarray
    """(transactions + pieces, tiers): which column may explain which tier's busy time."""
    names: list[str]
    """A label per column: the transaction, or ``"<transaction> deferred[j]"``."""
    pieces: list[DeferredPiece]
    columns: list[int | None]
    """Per piece, its column, or None where it is held at its prior (:meth:`holding`)."""
    held_busy: np.ndarray | None = None
    """(windows, tiers) the busy seconds of the pieces held at their priors: taken out
    of the tiers' busy time before the fit."""

    def busy(self, busy: np.ndarray) -> np.ndarray:
        """The busy time the columns are fitted on: ``busy`` less the held pieces'."""
        return busy if self.held_busy is None else busy - self.held_busy

    def holding(self, held: list[int], windows: Windows) -> Design:
        """The same design with the pieces ``held`` (indices into :attr:`pieces`) at
        their priors: their columns out, their work out of the busy time."""
        assert windows.later is not None
        drop = {self.columns[j] for j in held}
        keep = [c for c in range(len(self.names)) if c not in drop]
        offset = np.zeros((len(windows), len(windows.tiers)))
        for j in held:
            piece = self.pieces[j]
            if piece.tier in windows.tiers:
                k = windows.tiers.index(piece.tier)
                offset[:, k] += piece.prior * windows.later[:, j]
        renumber = {old: new for new, old in enumerate(keep)}
        return Design(
            self.matrix[:, keep],
            self.routes[keep],
            [self.names[c] for c in keep],
            self.pieces,
            [None if c is None or c in drop else renumber[c] for c in self.columns],
            offset if self.held_busy is None else self.held_busy + offset,
        )


def design_of(model: Scenario, windows: Windows) -> Design:
    """The columns the demands are fitted on. A transaction's demand at a tier is paid
    while its requests are served; a piece of its deferred work is paid ``after_s``
    later (``windows.later``), and only at its own tier: two columns of one
    transaction that differ where its rate changed (a phase's edges), and so are told
    apart by a tour whose phases change that rate."""
    routes = routes_of(model, windows)
    pieces = deferred_pieces(model) if windows.later is not None else []
    if not pieces:
        return Design(windows.completions, routes, list(windows.transactions), [], [])
    later = np.array(
        [[piece.tier == tier for tier in windows.tiers] for piece in pieces], dtype=bool
    ).reshape(len(pieces), len(windows.tiers))
    assert windows.later is not None and windows.later.shape[1] == len(pieces)
    return Design(
        np.hstack([windows.completions, windows.later]),
        np.vstack([routes, later]),
        [*windows.transactions, *(f"{p.transaction} deferred[{p.index}]" for p in pieces)],
        pieces,
        [len(windows.transactions) + j for j in range(len(pieces))],
    )


def _prior(model: Scenario, transaction: str, tier: str) -> float | None:
    names = [t.name for t in model.transactions]
    if transaction not in names:
        return None
    demand = model.transaction(transaction).demand.get(tier)
    return None if demand is None else float(demand.mean)


def routes_of(model: Scenario, windows: Windows) -> np.ndarray:
    """Which transaction visits which measured tier, as the model says: the fit gives
    a tier's busy time only to the transactions the model routes through it."""
    return np.array(
        [
            [_prior(model, name, tier) is not None for tier in windows.tiers]
            for name in windows.transactions
        ],
        dtype=bool,
    ).reshape(len(windows.transactions), len(windows.tiers))


def background_of(
    model: Scenario, windows: Windows, users: np.ndarray | None = None
) -> utilization_law.Background:
    """The measured tiers that are CPUs in the model (``cores`` set): their busy time is
    fitted with a background (:mod:`.utilization_law`), the others' without; with the
    generator's ``users`` per window, on the windows at load only
    (:func:`~peakload.measure.calibration.windows.at_load`)."""
    cpus = {t.name for t in model.tiers if t.cores is not None}
    tiers = np.array([tier in cpus for tier in windows.tiers], dtype=bool)
    loaded = None if users is None or not tiers.any() else at_load(users, windows.run)
    return utilization_law.Background(tiers, windows.end - windows.start, loaded)


def estimate(
    windows: Windows,
    model: Scenario,
    requests: list[Requests],
    rng: np.random.Generator,
    replicates: int = utilization_law.DEFAULT_REPLICATES,
    users: np.ndarray | None = None,
) -> Estimates:
    """Every demand of ``model``. The model's routes are taken as known (a tier's busy
    time is fitted only on the transactions the model sends there); its demands are not.
    ``users``, the generator's per window, lets a CPU tier be fitted at load
    (:mod:`.utilization_law`)."""
    observed = windows.completions.sum(axis=0) > 0
    if windows.busy is not None:
        return _by_utilization_law(windows, model, observed, rng, replicates, users)
    return _by_response_time(windows, model, requests, observed, rng)


def _verdicts(design: Design, tiers: int) -> list[dict[str, Identifiability]]:
    """Per tier, identifiability among the columns (transactions, deferred work) that
    may explain it."""
    per_tier = []
    for k in range(tiers):
        columns = design.routes[:, k]
        names = [n for n, used in zip(design.names, columns, strict=True) if used]
        per_tier.append(assess(design.matrix[:, columns], names))
    return per_tier


def _by_utilization_law(
    windows: Windows,
    model: Scenario,
    observed: np.ndarray,
    rng: np.random.Generator,
    replicates: int,
    users: np.ndarray | None = None,
) -> Estimates:
    assert windows.busy is not None  # estimate() takes this method only with busy time
    background = background_of(model, windows, users)
    design = design_of(model, windows)
    fitted = _Fitted.of(design, windows, background, rng, replicates)
    held = [
        j
        for j, piece in enumerate(design.pieces)
        if (bounds := fitted.bounds_of(piece, j, windows)) is not None
        and bounds[0] <= piece.prior <= bounds[1]
    ]
    first = fitted
    if held:  # the measurement does not contradict them: their priors stay, the rest refit
        design = design.holding(held, windows)
        fitted = _Fitted.of(design, windows, background, rng, replicates)
    busy = design.busy(windows.busy)
    fit, noise, fits, (lo, hi) = fitted.fit, fitted.noise, fitted.fits, fitted.bounds
    condition = utilization_law.condition_number(design.matrix)
    verdicts = _verdicts(design, len(windows.tiers))
    demands: dict[str, dict[str, DemandEstimate]] = {}
    warnings: list[str] = []
    model_tiers = [t.name for t in model.tiers if not t.is_delay]  # delays: no busy time
    for i, name in enumerate(windows.transactions):
        row: dict[str, DemandEstimate] = {}
        for tier in model_tiers:
            prior = _prior(model, name, tier)
            if tier not in windows.tiers:
                if prior is not None:
                    row[tier] = DemandEstimate(
                        estimate=prior,
                        ci95=(prior, prior),
                        prior=prior,
                        method=Method.PRIOR,
                        identifiable=False,
                        why=f"no busy time measured for tier {tier}",
                    )
                continue
            k = windows.tiers.index(tier)
            value = float(fit.demands[i, k])
            verdict = verdicts[k].get(name, Identifiability(False, "never completed"))
            if not observed[i]:
                if prior is not None:
                    row[tier] = DemandEstimate(
                        estimate=prior,
                        ci95=(prior, prior),
                        prior=prior,
                        method=Method.PRIOR,
                        identifiable=False,
                        why="never completed in the runs' windows",
                    )
                continue
            if prior is None and value <= 0:
                continue
            at_bound = prior is not None and value <= 0 and busy[:, k].sum() > 0
            if at_bound:
                warnings.append(
                    f"{name}.{tier}: the fit put the demand at 0 (bound) although {tier} was "
                    f"busy and the model has {prior:.4g} s; the calibrated model keeps the prior"
                )
            row[tier] = DemandEstimate(
                estimate=value,
                ci95=(float(lo[i, k]), float(hi[i, k])),
                prior=prior,
                method=Method.UTILIZATION_LAW,
                identifiable=verdict.identifiable,
                why=verdict.why,
                at_bound=at_bound,
            )
        demands[name] = row
    deferred: dict[str, list[DeferredEstimate]] = {}
    for j, piece in enumerate(design.pieces):
        found = (
            _held_estimate(piece, first.bounds_of(piece, j, windows), first.value_of(piece, j))
            if j in held
            else _deferred_estimate(piece, j, design, windows, fitted, verdicts)
        )
        deferred.setdefault(piece.transaction, []).append(found)
    tiers = {}
    fitted_on = utilization_law.fitted_windows(background, windows.busy.shape)  # CPUs: at load
    for k, tier in enumerate(windows.tiers):
        capacity = float(model.tier(tier).busy_capacity)
        runs_sd = None if noise is None or not noise.measured[k] else float(noise.sd[k]) / capacity
        speed = None if runs_sd is None or noise is None else float(noise.speed_sd[k])
        speed_sd = speed if speed is not None and np.isfinite(speed) else None
        share: float | None = None
        share_ci: tuple[float, float] | None = None
        if background.tiers[k]:
            cores = model.tier(tier).total_cores or 1
            low, high = utilization_law.interval(np.array([f.background[k] for f in fits]))
            share = float(fit.background[k]) / cores
            share_ci = (float(low) / cores, float(high) / cores)
        tiers[tier] = TierFit(
            windows=int(fitted_on[:, k].sum()),
            busy_s=float(windows.busy[:, k].sum()),
            rmse_s=float(np.sqrt(np.mean(fit.residuals[fitted_on[:, k], k] ** 2))),
            r2=float(fit.r2[k]),
            condition_number=condition,
            background=share,
            background_ci95=share_ci,
            runs_sd=runs_sd,
            speed_sd=speed_sd,
        )
    return Estimates(Method.UTILIZATION_LAW, demands, tiers, warnings, noise, deferred, design)


@dataclass(frozen=True)
class _Fitted:
    """One fit of a design, its runs' variation and its bootstrap."""

    design: Design
    fit: utilization_law.Fit
    noise: utilization_law.PhaseNoise | None
    fits: list[utilization_law.Fit]
    bounds: tuple[np.ndarray, np.ndarray]

    @classmethod
    def of(
        cls,
        design: Design,
        windows: Windows,
        background: utilization_law.Background,
        rng: np.random.Generator,
        replicates: int,
    ) -> _Fitted:
        assert windows.busy is not None
        busy, matrix, routes = design.busy(windows.busy), design.matrix, design.routes
        width = windows.end - windows.start
        fit = utilization_law.fit(matrix, busy, routes, background)
        noise = utilization_law.phase_noise(matrix, fit, windows.run, width, routes, background)
        fits = utilization_law.bootstrap(matrix, busy, rng, replicates, routes, background, noise)
        bounds = utilization_law.interval(utilization_law.demand_draws(fits))
        return cls(design, fit, noise, fits, bounds)

    def _cell(self, piece: DeferredPiece, j: int, windows: Windows) -> tuple[int, int] | None:
        column = self.design.columns[j]
        if column is None or piece.tier not in windows.tiers:
            return None
        if not self.design.matrix[:, column].any():
            return None  # none of its work fell due: nothing measured it
        return column, windows.tiers.index(piece.tier)

    def bounds_of(
        self, piece: DeferredPiece, j: int, windows: Windows
    ) -> tuple[float, float] | None:
        """Piece ``j``'s 95 % interval, or None where nothing measured it."""
        cell = self._cell(piece, j, windows)
        if cell is None:
            return None
        return float(self.bounds[0][cell]), float(self.bounds[1][cell])

    def value_of(self, piece: DeferredPiece, j: int) -> float:
        """Piece ``j``'s fitted demand (its column must exist)."""
        column = self.design.columns[j]
        assert column is not None
        return float(self.fit.demands[column].max())  # its one tier's (the others are 0)


def _held_estimate(
    piece: DeferredPiece, bounds: tuple[float, float] | None, value: float
) -> DeferredEstimate:
    """A piece held at its prior: what the fit said, and why the prior stays."""
    assert bounds is not None
    return DeferredEstimate(
        tier=piece.tier,
        after_s=piece.after_s,
        estimate=value,
        ci95=bounds,
        prior=piece.prior,
        method=Method.PRIOR,
        identifiable=False,
        why=(
            f"its 95 % interval [{bounds[0]:.3g}, {bounds[1]:.3g}] s holds the prior: the "
            "runs do not contradict it, so the prior stays and the other demands are "
            "fitted with this work taken out at it"
        ),
    )


def _deferred_estimate(
    piece: DeferredPiece,
    j: int,
    design: Design,
    windows: Windows,
    fitted: _Fitted,
    verdicts: list[dict[str, Identifiability]],
) -> DeferredEstimate:
    """Piece ``j``'s demand from the fit, or its prior where its tier's busy time was not
    measured or none of its work fell due in the windows."""
    prior = piece.prior
    where = {"tier": piece.tier, "after_s": piece.after_s}
    bounds = fitted.bounds_of(piece, j, windows)
    if bounds is None:
        why = (
            f"no busy time measured for tier {piece.tier}"
            if piece.tier not in windows.tiers
            else "none of its work fell due in the runs' windows"
        )
        return DeferredEstimate(
            **where,
            estimate=prior,
            ci95=(prior, prior),
            prior=prior,
            method=Method.PRIOR,
            identifiable=False,
            why=why,
        )
    column = design.columns[j]
    assert column is not None
    k = windows.tiers.index(piece.tier)
    value = float(fitted.fit.demands[column, k])
    verdict = verdicts[k].get(design.names[column], Identifiability(False, "never due"))
    return DeferredEstimate(
        **where,
        estimate=value,
        ci95=bounds,
        prior=prior,
        method=Method.UTILIZATION_LAW,
        identifiable=verdict.identifiable,
        why=verdict.why,
        # a fit at the bound keeps the prior, as a request's demand does
        at_bound=value <= 0,
    )


def _by_response_time(
    windows: Windows,
    model: Scenario,
    requests: list[Requests],
    observed: np.ndarray,
    rng: np.random.Generator,
) -> Estimates:
    totals = response_time.low_load_totals(windows, requests, rng)
    demands: dict[str, dict[str, DemandEstimate]] = {}
    for name in windows.transactions:
        priors = {
            t.name: prior
            for t in model.tiers
            if not t.is_delay and (prior := _prior(model, name, t.name)) is not None
        }
        total_prior = sum(priors.values())
        measured = totals.get(name)
        row: dict[str, DemandEstimate] = {}
        for tier, prior in priors.items():
            if measured is None or total_prior <= 0:
                row[tier] = DemandEstimate(
                    estimate=prior,
                    ci95=(prior, prior),
                    prior=prior,
                    method=Method.PRIOR,
                    identifiable=False,
                    why="no successful response in the runs' windows",
                )
                continue
            share = prior / total_prior
            alone = len(priors) == 1
            row[tier] = DemandEstimate(
                estimate=measured.mean_s * share,
                ci95=(measured.ci95[0] * share, measured.ci95[1] * share),
                prior=prior,
                method=Method.RESPONSE_TIME,
                identifiable=alone,
                why=None
                if alone
                else (
                    "no tier busy time: only the transaction's total (its low-load response "
                    "time) is measured, split over its tiers in the prior's proportions"
                ),
            )
        demands[name] = row
    warnings = [
        "no tier busy time in the runs: demands from low-load response times, which include "
        "network and client time (an upper bound)"
    ]
    return Estimates(Method.RESPONSE_TIME, demands, {}, warnings)
