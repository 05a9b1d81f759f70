"""The experiments of ``validate``: one plateau scenario per load level.

A level is a fraction of the scenario's peak (users for a closed workload,
requests/s for an open one) held flat, so the window measures one load and
nothing of a ramp. The derived scenario is the model's file with only its
``[scenario]`` clocks and its workload profile replaced (and its
``[[failures]]`` dropped: the drill is an experiment of its own,
:mod:`peakload.app.validate.drill`), written into the output directory so the
experiment can be rerun or simulated again by hand.

How long: the window must hold at least ``min_requests`` requests at the
level's no-queueing rate (users / (think + the mean demand of a request)),
and last at least ``min_window_s`` wall seconds (``--min-window``, at least
:data:`MIN_BATCHES` scenario-clock minutes); before it, a warm-up of
``warmup_s``. The plateau runs at :data:`COMPRESS` so that one scenario-clock
minute (a row of the load test's series, a bin of its batch means) is
``60 / COMPRESS`` wall seconds; with a flat profile compression changes
nothing else.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from pathlib import Path

import tomli_w

from peakload.app import defaults
from peakload.core.clock import format_clock, parse_clock
from peakload.core.scenario import Scenario
from peakload.core.scenario_file import load_scenario

COMPRESS = 10.0
"""Scenario-clock seconds per wall second on a plateau."""
PLATEAU_START = "09:00"
MIN_BATCHES = 3
"""Scenario-clock minutes a window holds at the least, whatever ``--min-window`` asks: one
batch mean each, and an interval needs a few."""
MAX_VIRTUAL_USERS = 1300
"""Default user scale: at most this many virtual users at the peak level (the
generator and the mock then hold as many connections as ``make loadtest``)."""


@dataclass(frozen=True)
class Plateau:
    """One level's experiment: its scenario file and how long it lasts."""

    level: float
    load: float  # users (closed) or requests/s (open), in scenario units
    path: Path
    warmup_s: float  # wall seconds
    window_s: float  # wall seconds
    expected_rps: float  # the planning estimate (no queueing), per wall second


def default_user_scale(scenario: Scenario) -> float:
    if scenario.workload.kind == "open":
        return 1.0
    return min(1.0, MAX_VIRTUAL_USERS / scenario.workload.profile.peak)


def mean_demand_s(scenario: Scenario) -> float:
    """The mean service demand of one request over every tier, weighted by the mix."""
    shares = scenario.step_shares()
    total = sum(shares.values())
    return sum(
        share / total * sum(d.mean for d in scenario.transaction(name).demand.values())
        for name, share in shares.items()
    )


def expected_rps(scenario: Scenario, load: float, user_scale: float) -> float:
    """Requests per wall second at ``load`` if nothing queued."""
    if scenario.workload.kind == "open":
        return load * user_scale
    think = scenario.workload.think_time
    assert think is not None
    # user_scale x the users, each with a cycle user_scale x as long (Plan.scaled_think)
    return load / (think.mean + mean_demand_s(scenario))


def shortest_window(min_window_s: float) -> float:
    """The least wall seconds a window lasts: ``--min-window``, raised to
    :data:`MIN_BATCHES` scenario-clock minutes and rounded up to whole ones."""
    return _whole_minutes(max(min_window_s, MIN_BATCHES * 60.0 / COMPRESS))


def _whole_minutes(wall_s: float) -> float:
    """Round a wall length up to whole scenario-clock minutes at :data:`COMPRESS`."""
    step = 60.0 / COMPRESS
    return math.ceil(wall_s / step) * step


def build_plateau(
    scenario_path: str | Path,
    level: float,
    out_dir: Path,
    user_scale: float,
    min_requests: int,
    warmup_s: float,
    window_s: float | None = None,
    suffix: str = "",
    min_window_s: float = defaults.VALIDATE_MIN_WINDOW_S,
) -> Plateau:
    """Write the plateau scenario of ``level`` into ``out_dir`` and describe it; its
    window holds ``min_requests``, or lasts ``window_s`` wall seconds when given
    (``suffix`` then tells its file from the pilot's), and at least ``min_window_s``."""
    scenario = load_scenario(scenario_path)
    data = tomllib.loads(Path(scenario_path).read_text())
    load = level * scenario.workload.profile.peak
    if scenario.workload.kind == "closed":
        load = float(round(load))
    rps = expected_rps(scenario, load, user_scale)
    shortest = shortest_window(min_window_s)
    window = _whole_minutes(max(shortest, min_requests / rps if rps > 0 else shortest))
    if window_s is not None:
        window = _whole_minutes(max(shortest, window_s))
    warmup = _whole_minutes(warmup_s)
    start = parse_clock(PLATEAU_START)
    opens = start + warmup * COMPRESS
    end = opens + window * COMPRESS
    if end > 24 * 3600:
        raise ValueError(
            f"level {level:g}: a plateau of {window:.0f} s does not fit in a day at "
            f"x{COMPRESS:g}; ask for fewer requests (--min-requests)"
        )
    clocks = [format_clock(t, with_seconds=True) for t in (start, opens, end)]
    info = data["scenario"]
    info["name"] = f"{scenario.name}-level-{round(level * 100)}{suffix}"
    info["description"] = (
        f"validate: {scenario.name} held at {level:g} of its peak ({load:g} "
        f"{'users' if scenario.workload.kind == 'closed' else 'requests/s'})"
    )
    info["start"], info["end"] = clocks[0], clocks[2]
    if info.get("requests"):  # the request map stays the source scenario's
        info["requests"] = str((Path(scenario_path).parent / info["requests"]).resolve())
    info["window"] = [clocks[1], clocks[2]]
    key = "concurrency" if scenario.workload.kind == "closed" else "rate"
    value = int(load) if scenario.workload.kind == "closed" else load
    data["workload"][key] = [[clocks[0], value], [clocks[2], value]]
    data.pop("failures", None)
    path = out_dir / f"{info['name']}.toml"
    header = f"# Derived by peakload validate from {scenario_path}: clocks and profile changed.\n"
    path.write_text(header + tomli_w.dumps(data))
    load_scenario(path)  # the derived file must itself be a valid scenario
    return Plateau(level, load, path, warmup, window, rps)
