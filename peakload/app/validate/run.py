"""What a validation is made of, as types: its options, its plan, its results.

``validate`` (:mod:`peakload.app.validate.job`) plans and runs the levels, its drill
(:mod:`peakload.app.validate.drill`) plans and compares the failure drill, and the
writers (:mod:`~peakload.app.validate.document`, :mod:`~peakload.app.validate.table`,
:mod:`~peakload.app.validate.charts`, :mod:`~peakload.app.validate.page`) write what
they found. All of them speak of the same few things, defined here, below them all, so
that none imports another for a type.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from peakload.app import defaults
from peakload.app.loadtest.job import DEFAULT_WALL_S, LoadTestOptions, LoadTestRun
from peakload.app.simulate.job import SimulationRun
from peakload.app.validate.plateau import Plateau
from peakload.contract.validation import DrillRecord, LevelRecord
from peakload.core.plan import Plan
from peakload.measure.drills import wait_ratios
from peakload.measure.validation import Bounds, Row, ValidationVerdict, failing_metrics, verdict


@dataclass(frozen=True)
class ValidateOptions:
    """The flags of ``peakload validate``. ``user_scale`` None: at most
    :data:`~peakload.app.validate.plateau.MAX_VIRTUAL_USERS` virtual users at the peak."""

    scenario_path: str | Path
    serve_scenario_path: str | Path | None = None
    levels: tuple[float, ...] = defaults.VALIDATE_LEVELS
    host: str | None = None
    busy_map_path: str | Path | None = None
    """``--busy-time``: each tier's busy seconds from a real system (its processes,
    Prometheus, CSV), so a ``host`` that is not our mock has tier utilizations."""
    requests_path: str | Path | None = None
    """What the users send (``--requests``/``--tasks``); default: the scenario's."""
    replications: int = 3
    out: str | Path = "results"
    bounds_path: str | Path | None = None
    min_requests: int = defaults.VALIDATE_MIN_REQUESTS
    warmup_s: float = defaults.VALIDATE_WARMUP_S
    user_scale: float | None = None
    seed: int | None = None
    jobs: int | None = None
    plots: bool = True
    drills: bool = True
    """Run the model's ``[[failures]]`` drill after the levels (``--no-drills``: don't)."""
    max_minutes: float = defaults.VALIDATE_MAX_MINUTES
    """The validation's wall budget: plateaus are lengthened within it (``--max-minutes``)."""
    min_window_s: float = defaults.VALIDATE_MIN_WINDOW_S
    """Wall seconds each window lasts at least (``--min-window``)."""
    predict_seconds: float = defaults.VALIDATE_PREDICT_SECONDS
    """Wall seconds of replications a level's prediction may take (``--predict-seconds``)."""
    calibration_path: str | Path | None = None
    """``--calibration``: the model's calibration.json (default: the one beside the
    model, if any; ``none``: take the demands as exact)."""


@dataclass(frozen=True)
class DrillPlan:
    """The drill experiment, planned: the load test's options and its plan."""

    options: LoadTestOptions
    plan: Plan


@dataclass
class DrillResult:
    """The drill, run and compared."""

    plan: Plan
    simulation: SimulationRun
    measurement: LoadTestRun
    rows: list[Row]

    def record(self) -> DrillRecord:
        """The drill as ``validation.json`` holds it."""
        plan, measured = self.plan, self.measurement.summary
        return DrillRecord(
            scenario=str(plan.scenario_path),
            failures=[f.label for f in plan.scenario.failures],
            plan={
                **plan.summary_section(),
                "compression_rule": (
                    f"x{defaults.DRILL_COMPRESS:g}, or the compression that fits the run into "
                    f"{DEFAULT_WALL_S:g} wall s when that is higher"
                ),
                "window": measured.window,
            },
            served_scenario=measured.served_scenario,
            measured_requests=measured.overall.requests if measured.overall else 0,
            simulation=str(self.simulation.run_dir),
            loadtest=str(self.measurement.run_dir),
            generator_saturated=bool(measured.generator and measured.generator.saturated),
            wait_inside_over_outside=wait_ratios(self.rows),
            passed=not any(r.failed for r in self.rows),
            rows=[r.record() for r in self.rows],
        )


@dataclass
class Planned:
    """Every experiment of a validation, planned: the levels, then the drill (its
    plan, why it is skipped, or None when the model has no failures)."""

    levels: list[tuple[Plateau, Plan]]
    drill: DrillPlan | str | None = None

    @property
    def seconds(self) -> float:
        """Wall seconds of load testing in all."""
        drill = self.drill
        levels = sum(p.setup_s + p.wall_duration_s for _, p in self.levels)
        if not isinstance(drill, DrillPlan):
            return levels
        return levels + drill.plan.setup_s + drill.plan.wall_duration_s


@dataclass(frozen=True)
class Undecided:
    """A row that matters and is not decisive, and the plateau that would decide it."""

    level: float
    metric: str
    needed_window_s: float
    """Wall seconds of measured window the row needs (``inf``: no estimate; NaN: none
    would do, the prediction alone is too wide)."""

    def label(self) -> str:
        window = self.needed_window_s
        if math.isnan(window):
            length = (
                "a more precise prediction: its interval alone is too wide "
                "(more replications, or a longer calibration)"
            )
        elif math.isfinite(window) and window < 90:
            length = f"a {window:.0f}-second window"
        elif math.isfinite(window):
            length = f"a {window / 60:.0f}-minute window"
        else:
            length = "more data"
        return f"{self.metric}@{self.level:g} ({length})"


@dataclass
class LevelResult:
    plateau: Plateau
    plan: Plan
    simulation: SimulationRun
    measurement: LoadTestRun
    rows: list[Row]
    missing: list[str] = field(default_factory=list)
    """Rows that matter but could not be compared (too few requests in the window)."""
    pilot: LoadTestRun | None = None
    """The pilot load test that sized this plateau, when the plateau is not the pilot
    (its window is pooled with the plateau's: :mod:`peakload.app.validate.level_measurement`)."""
    pilot_plan: Plan | None = None
    requests: int = 0
    """Requests measured in the level's window(s): the pilot's and the plateau's, pooled."""
    drawn_share: float = 0.0
    """The share of those whose answer said the demand it drew (its means controlled)."""
    needed: dict[str, float] = field(default_factory=dict)
    """metric -> wall seconds of window each undecided row that matters needs."""

    @property
    def window_s(self) -> float:
        """Wall seconds of window measured: the plateau's, and the pilot's pooled with it."""
        window = self.plateau.window_s
        if self.pilot_plan is not None:
            lo, hi = self.pilot_plan.measure_window_s
            window += (hi - lo) / self.pilot_plan.compress
        return window

    @property
    def undecided(self) -> list[Undecided]:
        level = self.plateau.level
        out = [
            Undecided(level, r.metric, self.needed.get(r.metric, math.inf))
            for r in self.rows
            if r.matters and not r.decisive and not r.failed
        ]
        return out + [Undecided(level, m, self.needed.get(m, math.inf)) for m in self.missing]

    def record(self) -> LevelRecord:
        """The level as ``validation.json`` holds it."""
        measured = self.measurement.summary
        return LevelRecord(
            level=self.plateau.level,
            load=self.plateau.load,
            scenario=str(self.plateau.path),
            plan={
                **self.plan.summary_section(),
                "warmup_s": self.plateau.warmup_s,
                "window_s": self.plateau.window_s,
                "window": measured.window,
            },
            planned_requests_rps=self.plateau.expected_rps,
            measured_requests=self.requests,
            simulation=str(self.simulation.run_dir),
            loadtest=str(self.measurement.run_dir),
            generator_saturated=bool(measured.generator and measured.generator.saturated),
            passed=not any(r.failed for r in self.rows),
            rows=[r.record() for r in self.rows],
            replications=len(self.simulation.result.replications),
            pilot=str(self.pilot.run_dir) if self.pilot else None,
            undecided={u.metric: u.needed_window_s for u in self.undecided},
        )


@dataclass
class ValidationRun:
    """A finished validation: where it was written and what agreed."""

    run_dir: Path
    bounds: Bounds
    levels: list[LevelResult] = field(default_factory=list)
    drill: DrillResult | None = None
    drill_skipped: str | None = None
    calibration: Path | None = None
    """The calibration.json whose demands' intervals widened the predictions."""
    min_window_s: float = defaults.VALIDATE_MIN_WINDOW_S
    """``--min-window``: what a sized plateau adds at the least."""

    @property
    def level_rows(self) -> list[Row]:
        return [r for level in self.levels for r in level.rows]

    @property
    def rows(self) -> list[Row]:
        """Every judged row: the levels', then the drill's."""
        return self.level_rows + (self.drill.rows if self.drill else [])

    @property
    def failing(self) -> list[str]:
        return failing_metrics(self.rows)

    @property
    def undecided(self) -> list[Undecided]:
        """The rows that matter and are not decisive, at every level."""
        return [u for level in self.levels for u in level.undecided]

    @property
    def verdict(self) -> ValidationVerdict:
        """FAIL when a row disagrees; INCONCLUSIVE when a row that matters is not
        decisive (or missing); PASS otherwise."""
        if not self.levels:
            return ValidationVerdict.FAIL
        judged = verdict(self.rows)
        if judged is ValidationVerdict.PASS and self.undecided:
            return ValidationVerdict.INCONCLUSIVE
        return judged

    @property
    def passed(self) -> bool:
        return self.verdict is ValidationVerdict.PASS
