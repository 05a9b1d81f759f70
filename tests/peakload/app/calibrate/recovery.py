"""Recovery figures: a calibration's estimates against the truth it was run on."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from peakload.core.scenario import LOGIN, Scenario
from peakload.core.scenario_file import load_scenario

MAJOR_SHARE = 0.05


@dataclass(frozen=True)
class Recovered:
    name: str
    truth: float
    estimate: float
    identifiable: bool
    sd: float = 0.0
    """The estimate's own standard error as the calibration reports it (its 95 %
    interval's half-width over 1.96), relative to the truth."""

    @property
    def error(self) -> float:
        return (self.estimate - self.truth) / self.truth


def step_mix(model: Scenario) -> dict[str, float]:
    """Share of requests (sign-ins aside) each transaction carries in the model's day."""
    total = sum(f.weight * len(f.steps) for f in model.flow_list)
    mix: dict[str, float] = {}
    for flow in model.flow_list:
        for step in flow.steps:
            mix[step] = mix.get(step, 0.0) + flow.weight / total
    return mix


def recovery(calibration: Path, truth_path: Path, model_path: Path) -> tuple[list, list]:
    """(per tier mean demand per request, per demand of transactions with >= 5 % share)."""
    demands = json.loads(calibration.read_text())["demands"]
    truth, model = load_scenario(truth_path), load_scenario(model_path)
    mix = step_mix(model)
    tiers = []
    for tier in (t.name for t in truth.tiers):
        true_mean = estimated = variance = 0.0
        identifiable = True
        for name, share in mix.items():
            demand = truth.transaction(name).demand.get(tier)
            if demand is None:
                continue
            true_mean += share * demand.mean
            found = demands[name][tier]
            estimated += share * found["estimate"]
            variance += (share * _half_width(found) / 1.96) ** 2
            identifiable &= found["identifiable"]
        tiers.append(Recovered(tier, true_mean, estimated, identifiable, variance**0.5 / true_mean))
    major = []
    for name, share in mix.items():
        if share < MAJOR_SHARE or name == LOGIN:
            continue
        for tier, demand in truth.transaction(name).demand.items():
            found = demands[name][tier]
            sd = _half_width(found) / 1.96 / demand.mean
            major.append(
                Recovered(
                    f"{name}.{tier}", demand.mean, found["estimate"], found["identifiable"], sd
                )
            )
    return tiers, major


def _half_width(found: dict) -> float:
    low, high = found["ci95"]
    return (high - low) / 2


def emulation_excess(run_dirs: list[Path], truth_path: Path) -> dict[str, float]:
    """Per tier, the busy seconds the mock accrued per visit beyond the truth's demands
    (timer overshoot and event-loop lag): what the mock delivered minus what it was told,
    over all ``run_dirs``."""
    import numpy as np

    from peakload.app.calibrate.runs import read_run

    truth = load_scenario(truth_path)
    busy: dict[str, float] = {}
    expected: dict[str, float] = {}
    visits: dict[str, float] = {}
    for run_dir in run_dirs:
        run = read_run(run_dir)
        lo, hi = run.span
        series, records = run.series, run.requests
        inside = (records.end >= lo) & (records.end < hi) & records.served()
        for tier in series.tiers:
            busy[tier] = busy.get(tier, 0.0) + float(
                np.interp(hi, series.wall, series.busy_s[tier])
                - np.interp(lo, series.wall, series.busy_s[tier])
            )
            for i, name in enumerate(records.names):
                demand = truth.transaction(name).demand.get(tier)
                if demand is not None:
                    count = int(np.count_nonzero(inside & (records.transaction == i)))
                    expected[tier] = expected.get(tier, 0.0) + count * demand.mean
                    visits[tier] = visits.get(tier, 0.0) + count
    return {
        tier: (busy[tier] - expected.get(tier, 0.0)) / visits[tier]
        if visits.get(tier)
        else float("nan")
        for tier in busy
    }


def sampling_sd(run_dirs: list[Path], truth_path: Path, model_path: Path) -> dict[str, float]:
    """Relative standard deviation of what the mock delivered around the truth's means,
    per tier mean and per demand (keys as :func:`recovery` names them).

    The mock samples each visit's service time from the truth's distribution, so
    the mean it delivered to ``n`` visits of a demand with coefficient of
    variation ``cv`` is off the nominal mean by ``cv / sqrt(n)`` (one standard
    deviation). No estimate can be nearer the nominal truth than
    the run's own sample of it.
    """
    import numpy as np

    from peakload.app.calibrate.runs import read_run

    truth = load_scenario(truth_path)
    mix = step_mix(load_scenario(model_path))
    visits: dict[str, int] = {}
    for run_dir in run_dirs:
        run = read_run(run_dir)
        lo, hi = run.span
        records = run.requests
        inside = (records.end >= lo) & (records.end < hi) & records.served()
        for i, name in enumerate(records.names):
            visits[name] = visits.get(name, 0) + int(
                np.count_nonzero(inside & (records.transaction == i))
            )
    sd: dict[str, float] = {}
    for tier in (t.name for t in truth.tiers):
        mean = variance = 0.0
        for name, share in mix.items():
            demand = truth.transaction(name).demand.get(tier)
            if demand is None:
                continue
            mean += share * demand.mean
            variance += share**2 * demand.variance / max(visits.get(name, 0), 1)
            sd[f"{name}.{tier}"] = demand.cv / np.sqrt(max(visits.get(name, 0), 1))
        sd[tier] = float(np.sqrt(variance)) / mean
    return sd
