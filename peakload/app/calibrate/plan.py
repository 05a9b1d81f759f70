"""``calibrate --plan``: run the designed phases until every major demand is precise.

The phases are :mod:`peakload.app.calibrate.design`'s: one flow prefix each,
sized to load the busiest tier without saturating it. The tour runs in rounds:

1. the first round runs every phase once, sized by the model's demands, scaled by
   how busy the phases before it measured each tier against their sizing
   (:meth:`Tour.prior_scale`: a model whose demands are twice the server's would
   otherwise run every phase at half its target);
2. after it, and after every later phase, the runs so far are estimated
   (:func:`peakload.app.calibrate.job.estimate_runs`), and the widest relative 95 %
   interval among the demands of the *major* transactions (those carrying at
   least ``major_share`` of the model's requests) is reported: the progress
   line shows it shrink;
3. while one is wider than ``precision``, the next round reruns the phases
   that isolate the imprecise demands (the phase that adds the transaction,
   and the one before it in its flow), sized by the estimates so far;
4. the tour stops when every major demand is precise, or before a phase
   would overrun ``plan_wall_s`` (its wall seconds are taken as the mean of
   the phases so far).

Every phase is an ordinary load test, written under the calibration's
directory (``plan/<phase>.toml`` and its run), against ``--host`` or the mock
(serving ``--serve-scenario`` when given). The tour's wall time goes to
measuring, not to starting things: one mock serves every phase (started with
the first, in ``plan/``; a phase reads its counters as differences over its
own window, as any run does), and a phase writes only what calibration reads
back (no report.html, plots or Locust reports). What each phase still pays
(Locust's start, its users' sign-in, its stop) belongs to its own Locust
process: its users live there, with the phase's plan, records and run directory.
"""

from __future__ import annotations

import math
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w

from loadtests.outages import MockSupervisor
from peakload.app.calibrate import design
from peakload.app.errors import JobError
from peakload.app.loadtest.job import LoadTestOptions, loadtest, scenario_requests, shared_mock
from peakload.contract.calibration import CalibrationReport, PlanDesign, PlanPhase
from peakload.contract.summary import Summary
from peakload.core.clock import format_clock
from peakload.core.scenario import Scenario
from peakload.measure.calibration.verdict import relative_half_width, worst_interval

START_S = 9 * 3600.0


@dataclass
class Tour:
    """What the tour has run so far."""

    phases: list[PlanPhase] = field(default_factory=list)
    runs: list[Path] = field(default_factory=list)
    worst: list[tuple[str, float]] = field(default_factory=list)
    report: CalibrationReport | None = None
    paced: dict[str, tuple[float, float]] = field(default_factory=dict)
    """Per measured tier, the utilization the phases sized on the model's demands were
    predicted at (on the model's own demands) and measured at, each summed
    (:meth:`prior_scale`)."""

    def record_pace(
        self, sizing: design.Sizing, scales: dict[str, float], measured: Summary
    ) -> None:
        """Add a phase sized on the model's demands times ``scales``: what its sizing
        predicted of each tier over the phase, its low-load start included, against
        what the run measured. The prediction is taken back to the model's own demands
        (divided by the scale it was sized with; a tier's utilization is about linear
        in its demand below the target), so that the ratio stays the model's against
        the server's however the phases before moved it. A tier the phase hardly loads
        (predicted under a tenth of the target) is left out: what it measured is mostly
        its background."""
        for tier, stats in measured.tiers.items():
            predicted = sizing.over_phase.get(tier)
            busy = stats.utilization
            if predicted is None or busy is None or not math.isfinite(busy) or busy < 0:
                continue
            if sizing.utilization.get(tier, 0.0) < design.TARGET_UTILIZATION / 10:
                continue
            was, got = self.paced.get(tier, (0.0, 0.0))
            self.paced[tier] = (was + predicted / scales.get(tier, 1.0), got + busy)

    def prior_scale(self, tier: str) -> float:
        """How much dearer (above 1) the tier's work measured than the model's demands
        said, over the phases so far: the first round sizes its next phase with the
        model's demands times this, until the tour's own estimates take over. On the
        real-work stack the model's demands were twice the stack's, and phases sized on
        them ran at half the target. The measurement also holds the tier's background,
        which leaves the scale a little high: phases err below the target. Bounded to
        [1/4, 4]: a phase's ratio is a rough figure."""
        predicted, measured = self.paced.get(tier, (0.0, 0.0))
        if not (predicted > 0 and measured > 0):
            return 1.0
        return min(max(measured / predicted, 0.25), 4.0)


def phase_scenario(
    model_path: Path, prefix: design.Prefix, users: int, wall_s: float
) -> dict[str, Any]:
    """The model's file with the workload replaced by one phase: ``users`` repeating
    ``prefix.steps``, :func:`~design.low_users` of them only over the first
    :data:`~design.RAMP_SHARE` of ``wall_s`` (the low-load windows)."""
    data = tomllib.loads(model_path.read_text())
    if data["scenario"].get("requests"):  # the request map stays the model's
        data["scenario"]["requests"] = str(
            (model_path.parent / data["scenario"]["requests"]).resolve()
        )
    end = START_S + math.ceil(wall_s)
    low = START_S + math.ceil(design.RAMP_SHARE * wall_s)
    ramp = low + 2
    start, stop = format_clock(START_S, with_seconds=True), format_clock(end, with_seconds=True)
    data["scenario"].update(
        {
            "description": f"calibrate --plan: phase {prefix.name} of {data['scenario']['name']}",
            "start": start,
            "end": stop,
            "window": [start, stop],
        }
    )
    workload = data["workload"]
    workload.update(
        {
            "kind": "closed",
            "concurrency": [
                [start, design.low_users(users)],
                [format_clock(low, with_seconds=True), design.low_users(users)],
                [format_clock(ramp, with_seconds=True), users],
                [stop, users],
            ],
            "think_time": {"dist": "exponential", "mean": design.THINK_S},
        }
    )
    workload.pop("rate", None)
    workload.pop("entry", None)
    for txn in data["transactions"]:
        txn.pop("weight", None)
    data["flows"] = [{"name": prefix.name, "weight": 1.0, "steps": list(prefix.steps)}]
    data.pop("failures", None)
    return data


def _sizing_demands(
    model: Scenario, report: CalibrationReport | None, scales: dict[str, float]
) -> dict:
    """The demands to size with: the estimates where the fit has them, else the model's
    times each tier's ``scales`` (:meth:`Tour.prior_scale`)."""
    demands = {
        name: {tier: mean * scales.get(tier, 1.0) for tier, mean in row.items()}
        for name, row in design.prior_demands(model).items()
    }
    if report is None:
        return demands
    for name, row in report.demands.items():
        for tier, found in row.items():
            if found.estimate > 0 and name in demands:
                demands[name][tier] = found.estimate
    for name, outside in report.outside.items():
        delay = next((t.name for t in model.tiers if t.is_delay), "outside")
        if name in demands and outside.estimate > 0:
            demands[name][delay] = outside.estimate
    return demands


def _rerun(prefixes: list[design.Prefix], imprecise: set[str]) -> list[design.Prefix]:
    """The phases that isolate the imprecise transactions, and the ones before them."""
    by_name = {p.name: p for p in prefixes}
    chosen: list[str] = []
    for prefix in prefixes:
        if prefix.isolates in imprecise:
            for name in (prefix.previous, prefix.name):
                if name is not None and name not in chosen:
                    chosen.append(name)
    return [by_name[n] for n in chosen] or prefixes


class TourMock:
    """The tour's one mock when calibrate serves it (no ``--host``): started for the
    first phase, lent to every phase, stopped when the tour ends, however it ends."""

    def __init__(self, serve: bool, where: Path):
        self.serve, self.where = serve, where
        self.mock: MockSupervisor | None = None

    def for_phase(self, phase: LoadTestOptions) -> MockSupervisor | None:
        if self.serve and self.mock is None:
            self.mock = shared_mock(phase, self.where)
        return self.mock

    def __enter__(self) -> TourMock:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.mock is not None:
            self.mock.stop()


def run_plan(
    options,
    model: Scenario,
    run_dir: Path,
    estimate: Callable[[list[Path]], CalibrationReport],
    progress: Callable[[str], None] | None = None,
) -> Tour:
    """Run the tour (see the module's doc); ``estimate`` turns run directories into a
    report without writing anything."""
    with TourMock(not options.host, run_dir / "plan") as mock:
        return _tour(options, model, run_dir, estimate, progress or (lambda _line: None), mock)


def _tour(
    options,
    model: Scenario,
    run_dir: Path,
    estimate: Callable[[list[Path]], CalibrationReport],
    say: Callable[[str], None],
    mock: TourMock,
) -> Tour:
    if options.host and options.serve_scenario_path:
        raise JobError("--serve-scenario needs the mock this starts; it cannot go with --host")
    plan_dir = run_dir / "plan"
    plan_dir.mkdir(parents=True, exist_ok=True)
    model_path = Path(options.scenario_path)
    prefixes = design.prefixes(model)
    major = design.major_transactions(model, options.major_share)
    phase_s = options.phase_s
    first_seed = model.scenario.seed if options.seed is None else options.seed
    tour = Tour()
    started = time.monotonic()
    say(
        f"plan: {len(prefixes)} phases (flow prefixes) of {phase_s:g} s, until every demand of "
        f"{', '.join(major)} is within ±{options.precision:.0%} or {options.plan_wall_s:g} s"
    )
    todo, round_ = list(prefixes), 1
    while True:
        for prefix in todo:
            spent = time.monotonic() - started
            per_phase = spent / len(tour.phases) if tour.phases else phase_s
            if tour.phases and spent + per_phase > options.plan_wall_s:
                say(f"plan: budget of {options.plan_wall_s:g} s spent ({spent:.0f} s)")
                if tour.report is None or len(tour.report.runs) < len(tour.runs):
                    tour.report = estimate(tour.runs)  # what the phases run so far give
                    tour.worst.append(worst_interval(tour.report.demands, major))
                return tour
            sized_on_priors = tour.report is None
            scales = {tier.name: tour.prior_scale(tier.name) for tier in model.tiers}
            sizing = design.size(model, prefix.steps, _sizing_demands(model, tour.report, scales))
            path = plan_dir / f"{len(tour.phases) + 1:02d}-{prefix.name}.toml"
            data = phase_scenario(model_path, prefix, sizing.users, phase_s)
            path.write_text(tomli_w.dumps(data))
            phase = LoadTestOptions(
                scenario_path=path,
                host=options.host,
                serve_scenario_path=options.serve_scenario_path,
                requests_path=options.requests_path or scenario_requests(model_path, model),
                compress=1.0,
                out=plan_dir,
                plots=False,
                reports=False,  # only what calibration reads
                busy_map_path=options.busy_map_path,
                seed=first_seed + len(tour.phases),  # each phase its own stream
            )
            done = loadtest(phase, mock=mock.for_phase(phase))
            tour.runs.append(done.run_dir)
            if sized_on_priors:
                tour.record_pace(sizing, scales, done.result.summary)
            tour.phases.append(
                PlanPhase(
                    name=prefix.name,
                    steps=list(prefix.steps),
                    isolates=prefix.isolates,
                    users=sizing.users,
                    think_s=design.THINK_S,
                    predicted_utilization=sizing.utilization,
                    round=round_,
                    run=str(done.run_dir),
                )
            )
            busiest = max(sizing.utilization, key=lambda tier: sizing.utilization[tier])
            line = (
                f"phase {len(tour.phases)} (round {round_}) {prefix.name}: {sizing.users} users, "
                f"{busiest} {sizing.utilization[busiest]:.0%} predicted"
            )
            if round_ > 1 or prefix is todo[-1]:
                tour.report = estimate(tour.runs)
                worst = worst_interval(tour.report.demands, major)
                tour.worst.append(worst)
                line += f"; widest interval {worst[0]} ±{worst[1]:.0%}"
            say(f"{line} ({time.monotonic() - started:.0f} s)")
            if tour.report is not None and round_ > 1 and tour.worst[-1][1] <= options.precision:
                break
        assert tour.report is not None  # the first round ends with an estimate
        imprecise = {
            name
            for name, row in tour.report.demands.items()
            if name in major
            for found in row.values()
            if relative_half_width(found) > options.precision
        }
        if not imprecise:
            return tour
        todo, round_ = _rerun(prefixes, imprecise), round_ + 1


def plan_design(tour: Tour, options, wall_s: float, precise: bool) -> PlanDesign:
    return PlanDesign(
        kind="flow prefixes",
        why=design.WHY,
        phases=tour.phases,
        precision=options.precision,
        major_share=options.major_share,
        budget_s=options.plan_wall_s,
        wall_s=wall_s,
        worst=tour.worst,
        precise=precise,
    )
