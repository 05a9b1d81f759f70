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

from dataclasses import dataclass

import numpy as np

from peakload.contract.calibration import DemandEstimate, Method, TierFit
from peakload.core.scenario import Scenario
from peakload.measure.calibration import response_time, utilization_law
from peakload.measure.calibration.identifiability import Identifiability, assess
from peakload.measure.calibration.windows import Requests, Windows


@dataclass(frozen=True)
class Estimates:
    method: Method
    demands: dict[str, dict[str, DemandEstimate]]
    fit: dict[str, TierFit]
    warnings: list[str]
    noise: utilization_law.PhaseNoise | None = None
    """The runs' variation the demands' intervals hold (utilization law), for the
    other bootstraps over the same windows (the time outside the tiers)."""


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


def background_of(model: Scenario, windows: Windows) -> utilization_law.Background:
    """The measured tiers that are CPUs in the model (``cores`` set): their busy time is
    fitted with a background (:mod:`.utilization_law`), the others' without."""
    cpus = {t.name for t in model.tiers if t.cores is not None}
    return utilization_law.Background(
        np.array([tier in cpus for tier in windows.tiers], dtype=bool),
        windows.end - windows.start,
    )


def estimate(
    windows: Windows,
    model: Scenario,
    requests: list[Requests],
    rng: np.random.Generator,
    replicates: int = utilization_law.DEFAULT_REPLICATES,
) -> Estimates:
    """Every demand of ``model``. The model's routes are taken as known (a tier's busy
    time is fitted only on the transactions the model sends there); its demands are not."""
    observed = windows.completions.sum(axis=0) > 0
    if windows.busy is not None:
        return _by_utilization_law(windows, model, observed, rng, replicates)
    return _by_response_time(windows, model, requests, observed, rng)


def _verdicts(windows: Windows, routes: np.ndarray) -> list[dict[str, Identifiability]]:
    """Per tier, identifiability among the transactions that visit it."""
    per_tier = []
    for k in range(len(windows.tiers)):
        names = [n for n, visits in zip(windows.transactions, routes[:, k], strict=True) if visits]
        columns = routes[:, k]
        per_tier.append(assess(windows.completions[:, columns], names))
    return per_tier


def _by_utilization_law(
    windows: Windows,
    model: Scenario,
    observed: np.ndarray,
    rng: np.random.Generator,
    replicates: int,
) -> Estimates:
    busy = windows.busy
    assert busy is not None  # estimate() takes this method only where busy time was sampled
    routes = routes_of(model, windows)
    background = background_of(model, windows)
    fit = utilization_law.fit(windows.completions, busy, routes, background)
    width = windows.end - windows.start
    noise = utilization_law.phase_noise(
        windows.completions, fit, windows.run, width, routes, background
    )
    fits = utilization_law.bootstrap(
        windows.completions, busy, rng, replicates, routes, background, noise
    )
    lo, hi = utilization_law.interval(utilization_law.demand_draws(fits))
    condition = utilization_law.condition_number(windows.completions)
    verdicts = _verdicts(windows, routes)
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
    tiers = {}
    for k, tier in enumerate(windows.tiers):
        capacity = float(model.tier(tier).total_cores or model.tier(tier).servers)
        runs_sd = None if noise is None or not noise.measured[k] else float(noise.sd[k]) / capacity
        share: float | None = None
        share_ci: tuple[float, float] | None = None
        if background.tiers[k]:
            cores = model.tier(tier).total_cores or 1
            low, high = utilization_law.interval(np.array([f.background[k] for f in fits]))
            share = float(fit.background[k]) / cores
            share_ci = (float(low) / cores, float(high) / cores)
        tiers[tier] = TierFit(
            windows=len(windows),
            busy_s=float(busy[:, k].sum()),
            rmse_s=float(np.sqrt(np.mean(fit.residuals[:, k] ** 2))),
            r2=float(fit.r2[k]),
            condition_number=condition,
            background=share,
            background_ci95=share_ci,
            runs_sd=runs_sd,
        )
    return Estimates(Method.UTILIZATION_LAW, demands, tiers, warnings, noise)


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
