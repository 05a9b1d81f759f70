"""Deferred work told apart from the requests' own demands by the utilization law.

The fake runs' truth is ci-smoke with ``submit_payment`` leaving 30 ms of app work
5 s after each submission and 40 ms 35 s after (as expenditure control accepts and
pays an order). Its mix changes every 20 s, so the submissions' counts 5 and 35 s
back differ from the current ones and each piece has a column of its own.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from peakload.app.calibrate.job import calibrate
from peakload.app.calibrate.options import CalibrateOptions
from peakload.app.calibrate.outside import _waits
from peakload.core.scenario_file import load_scenario
from peakload.measure.calibration.estimate import deferred_pieces
from peakload.measure.calibration.windows import Windows
from tests.factories import station_scenario
from tests.peakload.app.calibrate.fake_runs import fake_run
from tests.peakload.app.calibrate.truth import CI_SMOKE

TRUTH = {5.0: 0.030, 35.0: 0.040}
SUBMIT_APP = 0.050  # ci-smoke's submit_payment at app: the truth's as the model's


def _with_deferred(path: Path, means: dict[float, float]) -> Path:
    """ci-smoke's text with ``submit_payment`` deferring ``means`` (after_s: mean) to app."""
    text, submit = CI_SMOKE.read_text(), 'name = "submit_payment"\n'
    assert submit in text
    pieces = ", ".join(
        f'{{ tier = "app", after_s = {after}, demand = {{ dist = "exponential", mean = {mean} }} }}'
        for after, mean in means.items()
    )
    path.write_text(text.replace(submit, f"{submit}deferred = [{pieces}]\n"))
    return path


@pytest.fixture(scope="module")
def tour(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("deferred")
    truth = _with_deferred(root / "truth.toml", TRUTH)
    run = root / "run"
    run.mkdir()
    return fake_run(run, truth, np.random.default_rng(5), seconds=900, rate=40.0)


def _calibrated(tmp_path: Path, model: Path, tour: Path):
    options = CalibrateOptions(model, runs=(tour,), out=tmp_path, replicates=100)
    return calibrate(options)


def test_each_piece_of_deferred_work_is_measured_and_written(tmp_path, tour):
    model = _with_deferred(tmp_path / "model.toml", {5.0: 0.01, 35.0: 0.01})
    done = _calibrated(tmp_path, model, tour)
    pieces = done.report.deferred["submit_payment"]
    assert [(p.tier, p.after_s) for p in pieces] == [("app", 5.0), ("app", 35.0)]
    for piece, truth in zip(pieces, TRUTH.values(), strict=True):
        assert piece.identifiable and not piece.keeps_prior
        assert piece.ci95[0] <= truth <= piece.ci95[1]
        assert piece.estimate == pytest.approx(truth, rel=0.3)
    own = done.report.demands["submit_payment"]["app"]
    assert own.ci95[0] <= SUBMIT_APP <= own.ci95[1]
    # nobody's response waited for the deferred work: the time outside stays the runs'
    outside = done.report.outside["submit_payment"]
    assert outside.ci95[0] <= 0.001 <= outside.ci95[1]
    # the calibrated model carries both pieces where they were, at their estimates
    calibrated = load_scenario(done.calibrated_path)
    written = calibrated.transaction("submit_payment").deferred
    assert [(w.tier, w.after_s) for w in written] == [("app", 5.0), ("app", 35.0)]
    for w, piece in zip(written, pieces, strict=True):
        assert w.demand.mean == pytest.approx(piece.estimate, rel=1e-4)
    assert "deferred[1] at app, 35 s after: prior 0.01 s" in done.calibrated_path.read_text()


def test_without_the_term_the_submissions_own_demand_takes_the_work(tmp_path, tour):
    # the same runs, a model that defers nothing: the utilization law charges the work to
    # the submission itself, as far as its rate 5 and 35 s back is like its rate now (seed
    # 5: 73 ms [68, 81] where the truth is 50)
    plain = _calibrated(tmp_path, CI_SMOKE, tour).report
    assert plain.deferred == {}
    own = plain.demands["submit_payment"]["app"]
    assert own.ci95[0] > SUBMIT_APP


def test_pieces_the_runs_do_not_contradict_keep_their_priors(tmp_path, tour):
    # priors at the truth: each piece's interval holds its prior, so the prior stays and
    # the other demands are fitted with that work taken out at it
    model = _with_deferred(tmp_path / "model.toml", TRUTH)
    done = _calibrated(tmp_path, model, tour)
    report = done.report
    assert done.calibrated_path.read_text().count("its interval holds the prior: prior kept") == 2
    pieces = report.deferred["submit_payment"]
    for piece, truth in zip(pieces, TRUTH.values(), strict=True):
        assert piece.keeps_prior and piece.in_model == truth
        assert piece.why is not None and "holds the prior" in piece.why
        assert piece.ci95[0] <= truth <= piece.ci95[1]  # what the first fit said
    own = report.demands["submit_payment"]["app"]
    assert own.ci95[0] <= SUBMIT_APP <= own.ci95[1]
    # nobody's response waited for the deferred work: the time outside stays the runs'
    outside = report.outside["submit_payment"]
    assert outside.ci95[0] <= 0.001 <= outside.ci95[1]


def test_the_requests_wait_behind_the_deferred_work_as_a_visit_of_its_own():
    # One FIFO server, 100 requests of 10 ms and 100 deferred pieces of 10 ms in
    # 10 s: 20 % busy, 10 ms a visit, so M/M/1 waits 0.2 x 10 ms / 0.8 = 2.5 ms.
    # Dividing the busy time by the requests' visits alone made it 20 ms a visit
    # and the wait twice as long.
    model = station_scenario(
        [{"name": "app", "instances": 1, "workers": 1}],
        {"app": {"dist": "exponential", "mean": 0.01}},
        rate=10.0,
        deferred=[{"tier": "app", "after_s": 5.0, "demand": {"dist": "exponential", "mean": 0.01}}],
    )
    windows = Windows(
        start=np.array([0.0]),
        end=np.array([10.0]),
        completions=np.array([[100.0]]),
        busy=np.array([[2.0]]),
        transactions=["job"],
        tiers=["app"],
        run=np.array([0]),
        later=np.array([[100.0]]),
    )
    (wait,) = _waits(windows, model, np.array([[True]]), deferred_pieces(model))[0]
    assert wait == pytest.approx(0.2 * 0.01 / 0.8)
