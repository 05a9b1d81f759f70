"""``validate``'s failure drill: the model's ``[[failures]]`` predicted and measured.

The plateaus (:mod:`peakload.app.validate.plateau`) drop ``[[failures]]`` so that each
level measures one steady load. When the model has failures, ``validate``
runs one more experiment after its levels: **the scenario's own day and
window, failures kept**, as a load test against the mock, which applies each
drill on the scenario clock (:mod:`mock_server.drills`), and predicted by the
simulation of that very plan (``R`` replications, as a level is). The drill's
rows (:mod:`peakload.measure.drills`) count in the verdict like any other.

The compression: :data:`~peakload.app.defaults.DRILL_COMPRESS`, or the one that
fits the run (its start to the window's end) into
:data:`~peakload.app.loadtest.job.DEFAULT_WALL_S` wall seconds when that is higher:
ci-smoke's 09:00-09:15 at x8 is 113 wall seconds (a 75 s window, its 6-minute
drill 45 s); the April peak, 07:00-11:00, runs at x48. The user scale is the
levels'. ``validation.json`` states both.

The drill is the experiment's act, not a property of the system: with
``--serve-scenario`` the mock serves a copy of the truth with the model's
``[[failures]]`` in place of its own (written into the run directory). With
``--host`` there is no drill to run: validate can fail an instance only of
the mock it starts, and says it skipped the drill. ``--no-drills`` skips it too.
"""

from __future__ import annotations

import tomllib
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import tomli_w

from loadtests.run_files import run_timebase
from peakload.app import defaults
from peakload.app.loadtest.job import LoadTestOptions, LoadTestRun, plan_for
from peakload.app.simulate.job import SimulationRun
from peakload.app.validate.run import DrillPlan, DrillResult, ValidateOptions
from peakload.core.clock import format_clock
from peakload.core.plan import Plan
from peakload.core.scenario import Scenario
from peakload.core.scenario_file import load_scenario
from peakload.measure.calibration import tier_file
from peakload.measure.drills import compare_drills, drill_batches, measured_drills, predicted_drills
from peakload.measure.validation import Bounds


def plan_drill(
    options: ValidateOptions, model: Scenario, scale: float, run_dir: Path
) -> DrillPlan | str | None:
    """The drill to run; a sentence saying why it is skipped; or None when the model
    has no ``[[failures]]``."""
    if not model.failures:
        return None
    if not options.drills:
        return "skipped: --no-drills"
    if options.host:
        return "skipped: --host (validate can fail an instance only of the mock it starts)"
    window = model.scenario.window
    lo, hi = model.window_s or (model.start_s, model.end_s)
    if not any(f.start_s < hi and f.end_s > lo for f in model.failures):
        return f"skipped: no [[failures]] overlaps the window {format_clock(lo)}-{format_clock(hi)}"
    served = None
    if options.serve_scenario_path is not None:
        served = truth_with_drills(options.scenario_path, options.serve_scenario_path, run_dir)
    loadtest_options = LoadTestOptions(
        scenario_path=options.scenario_path,
        serve_scenario_path=served,
        compress=None,
        user_scale=scale,
        window=window,
        seed=options.seed,
        out=run_dir,
        plots=options.plots,
    )
    fitted = plan_for(loadtest_options).compress
    loadtest_options = replace(loadtest_options, compress=max(defaults.DRILL_COMPRESS, fitted))
    return DrillPlan(loadtest_options, plan_for(loadtest_options))


def truth_with_drills(model_path: str | Path, truth_path: str | Path, run_dir: Path) -> Path:
    """A copy of the truth with the model's ``[[failures]]`` (the drill acts on the
    system the mock emulates), written into ``run_dir``."""
    failures = tomllib.loads(Path(model_path).read_text())["failures"]
    return _truth_copy(truth_path, failures, run_dir, "drill", f"the [[failures]] of {model_path}")


def steady_truth(truth_path: str | Path, run_dir: Path) -> Path:
    """The truth the mock serves during the levels: without its own ``[[failures]]``,
    as the model's plateaus are (a level measures one steady load); the truth itself
    when it has none."""
    if "failures" not in tomllib.loads(Path(truth_path).read_text()):
        return Path(truth_path)
    return _truth_copy(truth_path, None, run_dir, "steady", "its [[failures]] dropped")


def _truth_copy(
    truth_path: str | Path, failures: list[Any] | None, run_dir: Path, suffix: str, what: str
) -> Path:
    truth = tomllib.loads(Path(truth_path).read_text())
    truth.pop("failures", None)
    if failures is not None:
        truth["failures"] = failures
    name = truth.get("scenario", {}).get("name", Path(truth_path).stem)
    path = run_dir / f"{name}-{suffix}.toml"
    path.write_text(
        f"# Derived by peakload validate: {truth_path}, {what}.\n" + tomli_w.dumps(truth)
    )
    load_scenario(path)  # a truth without the drill's tier fails here, naming the key
    return path


def compare_drill(
    drill: DrillPlan, simulation: SimulationRun, measured: LoadTestRun, bounds: Bounds
) -> DrillResult:
    """The drill's rows: the simulation's replications against the load test."""
    predicted = predicted_drills([r.to_dict() for r in simulation.result.replications])
    summary = measured.summary.to_dict()
    batches = measured_drill_batches(measured, drill.plan, summary)
    rows = compare_drills(predicted, measured_drills(summary, batches), bounds)
    return DrillResult(drill.plan, simulation, measured, rows)


def measured_drill_batches(
    measured: LoadTestRun, plan: Plan, summary: dict[str, Any]
) -> dict[str, dict[str, dict[str, list[float]]]]:
    """Batch values of each drill's figures from the server's counters in
    ``tiers.csv``, their wall times put on the scenario clock as the summary's are."""
    path = measured.run_dir / tier_file.FILENAME
    if not path.is_file() or not summary.get("drills"):
        return {}
    timebase = run_timebase(measured.run_dir, plan)
    window = tuple(summary["window_s"])
    out = {}
    for failure in plan.scenario.failures:
        key = failure.key
        counters = tier_file.read_counters(path, failure.tier)
        if key not in summary["drills"] or not len(counters["wall"]):
            continue
        clock = np.asarray(timebase.clock(counters["wall"]), dtype=float)
        out[key] = drill_batches(
            clock, counters, window, (failure.start_s, failure.end_s), plan.compress
        )
    return out
