"""The tour's loop, with load tests replaced by runs made without traffic (fast):
one round of every phase, then reruns of the phases that isolate the imprecise
demands, until precise or the budget is spent."""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from peakload.app.calibrate import design
from peakload.app.calibrate import plan as calibration_plan
from peakload.app.calibrate.job import calibrate
from peakload.app.calibrate.options import CalibrateOptions
from peakload.core.scenario_file import load_scenario
from tests.peakload.app.calibrate.fake_runs import fake_run
from tests.peakload.app.calibrate.truth import CI_SMOKE


@dataclass
class _Measured:
    """A phase's summary, as far as the tour reads it: each tier's utilization."""

    tiers: dict[str, SimpleNamespace]


@dataclass
class _Done:
    run_dir: Path
    result: SimpleNamespace = field(default_factory=lambda: SimpleNamespace(summary=_Measured({})))


def _measured(**utilization: float) -> _Measured:
    return _Measured({tier: SimpleNamespace(utilization=u) for tier, u in utilization.items()})


class _Mock:
    """Stands for the tour's mock: where it was started, how often stopped."""

    def __init__(self, where: Path):
        self.where, self.stopped = where, 0

    def stop(self) -> None:
        self.stopped += 1


@dataclass
class _Lent:
    started: list[_Mock]
    """The mocks the tour started."""
    given: list[_Mock | None]
    """The mock each phase was lent."""


@pytest.fixture
def lent(monkeypatch):
    mocks = _Lent([], [])

    def start(options, where: Path) -> _Mock:
        mocks.started.append(_Mock(where))
        return mocks.started[-1]

    monkeypatch.setattr(calibration_plan, "shared_mock", start)
    return mocks


@pytest.fixture
def phases_ran(monkeypatch, tmp_path, lent):
    """Replace the load test: each phase becomes a run without traffic; record its flow
    and the mock it was lent."""
    ran: list[list[str]] = []
    rng = np.random.default_rng(31)

    def fake_loadtest(options, mock=None):
        assert not options.reports and not options.plots  # only what calibration reads
        steps = tomllib.loads(Path(options.scenario_path).read_text())["flows"][0]["steps"]
        ran.append(steps)
        lent.given.append(mock)
        run = tmp_path / "runs" / f"{len(ran):02d}"
        run.mkdir(parents=True)
        fake_run(run, CI_SMOKE, rng, seconds=60, rate=40.0)
        return _Done(run)

    monkeypatch.setattr(calibration_plan, "loadtest", fake_loadtest)
    return ran


def test_one_round_when_the_first_is_precise_enough(phases_ran, tmp_path):
    done = calibrate(
        CalibrateOptions(CI_SMOKE, plan=True, out=tmp_path, precision=100.0, replicates=20)
    )
    assert len(phases_ran) == 12 and phases_ran[0] == ["search_budget_codes"]
    design = done.report.design
    assert design is not None and design.precise and design.kind == "flow prefixes"
    assert [p.round for p in design.phases] == [1] * 12
    assert len(design.worst) == 1  # estimated once, after the round
    assert done.runs == [Path(p.run) for p in design.phases]


def test_one_mock_serves_every_phase_and_stops_with_the_tour(phases_ran, lent, tmp_path):
    done = calibrate(
        CalibrateOptions(CI_SMOKE, plan=True, out=tmp_path, precision=100.0, replicates=20)
    )
    [mock] = lent.started  # one, started for the first phase
    assert len(lent.given) == len(phases_ran) == 12 and all(m is mock for m in lent.given)
    assert mock.stopped == 1 and mock.where == done.run_dir / "plan"


def test_a_tour_against_a_host_starts_no_mock(phases_ran, lent, tmp_path):
    calibrate(
        CalibrateOptions(
            CI_SMOKE,
            plan=True,
            host="http://127.0.0.1:9",
            out=tmp_path,
            precision=100.0,
            replicates=20,
        )
    )
    assert len(phases_ran) == 12 and not lent.started and lent.given == [None] * 12


def test_the_budget_stops_the_tour_and_the_estimate_says_so(phases_ran, tmp_path):
    options = CalibrateOptions(
        CI_SMOKE, plan=True, out=tmp_path, precision=0.15, replicates=20, plan_wall_s=0.001
    )
    done = calibrate(options)
    design = done.report.design
    assert len(phases_ran) == 1  # the first phase always runs; the budget stops the rest
    assert design is not None and not design.precise and len(design.worst) == 1
    assert any("budget ran out" in w for w in done.report.warnings)


def test_later_rounds_rerun_the_phase_that_adds_a_step_and_the_one_before():
    from peakload.app.calibrate import design
    from peakload.core.scenario_file import load_scenario

    prefixes = design.prefixes(load_scenario(CI_SMOKE))
    chosen = calibration_plan._rerun(prefixes, {"sign_payment", "get_dossier"})
    assert [p.name for p in chosen] == ["payment-2", "payment-3", "dossier-1", "dossier-2"]
    first = calibration_plan._rerun(prefixes, {"search_budget_codes"})
    assert [p.name for p in first] == ["payment-1"]


def test_phases_too_short_for_ten_windows_exit_2(tmp_path, capsys):
    from peakload.cli import main

    code = main(
        [
            "calibrate",
            "--scenario",
            str(CI_SMOKE),
            "--plan",
            "--phase-seconds",
            "15",
            "--out",
            str(tmp_path),
            "--quiet",
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and "--phase-seconds 15" in err and "--interval" in err


def test_the_mock_stops_when_a_phase_fails(phases_ran, lent, monkeypatch, tmp_path):
    from peakload.app.errors import CouldNotRun

    def failing(options, mock=None):
        raise CouldNotRun("could not run: the phase's users never signed in")

    monkeypatch.setattr(calibration_plan, "loadtest", failing)
    with pytest.raises(CouldNotRun):
        calibrate(CalibrateOptions(CI_SMOKE, plan=True, out=tmp_path, replicates=20))
    [mock] = lent.started
    assert mock.stopped == 1


def test_the_first_round_sizes_on_the_models_demands_scaled_as_its_phases_measured_them():
    # The real-work stack's own demands were about half the model's: phases sized on the
    # model's ran at half the target. The next phase takes the measured ratio, and keeps
    # it once a phase sized on it measures what it predicted.
    model = load_scenario(CI_SMOKE.parents[1] / "examples" / "real-service" / "model.toml")
    tour = calibration_plan.Tour()
    assert tour.prior_scale("stack") == 1.0  # nothing measured yet
    steps = ("search_budget_codes", "create_payment")
    first = design.size(model, steps, calibration_plan._sizing_demands(model, None, {}))
    assert first.over_phase["stack"] < first.utilization["stack"]  # its low-load start
    tour.record_pace(first, {}, _measured(stack=0.5 * first.over_phase["stack"], db=0.9))
    assert tour.prior_scale("stack") == pytest.approx(0.5)
    assert tour.prior_scale("db") == 1.0  # not a tier the phase was sized on
    scales = {"stack": tour.prior_scale("stack")}
    demands = calibration_plan._sizing_demands(model, None, scales)
    prior = design.prior_demands(model)
    assert demands["create_payment"]["stack"] == pytest.approx(
        0.5 * prior["create_payment"]["stack"]
    )
    second = design.size(model, steps, demands)
    assert second.users > 1.5 * first.users
    assert second.utilization["stack"] <= design.TARGET_UTILIZATION
    # Sized on the stack's own demands, the second phase measures what it predicted: the
    # scale stays (its prediction is taken back to the model's demands, not taken as is,
    # which would move the scale to 0.75 and the next phases below the target).
    tour.record_pace(second, scales, _measured(stack=second.over_phase["stack"]))
    assert tour.prior_scale("stack") == pytest.approx(0.5)


def test_a_phase_that_hardly_loads_a_tier_or_measured_nothing_leaves_its_scale():
    tour = calibration_plan.Tour()
    light = design.Sizing(10, {"stack": 0.01}, {"stack": 0.009})  # its background, mostly
    tour.record_pace(light, {}, _measured(stack=0.04))
    tour.record_pace(
        design.Sizing(10, {"stack": 0.6}, {"stack": 0.5}), {}, _measured(stack=math.nan)
    )
    assert tour.paced == {} and tour.prior_scale("stack") == 1.0
    tour.paced["stack"] = (0.6, 0.001)  # a wild phase: bounded
    assert tour.prior_scale("stack") == 0.25


def test_a_tours_first_round_sizes_each_phase_on_what_the_phases_before_measured(
    monkeypatch, tmp_path, lent
):
    # A server whose every demand is half the model's: each phase measures what its
    # sizing predicted on those demands. After the first phase, every tier the phases
    # load is sized on half the model's demands, the first phase's busiest among them.
    truth = 0.5
    model = load_scenario(CI_SMOKE)
    prior = design.prior_demands(model)
    sized: list[tuple[dict, design.Sizing]] = []
    real_size = design.size

    def size(model, steps, demands, *args, **kwargs):
        sized.append((demands, real_size(model, steps, demands, *args, **kwargs)))
        return sized[-1][1]

    def scale_of(demands: dict, tier: str) -> float:
        return next(
            demands[name][tier] / mean
            for name, row in prior.items()
            for at, mean in row.items()
            if at == tier and mean > 0
        )

    rng = np.random.default_rng(32)

    def fake_loadtest(options, mock=None):
        run = tmp_path / "runs" / f"{len(sized):02d}"
        run.mkdir(parents=True)
        fake_run(run, CI_SMOKE, rng, seconds=60, rate=40.0)
        demands, sizing = sized[-1]
        measured = {
            tier: busy * truth / scale_of(demands, tier) for tier, busy in sizing.over_phase.items()
        }
        return _Done(run, SimpleNamespace(summary=_measured(**measured)))

    monkeypatch.setattr(calibration_plan.design, "size", size)
    monkeypatch.setattr(calibration_plan, "loadtest", fake_loadtest)
    calibrate(CalibrateOptions(CI_SMOKE, plan=True, out=tmp_path, precision=100.0, replicates=20))
    first_demands, first = sized[0]
    busiest = max(first.utilization, key=lambda tier: first.utilization[tier])
    assert all(scale_of(first_demands, tier) == 1.0 for tier in first.utilization)
    for demands, _ in sized[1:12]:  # the rest of the first round
        scales = {tier: scale_of(demands, tier) for tier in first.utilization}
        assert scales[busiest] == pytest.approx(truth)
        assert all(s == pytest.approx(truth) or s == 1.0 for s in scales.values()), scales
