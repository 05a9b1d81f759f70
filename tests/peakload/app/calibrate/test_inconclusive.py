"""No silent bad model: a calibration that could not separate major demands exits 1,
names them, and writes a model marked unfit that validate and size warn about."""

from __future__ import annotations

import json

import numpy as np
import pytest

from peakload.cli import main
from peakload.contract.calibration import UNFIT_MARKER, unfit_for_prediction
from peakload.core.scenario_file import load_scenario
from tests.peakload.app.calibrate.fake_runs import fake_run
from tests.peakload.app.calibrate.truth import CI_SMOKE

TIED = ("create_payment", "sign_payment")


@pytest.fixture(scope="module")
def tied_run(tmp_path_factory):
    """A run in which create_payment and sign_payment always complete together."""
    run = tmp_path_factory.mktemp("tied") / "run"
    run.mkdir()
    fake_run(run, CI_SMOKE, np.random.default_rng(9), seconds=600, rate=40.0, together=TIED)
    return run


def _calibrate(tied_run, out, bootstrap: str, *more: str) -> int:
    """``peakload calibrate`` of the smoke model from the tied run, without plots."""
    return main(
        [
            "calibrate",
            "--scenario",
            str(CI_SMOKE),
            str(tied_run),
            "--out",
            str(out),
            "--no-plots",
            "--bootstrap",
            bootstrap,
            *more,
        ]
    )


def test_two_transactions_that_always_co_occur_exit_1_naming_both(tied_run, tmp_path, capsys):
    code = _calibrate(tied_run, tmp_path, "30")
    out = capsys.readouterr().out
    assert code == 1
    assert "calibration inconclusive" in out
    verdict = out[out.index("calibration inconclusive") :]
    for name in TIED:
        assert f"{name}.app" in verdict and f"{name}.db" in verdict
    assert "search_budget_codes.app" not in verdict  # it varied on its own: measured
    document = json.loads(next(tmp_path.glob("*/calibration.json")).read_text())
    assert document["fit_for_prediction"] is False
    assert any(line.startswith("create_payment.app") for line in document["inconclusive"])
    calibrated = next(tmp_path.glob("*/ci-smoke-calibrated.toml"))
    assert calibrated.read_text().startswith(UNFIT_MARKER)
    load_scenario(calibrated)  # still a scenario: written for inspection
    warning = unfit_for_prediction(calibrated)
    assert warning is not None and len(warning.splitlines()) == 1
    assert "not fit for prediction" in warning


def test_a_separable_run_is_fit_and_unmarked(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    fake_run(run, CI_SMOKE, np.random.default_rng(3), seconds=600, rate=40.0)
    code = main(
        [
            "calibrate",
            "--scenario",
            str(CI_SMOKE),
            str(run),
            "--out",
            str(tmp_path),
            "--no-plots",
            "--bootstrap",
            "30",
            "--quiet",
        ]
    )
    assert code == 0
    calibrated = next(tmp_path.glob("*/ci-smoke-calibrated.toml"))
    assert not calibrated.read_text().startswith(UNFIT_MARKER)
    assert unfit_for_prediction(calibrated) is None
    assert unfit_for_prediction(CI_SMOKE) is None


@pytest.fixture
def unfit_model(tied_run, tmp_path, capsys):
    """The model calibrated from the tied run: inconclusive, marked unfit for prediction."""
    _calibrate(tied_run, tmp_path, "20", "--quiet")
    capsys.readouterr()
    return next(tmp_path.glob("*/ci-smoke-calibrated.toml"))


def test_size_warns_in_one_line_on_an_unfit_model(unfit_model, tmp_path, capsys):
    main(
        [
            "size",
            "--scenario",
            str(unfit_model),
            "--out",
            str(tmp_path),
            "--quiet",
            "--no-plots",
            "--no-n1",
            "--replications",
            "2",
        ]
    )
    lines = [line for line in capsys.readouterr().out.splitlines() if "not fit" in line]
    assert len(lines) == 1 and lines[0].startswith("warning: ci-smoke-calibrated.toml")


def test_validate_warns_in_one_line_on_an_unfit_model(unfit_model, tmp_path, capsys):
    code = main(  # refused at once (2): the warning comes first
        [
            "validate",
            "--scenario",
            str(unfit_model),
            "--host",
            "http://127.0.0.1:9",
            "--serve-scenario",
            str(CI_SMOKE),
            "--out",
            str(tmp_path),
            "--quiet",
        ]
    )
    out = capsys.readouterr().out
    assert code == 2
    lines = [line for line in out.splitlines() if "not fit for prediction" in line]
    assert len(lines) == 1 and "calibrate" in lines[0]
