"""What a calibration is asked and what it gives back: the flags of ``peakload calibrate``
(:class:`CalibrateOptions`) and the run it leaves (:class:`CalibrationRun`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from peakload.app import defaults
from peakload.contract.calibration import CalibrationReport


@dataclass(frozen=True)
class CalibrateOptions:
    """The flags of ``peakload calibrate``.

    ``runs`` are load-test run directories. With ``plan`` they are made here:
    the phases of :mod:`peakload.app.calibrate.design` against the mock
    (serving ``serve_scenario_path`` when given) or ``host``, run until every
    major demand is within ``precision`` or ``plan_wall_s`` is spent.
    """

    scenario_path: str | Path
    runs: tuple[str | Path, ...] = ()
    out: str | Path = "results"
    interval_s: float | None = None
    """Window length; None: :data:`~defaults.CALIBRATE_INTERVAL_S`, or
    :data:`~defaults.CALIBRATE_PLAN_INTERVAL_S` with ``plan``."""
    replicates: int = defaults.CALIBRATE_REPLICATES
    seed: int | None = None
    plots: bool = True
    plan: bool = False
    serve_scenario_path: str | Path | None = None
    host: str | None = None
    requests_path: str | Path | None = None
    """What the planned load tests send (``--requests``/``--tasks``); default: the scenario's."""
    plan_wall_s: float = defaults.CALIBRATE_PLAN_WALL_S
    """With ``plan``: wall seconds the tour may spend at most (it stops once precise)."""
    phase_s: float = defaults.CALIBRATE_PHASE_S
    """With ``plan``: wall seconds of each phase."""
    precision: float = defaults.CALIBRATE_PRECISION
    """With ``plan``: the relative 95 % half-width every major demand must reach."""
    major_share: float = defaults.CALIBRATE_MAJOR_SHARE
    busy_map_path: str | Path | None = None
    """Tiers' busy time of a real system (loadtests.busy_sources): CSV sources are read
    offline; with --plan the load tests also sample its Prometheus sources."""
    demand_spread: bool = True
    """The calibrated demands take the spread their responses show at low load
    (``--demand-spread responses``); False keeps the priors' shapes."""

    @property
    def window_s(self) -> float:
        if self.interval_s is not None:
            return self.interval_s
        return defaults.CALIBRATE_PLAN_INTERVAL_S if self.plan else defaults.CALIBRATE_INTERVAL_S


@dataclass
class CalibrationRun:
    """A finished calibration: its run directory, ``calibration.json``'s report, the
    calibrated model's path and the load-test runs it read (made, with ``plan``)."""

    run_dir: Path
    report: CalibrationReport
    calibrated_path: Path
    runs: list[Path] = field(default_factory=list)
