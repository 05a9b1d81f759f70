"""The ``calibrate`` job: service demands estimated from load-test runs.

1. Read each run directory (:mod:`peakload.app.calibrate.runs`); runs of
   different scenarios, or of transactions the model lacks, are refused.
2. Cut every run's measured window into windows of ``interval_s`` seconds at
   the tier samples, stack them, and estimate every demand
   (:mod:`peakload.measure.calibration.estimate`): utilization-law regression
   where busy time is known, low-load response times where not.
3. Estimate each transaction's time outside the tiers at low load
   (:mod:`peakload.app.calibrate.outside`), written as a delay tier.
4. Judge the result (:mod:`peakload.measure.calibration.verdict`): a demand of
   a major transaction (``major_share`` of the requests or more) left
   unidentified, unmeasured or at a bound makes the calibration
   *inconclusive*: the model is still written, marked not fit for prediction.
5. Write ``calibration.json``, ``<scenario>-calibrated.toml`` and the plot
   of estimate against prior.

With ``plan`` the runs are first made by :mod:`peakload.app.calibrate.plan`
(phases designed so every demand is identifiable, run until precise).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np

from loadtests.busy_sources import BusyMapError, load_busy_map
from peakload.app.calibrate.design import major_transactions
from peakload.app.calibrate.model import write_calibrated
from peakload.app.calibrate.options import CalibrateOptions, CalibrationRun
from peakload.app.calibrate.outside import outside_time
from peakload.app.calibrate.report_file import report_json
from peakload.app.calibrate.runs import RunData, read_run
from peakload.app.errors import JobError
from peakload.app.run_dir import new_run_dir
from peakload.contract.calibration import CalibrationReport
from peakload.core.scenario import LOGIN, Scenario
from peakload.core.scenario_file import load_scenario
from peakload.core.workload import ClosedWorkload
from peakload.measure.calibration import windows as windowing
from peakload.measure.calibration.estimate import deferred_pieces, estimate
from peakload.measure.calibration.verdict import inconclusive, worst_interval
from peakload.measure.stats import Outcome

MIN_WINDOWS_PER_RUN = 10
"""Windows a run given to calibrate must hold (and a ``--plan`` phase is sized for)."""
MIN_WINDOWS_PER_PHASE = 5
"""Windows a ``--plan`` phase must still hold when a busy machine spaced its tier
samples wider than designed (:func:`_windows`)."""


def _check_runs(model: Scenario, runs: list[RunData]) -> None:
    names = {r.scenario.name for r in runs}
    if len(names) > 1:
        first = runs[0]
        odd = next(r for r in runs if r.scenario.name != first.scenario.name)
        raise JobError(
            f"{odd.path}: a run of scenario '{odd.scenario.name}', but {first.path} ran "
            f"'{first.scenario.name}'; calibrate runs of one scenario at a time"
        )
    known = {t.name for t in model.transactions}
    for run in runs:
        extra = sorted({t.name for t in run.scenario.transactions} - known)
        if extra:
            raise JobError(f"{run.path}: transaction(s) {', '.join(extra)} not in the model")
        if run.series is not None:
            tiers = {t.name for t in model.tiers}
            unknown = sorted(set(run.series.tiers) - tiers)
            if unknown:
                raise JobError(f"{run.path}: tier(s) {', '.join(unknown)} not in the model")


def _windows(
    model: Scenario, runs: list[RunData], interval_s: float, planned: bool = False
) -> tuple[windowing.Windows, list[str]]:
    """The runs' windows stacked, and a warning per planned phase that came out short.

    A run given by the user needs :data:`MIN_WINDOWS_PER_RUN` windows: fewer means it
    is too short for ``interval_s``, and the fix is the user's. A phase of ``--plan`` was
    sized for that many (its length is checked before the tour starts); it can still
    come out short when the machine is busy, since a window's edges are the tier
    samples and a starved sampler spaces them wider (3 s and more apart in CI, beside
    make test). Its windows are as good as any, only fewer, and the bootstrap's
    intervals already count them, so such a phase is kept with a warning, down to
    :data:`MIN_WINDOWS_PER_PHASE`; below that it measured too little to be kept
    silently, and the tour stops naming it."""
    names = [t.name for t in model.transactions]
    with_busy = all(r.series is not None for r in runs)
    least = MIN_WINDOWS_PER_PHASE if planned else MIN_WINDOWS_PER_RUN
    parts, warnings = [], []
    for i, run in enumerate(runs):
        part = windowing.cut(
            run.requests, names, run.span, interval_s, run.series if with_busy else None, run=i
        )
        if len(part) < least:
            raise JobError(
                f"{run.path}: {len(part)} window(s) of {interval_s:g} s in its measured window, "
                f"need {least}: run longer or pass a shorter --interval"
            )
        if len(part) < MIN_WINDOWS_PER_RUN:
            width = float(np.median(part.end - part.start))
            warnings.append(
                f"{run.path.name}: {len(part)} windows of {width:.1f} s where the phase "
                f"was sized for at least {MIN_WINDOWS_PER_RUN} of {interval_s:g} s (its tier "
                "samples came further apart: a busy machine); its windows are kept"
            )
        parts.append(part)
    stacked = windowing.stack(parts)
    pieces = [(p.transaction, p.after_s) for p in deferred_pieces(model)]
    if pieces and stacked.busy is not None:
        due = windowing.deferred_counts(stacked, [r.requests for r in runs], pieces)
        stacked = replace(stacked, later=due)
    seen = int(np.count_nonzero(stacked.completions.sum(axis=0)))
    if stacked.later is not None:  # each piece of deferred work due in the windows: a column
        seen += int(np.count_nonzero(stacked.later.sum(axis=0)))
    if len(stacked) < seen + MIN_WINDOWS_PER_RUN:
        raise JobError(
            f"{runs[-1].path}: {len(stacked)} windows for {seen} transactions (and pieces of "
            "deferred work) in all runs, "
            f"need {seen + MIN_WINDOWS_PER_RUN}: add runs or run longer"
        )
    return stacked, warnings


def _users(runs: list[RunData], win: windowing.Windows) -> np.ndarray:
    """The generator's users at each window's middle (its run's shape samples)."""
    users = np.zeros(len(win))
    middle = (win.start + win.end) / 2
    for i, run in enumerate(runs):
        mine = win.run == i
        if run.users is not None and len(run.users[0]):
            users[mine] = np.interp(middle[mine], run.users[0], run.users[1])
    return users


def _model_mix(model: Scenario) -> dict[str, float]:
    steps: dict[str, float] = {}
    total = sum(f.weight * len(f.steps) for f in model.flow_list)
    for flow in model.flow_list:
        for step in flow.steps:
            steps[step] = steps.get(step, 0.0) + flow.weight / total
    return steps


def _workload(model: Scenario, runs: list[RunData], win: windowing.Windows) -> tuple[dict, dict]:
    """Observed mix (share of requests other than sign-ins) and think time beside the model's."""
    counts = win.completions.sum(axis=0)
    work = {n: c for n, c in zip(win.transactions, counts, strict=True) if n != LOGIN}
    total = sum(work.values()) or 1.0
    model_mix = _model_mix(model)
    mix = {
        name: {"observed": work[name] / total, "model": model_mix.get(name, 0.0)} for name in work
    }
    think = []
    for run in runs:
        lo, hi = run.span
        r = run.requests
        inside = (r.end >= lo) & (r.end < hi) & (r.outcome == Outcome.OK)
        if not inside.any() or not np.isfinite(run.mean_users):
            continue
        rate = inside.sum() / (hi - lo)
        # a virtual user's cycle is user_scale x a scenario user's (Plan.scaled_think)
        z = run.mean_users / rate / run.user_scale - r.response[inside].mean()
        think.append((z, inside.sum()))
    observed = float(sum(z * n for z, n in think) / sum(n for _, n in think)) if think else None
    workload = model.workload
    tt = workload.think_time if isinstance(workload, ClosedWorkload) else None  # open: none
    return mix, {"observed": observed, "model": None if tt is None else float(tt.mean)}


def estimate_runs(
    options: CalibrateOptions, model: Scenario, run_paths: list[Path]
) -> CalibrationReport:
    """The calibration of ``run_paths``, judged, without writing anything."""
    if not run_paths:
        raise JobError("no run given: name load-test run directories, or use --plan")
    busy_map = None
    if options.busy_map_path is not None:
        try:
            busy_map = load_busy_map(options.busy_map_path, [t.name for t in model.tiers])
        except BusyMapError as exc:
            raise JobError(str(exc)) from None
    runs = [read_run(p, busy_map) for p in run_paths]
    _check_runs(model, runs)
    win, short = _windows(model, runs, options.window_s, planned=options.plan)
    rng = np.random.default_rng(model.scenario.seed if options.seed is None else options.seed)
    users = _users(runs, win)
    found = estimate(win, model, [r.requests for r in runs], rng, options.replicates, users)
    mix, think = _workload(model, runs, win)
    outside = outside_time(
        win,
        model,
        [r.requests for r in runs],
        found.demands,
        users,
        rng,
        options.replicates,
        found.noise,
        found.design,
        found.fit,
    )
    unfit = inconclusive(
        found.demands, major_transactions(model, options.major_share), planned=options.plan
    )
    return CalibrationReport(
        scenario=model.name,
        method=found.method,
        runs=[str(p) for p in run_paths],
        window_s=options.window_s,
        windows=len(win),
        demands=found.demands,
        deferred=found.deferred,
        fit=found.fit,
        mix=mix,
        think_time_s=think,
        warnings=[*short, *found.warnings],
        outside=outside.estimates,
        spread=outside.spread,
        joint_draws=outside.joint_draws,
        fit_for_prediction=not unfit,
        inconclusive=unfit,
    )


def calibrate_runs(
    options: CalibrateOptions,
    run_paths: list[Path],
    run_dir: Path | None = None,
    report: CalibrationReport | None = None,
) -> CalibrationRun:
    """Estimate (unless ``report`` is that estimate already) and write the results."""
    model = load_scenario(options.scenario_path)
    report = report or estimate_runs(options, model, run_paths)
    run_dir = run_dir or new_run_dir(options.out, "calibration", model.name)
    (run_dir / "calibration.json").write_text(report_json(report))
    calibrated = write_calibrated(
        Path(options.scenario_path),
        report,
        run_dir / f"{Path(options.scenario_path).stem}-calibrated.toml",
        [str(p) for p in run_paths],
        shapes=options.demand_spread,
    )
    load_scenario(calibrated)  # what we write must load: a bug here is not the user's
    if options.plots:
        from peakload.app.calibrate.plot import plot_calibration

        plot_calibration(report, run_dir / "calibration.png")
    return CalibrationRun(run_dir, report, calibrated, list(run_paths))


def calibrate(
    options: CalibrateOptions, progress: Callable[[str], None] | None = None
) -> CalibrationRun:
    """Calibrate from ``options.runs``, or from runs ``options.plan`` designs and makes."""
    if not options.plan:
        if options.serve_scenario_path or options.host:
            raise JobError("--serve-scenario and --host go with --plan (runs are given)")
        return calibrate_runs(options, [Path(p) for p in options.runs])
    if options.runs:
        raise JobError("--plan makes its own runs: give either RUN directories or --plan")
    from peakload.app.calibrate.plan import plan_design, run_plan

    if options.phase_s < MIN_WINDOWS_PER_RUN * options.window_s:
        raise JobError(
            f"--phase-seconds {options.phase_s:g} holds fewer than {MIN_WINDOWS_PER_RUN} "
            f"windows of {options.window_s:g} s: give at least "
            f"{MIN_WINDOWS_PER_RUN * options.window_s:g}, or a shorter --interval"
        )
    model = load_scenario(options.scenario_path)
    run_dir = new_run_dir(options.out, "calibration", model.name)
    started = time.monotonic()
    tour = run_plan(
        options, model, run_dir, lambda paths: estimate_runs(options, model, paths), progress
    )
    assert tour.report is not None  # the first round always ends with an estimate
    worst = worst_interval(tour.report.demands, major_transactions(model, options.major_share))
    design = plan_design(tour, options, time.monotonic() - started, worst[1] <= options.precision)
    report = tour.report.model_copy(update={"design": design})
    if not design.precise:
        report = report.model_copy(
            update={
                "warnings": [
                    *report.warnings,
                    f"the widest interval of a major demand, {worst[0]}, is ±{worst[1]:.0%} "
                    f"(wanted ±{options.precision:.0%}) when the {options.plan_wall_s:g} s "
                    "budget ran out: a longer --plan-seconds narrows it",
                ]
            }
        )
    return calibrate_runs(options, tour.runs, run_dir, report)
