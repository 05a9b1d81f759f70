"""Reading a load test's run directory for calibration, offline.

A run directory holds what ``calibrate`` needs: the scenario the users
followed (``scenario.toml``), the client's per-request records
(``raw/requests-*.npz``), what the shape had (``raw/shape.npz``), the plan
and window (``summary.json``) and, where the server's busy time was known,
the tiers' per-second samples (``tiers.csv``). Anything missing or unusable
is a :class:`JobError` naming the run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from loadtests.busy_sources import BusyMap, BusyMapError, read_csv
from loadtests.run_files import RawRunError, read_raw
from peakload.app.errors import JobError
from peakload.core.clock import parse_clock
from peakload.core.scenario import Scenario
from peakload.core.scenario_file import ScenarioError, load_scenario
from peakload.measure.calibration import tier_file
from peakload.measure.calibration.windows import Requests, TierSeries
from peakload.measure.observations import Timebase


@dataclass(frozen=True)
class RunData:
    path: Path
    scenario: Scenario
    requests: Requests
    series: TierSeries | None
    span: tuple[float, float]
    """The measured window, in wall epochs."""
    mean_users: float
    """Virtual users present in the window, on average."""
    user_scale: float
    users: tuple[np.ndarray, np.ndarray] | None = None
    """(wall epochs, virtual users working) as the shape sampled them: the load the
    generator applied, whatever the service did with it."""


def _with_csv(series: TierSeries | None, busy_map: BusyMap, shape_wall: np.ndarray) -> TierSeries:
    """The run's tier series with the mapping's CSV tiers added (or replaced)."""
    wall = series.wall if series is not None else shape_wall
    busy = dict(series.busy_s) if series is not None else {}
    for tier, source in busy_map.csv.items():
        times, counter = read_csv(tier, source)
        busy[tier] = np.interp(wall, times, counter)
    return TierSeries(wall=wall, busy_s=busy)


def read_run(path: str | Path, busy_map: BusyMap | None = None) -> RunData:
    """One run directory; ``busy_map``'s CSV tiers are read in (calibration offline)."""
    run = Path(path)
    if not (run / "summary.json").is_file():
        raise JobError(f"{run}: not a run directory (no summary.json)")
    summary = json.loads((run / "summary.json").read_text())
    if summary.get("kind") != "loadtest":
        raise JobError(f"{run}: a {summary.get('kind')} run; calibrate needs load-test runs")
    try:
        scenario = load_scenario(run / "scenario.toml")
    except (ScenarioError, OSError) as exc:
        raise JobError(f"{run}: its scenario.toml cannot be read: {exc}") from None
    try:
        raw = read_raw(run)
    except RawRunError as exc:
        raise JobError(str(exc)) from None
    records, shape = raw.records, raw.shape  # shape["users"]: the users that worked
    requests = Requests(
        end=records["end"],
        response=records["response"],
        transaction=records["transaction"].astype(int),
        outcome=records["outcome"],
        names=[t.name for t in scenario.transactions],
        demand_deviation=records["demand_deviation"],
    )
    plan = summary["plan"]
    timebase = Timebase(plan["compress"], parse_clock(plan["run"][0]), raw.origin)
    w0, w1 = summary["window_s"]
    span = (timebase.wall(w0), min(timebase.wall(w1), raw.origin + plan["wall_duration_s"]))
    in_window = (shape["wall"] >= span[0]) & (shape["wall"] < span[1])
    users = float(shape["users"][in_window].mean()) if in_window.any() else float("nan")
    series = None
    if (run / tier_file.FILENAME).is_file():
        try:
            series = tier_file.read(run / tier_file.FILENAME)
        except tier_file.TierFileError as exc:
            raise JobError(str(exc)) from None
    if busy_map is not None and busy_map.csv:
        try:
            series = _with_csv(series, busy_map, shape["wall"])
        except BusyMapError as exc:
            raise JobError(str(exc)) from None
    if series is None and not np.any(requests.outcome == 0):
        raise JobError(f"{run}: no tier data and no successful response to estimate from")
    return RunData(
        run,
        scenario,
        requests,
        series,
        span,
        users,
        float(plan["user_scale"]),
        (np.asarray(shape["wall"], dtype=float), np.asarray(shape["users"], dtype=float)),
    )
