"""Utilization-law regression: service demands from busy time and completions.

The utilization law says a tier's busy time over an interval is the sum, over
the transactions it served, of completions times mean demand:

    B_k(w) = sum_t D[t, k] * X_t(w)          (window w, tier k, transaction t)

Given many windows, each tier's column of demands is a least-squares fit of
its busy time on the completions matrix, with demands held non-negative
(Rolia and Vetland 1995; Spinner et al. 2015 compare it with the other
estimators). ``scipy.optimize.nnls`` solves each tier's fit. The 95 %
interval comes from a bootstrap over windows: windows are resampled with
replacement, the fit is repeated, and the 2.5 and 97.5 percentiles of the
replicates bound the estimate.

**A background.** A CPU's busy time, as the operating system counts it, also
holds work no request asked for: timers, background writers, a scheduler's
polling. Fitted without a term for it, that time is spread over the demands,
most where the windows were least busy (on the real-work stack, a tour at 20 %
busy put the mix's demand 15 % high). For a tier that is a CPU (one with
``cores``), the fit takes the window's length as one more column, so

    B_k(w) = b_k * T(w) + sum_t D[t, k] * X_t(w)

and ``b_k`` (busy seconds per second, non-negative) is the background; it is
identified where the windows' loads differ, as a line's intercept is.

**A CPU is fitted at load.** The line is the CPU's near the loads it was measured
at, not all the way down to idle: a request that finds the core idle pays for
waking it (the event loop, a pool thread, a database backend brought back from
sleep), so a CPU's busy time per request falls as its load rises. On the real-work
stack a request cost 10 to 20 % less CPU at 301 req/s than at 102, measured with
the two levels interleaved (``benchmarks/real_work_levels.py``), and a
``calibrate --plan`` tour's low-load windows (a quarter of each phase's users, 8 %
busy) cost enough more per request that the demands fitted on every window put a
held-out level at 62 to 79 % busy 8.0 points too high on average, and 3.7 fitted on
the windows at load (10 recorded tours, ``benchmarks/held_out_again.py``;
docs/real-service.md). So where
the windows are told apart (``Background.at_load``), a CPU tier is fitted on the
windows at load only; its intercept is then the line's near that load (5 to 10 %
of the core on that stack), above the idle core's own housekeeping, and a
prediction far below the tour's load errs high. The low-load windows still serve
the time outside the tiers.

**The phases' own variation.** Resampling windows treats every window's error as
its own. A real server's busy time also moves by the minute: a checkpoint, a
vacuum, work a request left for later, all of it shared by the windows of one
run. A demand pinned by the difference between two runs (a ``--plan`` phase and
the one before it in its flow) carries that shared error whole, and the windows'
bootstrap cannot see it: on the real-work stack two tours of one server put
``get_dossier`` at 0.97 [0.61, 1.29] and 2.22 [1.90, 2.51] ms (the same stack
started afresh on the same machine, a day apart). So with enough runs
(:func:`phase_noise`) the fit's residuals are split into each run's offset
(busy seconds per second, shared by its windows) and what is left; the offsets'
variance beyond what the windows' own noise gives them, on the degrees of freedom
the fit leaves (runs less parameters), is the runs' variation ``sd``; and each
bootstrap draw adds to every run a fresh offset of that sd (normal), so the
intervals hold it.

The same offsets, as a share of the runs' own fitted busy time, are the sd of
the machine's *speed* from run to run (``speed_sd``, :func:`_speed_sd`). That is
the form to carry to another load: a fixed piece of Python work timed on this
machine's virtual core took 13 to 36 % longer in some 20-second stretches than
in others, while SHA-256 on data in the core's cache held within 1 %
(``benchmarks/machine_speed.py``), so the offset is a share of whatever the
core does, and a held-out level at twice the tour's load moves by twice the
points.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import nnls

DEFAULT_REPLICATES = 200


@dataclass(frozen=True)
class Fit:
    """Demands (transactions x tiers) and how well they explain the busy time."""

    demands: np.ndarray
    residuals: np.ndarray
    """(windows, tiers) observed minus fitted busy seconds (0 in a window the tier was
    not fitted on, :func:`fitted_windows`)."""
    r2: np.ndarray
    """Per tier: share of the busy time's (uncentred) variation the fit explains."""
    background: np.ndarray
    """Per tier: busy seconds per second no request accounts for (0 where not fitted)."""


@dataclass(frozen=True)
class Background:
    """Which tiers get a background term, and the windows' lengths it multiplies."""

    tiers: np.ndarray
    """(tiers,) bool: fit a background for this tier (a CPU)."""
    seconds: np.ndarray
    """(windows,) each window's length."""
    at_load: np.ndarray | None = None
    """(windows,) True where the window ran at load: the windows the CPU tiers are
    fitted on (module docstring); None: every window."""

    def rows(self, rows: np.ndarray) -> Background:
        """The same tiers, over the windows ``rows`` (a bootstrap's draw)."""
        at_load = None if self.at_load is None else self.at_load[rows]
        return Background(self.tiers, self.seconds[rows], at_load)


def fitted_windows(background: Background | None, shape: tuple[int, ...]) -> np.ndarray:
    """(windows, tiers) bool: the windows each tier is fitted on, every one but for the
    CPU tiers where ``background.at_load`` tells some apart."""
    used = np.ones(shape, dtype=bool)
    if background is not None and background.at_load is not None:
        used[:, background.tiers] = background.at_load[:, None]
    return used


@dataclass(frozen=True)
class PhaseNoise:
    """How much each run's busy time moves as a whole, beyond its windows' own noise."""

    runs: np.ndarray
    """(windows,) the run each window belongs to."""
    seconds: np.ndarray
    """(windows,) each window's length."""
    sd: np.ndarray
    """(tiers,) sd of a run's offset, busy seconds per second (0: none measured)."""
    count: int
    """Runs it was measured over."""
    measured: np.ndarray
    """(tiers,) True where the tier had runs to spare (:func:`phase_noise`)."""
    speed_sd: np.ndarray
    """(tiers,) the same variation as a share of the runs' fitted busy time: the sd of
    the machine's speed from run to run, which scales all the tier's work alike (NaN:
    not measured, :func:`_speed_sd`)."""

    def draw(self, rng: np.random.Generator, rows: np.ndarray) -> np.ndarray:
        """(len(rows), tiers) busy seconds to add to the windows ``rows``: one normal
        offset of :attr:`sd` per run, times each window's length."""
        runs, index = np.unique(self.runs, return_inverse=True)
        offsets: np.ndarray = rng.standard_normal((len(runs), len(self.sd))) * self.sd
        moved: np.ndarray = offsets[index[rows]] * self.seconds[rows, None]
        return moved


MIN_SPARE_RUNS = 2
"""Runs beyond the fit's parameters needed to measure the runs' variation at all."""


def phase_noise(
    completions: np.ndarray,
    fitted: Fit,
    runs: np.ndarray,
    seconds: np.ndarray,
    routes: np.ndarray,
    background: Background | None = None,
) -> PhaseNoise | None:
    """The runs' variation of each tier's busy time (module docstring): measured for
    a tier whose fit leaves at least :data:`MIN_SPARE_RUNS` runs beyond its
    parameters (its demands and background), 0 and not :attr:`PhaseNoise.measured`
    for the others; None where no tier has runs to spare."""
    labels, index = np.unique(runs, return_inverse=True)
    count = len(labels)
    observed = completions.sum(axis=0) > 0  # a transaction never completed has no demand
    parameters = (routes & observed[:, None]).sum(axis=0)
    if background is not None:
        parameters = parameters + background.tiers
    measured = count - parameters >= MIN_SPARE_RUNS
    if not measured.any():
        return None
    residuals = fitted.residuals
    used = fitted_windows(background, residuals.shape)  # a CPU's: at load
    length = _per_run(index, seconds[:, None] * used)
    windows = _per_run(index, used.astype(float))
    offset = _ratio(_per_run(index, residuals), length)
    offset -= residuals.sum(axis=0) / length.sum(axis=0)  # a fit without intercept may sit off
    within = residuals - offset[index] * seconds[:, None] * used
    window_variance = (within**2).sum(axis=0) / np.maximum(used.sum(axis=0) - count, 1)
    spare = np.maximum(count - parameters, 1)
    window_share = _ratio(windows, length**2)
    shared = (offset**2).sum(axis=0) / spare - window_share.mean(axis=0) * window_variance
    sd = np.where(measured, np.sqrt(np.maximum(shared, 0.0)), 0.0)
    columns = routes & observed[:, None]
    fitted_busy = (completions @ fitted.demands + np.outer(seconds, fitted.background)) * used
    speed_sd = _speed_sd(
        np.stack(
            [
                _ratio(_per_run(index, completions * used[:, [k]]), length[:, [k]])
                for k in range(residuals.shape[1])
            ]
        ),
        _ratio(_per_run(index, fitted_busy), length),
        fitted.background > 0,
        columns,
        offset,
        window_share,
        window_variance,
    )
    return PhaseNoise(runs, seconds, sd, count, measured, speed_sd)


def _ratio(top: np.ndarray, bottom: np.ndarray) -> np.ndarray:
    """``top / bottom``, 0 where ``bottom`` is 0 (a run none of whose windows a tier
    was fitted on)."""
    bottom = np.broadcast_to(bottom, top.shape)
    out: np.ndarray = np.divide(top, bottom, out=np.zeros(top.shape), where=bottom > 0)
    return out


def _per_run(index: np.ndarray, values: np.ndarray) -> np.ndarray:
    """(runs, columns) each column of ``values`` (windows, columns) summed over each
    run's windows (``index``: each window's run, 0 to runs - 1)."""
    return np.column_stack(
        [np.bincount(index, weights=values[:, j]) for j in range(values.shape[1])]
    )


def _speed_sd(
    per_second: np.ndarray,
    rates: np.ndarray,
    constant: np.ndarray,
    columns: np.ndarray,
    offset: np.ndarray,
    window_share: np.ndarray,
    window_variance: np.ndarray,
) -> np.ndarray:
    """(tiers,) the runs' variation as a share of their own work, the sd of a speed.

    ``per_second`` is (tiers, runs, columns) and ``window_share`` (runs, tiers): per
    tier, over the windows it was fitted on.

    A run on a machine ``1 + e`` times slower is that much busier whatever its load:
    its ``offset`` is ``e`` times its fitted busy seconds per second (``rates``, runs x
    tiers). The fit takes part of those offsets into the demands, and most from the
    runs that weigh most in it, so the offsets left over ``r`` runs hold, in
    expectation, ``sd^2 x trace((I - H) D^2 (I - H))`` with ``D`` the rates on the
    diagonal and ``H`` the runs' hat matrix (their completions ``per_second`` in the
    tier's ``columns``, and a constant where the tier's background was fitted,
    ``constant``): with equal rates, ``sd^2 rate^2 (r - parameters)``, as ``sd`` has it
    in points. The windows' own noise is taken out as for ``sd`` (``window_share``:
    each run's windows over its length squared). Only the runs with fitted work at the
    tier count (a phase whose steps skip it says nothing of its speed); NaN where fewer
    than :data:`MIN_SPARE_RUNS` of them are left beyond the parameters."""
    out = np.full(rates.shape[1], np.nan)
    for k in range(rates.shape[1]):
        rate = rates[:, k]
        working = rate > 0
        design = per_second[k][working][:, columns[:, k]]
        if constant[k]:
            design = np.column_stack([design, np.ones(int(working.sum()))])
        spare = int(working.sum()) - np.linalg.matrix_rank(design)
        if spare < MIN_SPARE_RUNS:
            continue
        left = np.eye(int(working.sum())) - design @ np.linalg.pinv(design)
        held = float(np.trace(left @ np.diag(rate[working] ** 2) @ left))
        noise = float(np.mean(window_share[working, k]) * window_variance[k])
        shared = (offset[working, k] ** 2).sum() - noise * spare
        out[k] = np.sqrt(max(shared, 0.0) / held) if held > 0 else np.nan
    return out


def fit(
    completions: np.ndarray,
    busy: np.ndarray,
    routes: np.ndarray | None = None,
    background: Background | None = None,
) -> Fit:
    """Non-negative least squares of each tier's busy time on the completions.

    ``routes`` (transactions x tiers, bool) limits each tier's fit to the
    transactions that visit it; the others' demands there are zero.
    ``background`` adds the windows' lengths as a column for the tiers it names
    (module docstring).
    """
    transactions, tiers = completions.shape[1], busy.shape[1]
    if routes is None:
        routes = np.ones((transactions, tiers), dtype=bool)
    demands = np.zeros((transactions, tiers))
    intercept = np.zeros(tiers)
    fitted_on = fitted_windows(background, busy.shape)
    for k in range(tiers):
        visits = routes[:, k]
        if background is not None and background.tiers[k]:
            used = fitted_on[:, k]
            design = np.column_stack([background.seconds, completions[:, visits]])
            solution, _ = nnls(design[used], busy[used, k])
            intercept[k], demands[visits, k] = solution[0], solution[1:]
        elif visits.any():
            demands[visits, k], _ = nnls(completions[:, visits], busy[:, k])
    residuals = busy - completions @ demands
    if background is not None:
        residuals -= np.outer(background.seconds, intercept)
        residuals[~fitted_on] = 0.0  # not fitted there: no residual
    total = np.sum((busy * fitted_on) ** 2, axis=0)
    r2 = 1.0 - np.sum(residuals**2, axis=0) / np.where(total > 0, total, 1.0)
    return Fit(demands, residuals, r2, intercept)


def bootstrap(
    completions: np.ndarray,
    busy: np.ndarray,
    rng: np.random.Generator,
    replicates: int = DEFAULT_REPLICATES,
    routes: np.ndarray | None = None,
    background: Background | None = None,
    noise: PhaseNoise | None = None,
) -> list[Fit]:
    """The fit repeated on windows drawn with replacement, ``replicates`` times; with
    ``noise``, each draw's runs moved by fresh offsets of the runs' variation."""
    windows = completions.shape[0]
    fits = []
    for _ in range(replicates):
        rows = np.asarray(rng.integers(0, windows, size=windows))
        drawn = None if background is None else background.rows(rows)
        moved = busy[rows] if noise is None else busy[rows] + noise.draw(rng, rows)
        fits.append(fit(completions[rows], moved, routes, drawn))
    return fits


def demand_draws(fits: list[Fit]) -> np.ndarray:
    """(replicates, transactions, tiers): the bootstrap's demands."""
    return np.stack([f.demands for f in fits])


def interval(draws: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval of the bootstrap replicates, per demand."""
    tail = 100 * (1 - level) / 2
    return np.percentile(draws, tail, axis=0), np.percentile(draws, 100 - tail, axis=0)


def condition_number(completions: np.ndarray) -> float:
    """Of the completions matrix with unit-norm columns (empty columns left out):
    large means some columns are nearly combinations of others."""
    norms = np.linalg.norm(completions, axis=0)
    used = completions[:, norms > 0] / norms[norms > 0]
    if used.shape[1] == 0:
        return float("inf")
    singular = np.linalg.svd(used, compute_uv=False)
    return float(singular[0] / singular[-1]) if singular[-1] > 0 else float("inf")
