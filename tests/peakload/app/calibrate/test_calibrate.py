"""``peakload calibrate`` on run directories made without a load test (fast)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from peakload.app.calibrate.job import calibrate, estimate_runs
from peakload.app.calibrate.options import CalibrateOptions
from peakload.app.errors import JobError
from peakload.app.size.job import SizeOptions, size
from peakload.cli import main
from peakload.contract.calibration import CalibrationReport
from peakload.core.scenario_file import load_scenario
from peakload.measure.calibration import tier_file
from tests.peakload.app.calibrate.fake_runs import fake_run
from tests.peakload.app.calibrate.truth import CI_SMOKE, write_truth

REAL_SERVICE = Path(__file__).resolve().parents[4] / "examples" / "real-service"


@pytest.fixture(scope="module")
def truth_run(tmp_path_factory) -> tuple[Path, Path]:
    """A run of ci-smoke's users against a truth with scaled demands, varying mix."""
    root = tmp_path_factory.mktemp("calibrate")
    truth = root / "truth.toml"
    write_truth(truth)
    run = root / "run"
    run.mkdir()
    fake_run(run, truth, np.random.default_rng(3), seconds=600, rate=40.0)
    shutil.copyfile(CI_SMOKE, run / "scenario.toml")  # the users followed the model
    return truth, run


def test_recovers_the_truth_and_writes_a_model_that_loads(truth_run, tmp_path):
    truth_path, run = truth_run
    done = calibrate(CalibrateOptions(CI_SMOKE, runs=(run,), out=tmp_path, replicates=100))
    truth = load_scenario(truth_path)
    document = json.loads((done.run_dir / "calibration.json").read_text())
    errors = []
    for txn in truth.transactions:
        for tier, demand in txn.demand.items():
            found = document["demands"][txn.name][tier]
            assert found["method"] == "utilization_law"
            assert found["identifiable"], (txn.name, tier, found.get("why"))
            assert found["prior"] == pytest.approx(
                load_scenario(CI_SMOKE).transaction(txn.name).demand[tier].mean
            )
            errors.append(abs(found["estimate"] - demand.mean) / demand.mean)
    assert np.median(errors) < 0.1
    calibrated = load_scenario(done.calibrated_path)
    assert calibrated.name == "ci-smoke-calibrated"
    sign = calibrated.transaction("sign_payment").demand["signature"]
    assert sign.mean == pytest.approx(
        document["demands"]["sign_payment"]["signature"]["estimate"], rel=1e-4
    )
    text = done.calibrated_path.read_text()
    assert "# signature: prior 0.08 s" in text
    assert (done.run_dir / "calibration.png").is_file()
    assert set(document["mix"]) >= {"search_budget_codes", "get_statements"}
    assert document["think_time_s"]["model"] == 2.0
    assert main(["check", str(done.calibrated_path)]) == 0


def _cpu_run(tmp_path: Path, seed: int) -> Path:
    """A 600 s run of the real-work model (its one tier a CPU, cores = 1) whose core is
    5 % busy with no request."""
    run = tmp_path / "run"
    run.mkdir()
    fake_run(run, REAL_SERVICE / "model.toml", np.random.default_rng(seed), seconds=600,
             rate=60.0, background={"stack": 0.05})  # fmt: skip
    return run


def test_a_cpu_tiers_background_is_fitted_and_written_into_the_model(tmp_path):
    # A run whose core is 5 % busy with no request: the fit finds the background and
    # keeps it out of the demands.
    # Over seeds 0-11: mean 0.0502, sd 0.0043, and 11 of the 12 intervals cover 0.05.
    model = REAL_SERVICE / "model.toml"
    run = _cpu_run(tmp_path, 1)
    done = calibrate(CalibrateOptions(model, runs=(run,), out=tmp_path, replicates=100))
    document = json.loads((done.run_dir / "calibration.json").read_text())
    fit = document["fit"]["stack"]
    assert fit["background"] == pytest.approx(0.05, abs=0.01)
    assert fit["background_ci95"][0] <= 0.05 <= fit["background_ci95"][1]
    calibrated = load_scenario(done.calibrated_path)
    assert calibrated.tier("stack").background == pytest.approx(fit["background"], abs=1e-6)
    truth = load_scenario(model)
    errors = [
        abs(document["demands"][t.name]["stack"]["estimate"] - t.demand["stack"].mean)
        / t.demand["stack"].mean
        for t in truth.transactions
        if t.name != "login"
    ]
    assert np.median(errors) < 0.1, errors  # without the term: the 5 % spread over them
    assert "background (busy with no request" in done.calibrated_path.read_text()
    # The joint draws move the background with the demands: it is the fit's intercept,
    # so a draw that puts it high puts the busy time per request low. Over the run's
    # load (60 req/s) the two balance: the mix's busy time moves little.
    joint = document["joint_draws"]
    background = np.array(joint["background"]["stack"])
    assert len(background) == len(joint["offsets_s"]) == 100
    assert background.mean() == pytest.approx(0.0, abs=0.005)  # about what the model carries
    width = fit["background_ci95"][1] - fit["background_ci95"][0]  # its own bootstrap's
    assert 0.5 < 2 * 1.96 * background.std() / width < 2
    columns = [j for j, (_, tier) in enumerate(joint["entries"]) if tier == "stack"]
    shares = design_mix(truth, [joint["entries"][j][0] for j in columns])
    offsets = np.array([[row[j] or 0.0 for j in columns] for row in joint["offsets_s"]])
    per_request = offsets @ shares  # each draw's mix demand less the model's, s
    assert np.corrcoef(background, per_request)[0, 1] < -0.5
    reread = CalibrationReport.model_validate_json((done.run_dir / "calibration.json").read_text())
    assert reread.joint_draws is not None
    assert reread.joint_draws.background["stack"] == pytest.approx(background.tolist())


def design_mix(model, names: list[str]) -> np.ndarray:
    """The model's share of each of ``names`` among its requests."""
    shares = model.step_shares()
    return np.array([shares.get(name, 0.0) for name in names])


def test_a_cpu_tier_is_fitted_on_the_windows_its_run_held_its_load(tmp_path):
    # The same CPU, its run's first 150 s worked by 10 users where the rest had 60 (as a
    # --plan phase's low-load start). The CPU is fitted on the windows at load only,
    # which still find this linear core's background; the report says how many.
    model = REAL_SERVICE / "model.toml"
    run = _cpu_run(tmp_path, 2)
    shape = dict(np.load(run / "raw" / "shape.npz"))
    shape["users"] = np.where(shape["elapsed"] < 150, 10.0, 60.0)
    np.savez(run / "raw" / "shape.npz", **shape)
    done = calibrate(
        CalibrateOptions(model, runs=(run,), out=tmp_path / "out", replicates=50, plots=False)
    )
    document = json.loads((done.run_dir / "calibration.json").read_text())
    fit = document["fit"]["stack"]
    assert 0.7 * document["windows"] < fit["windows"] < 0.8 * document["windows"]
    assert fit["background"] == pytest.approx(0.05, abs=0.015)


def test_the_joint_draws_are_the_intervals_draws_and_read_back(truth_run, tmp_path):
    """calibration.json's joint draws are the very draws of the outside times' intervals
    (the same bootstrap), beside those of the demands fitted on the same windows."""
    _, run = truth_run
    done = calibrate(
        CalibrateOptions(CI_SMOKE, runs=(run,), out=tmp_path, replicates=100, plots=False)
    )
    text = (done.run_dir / "calibration.json").read_text()
    read = CalibrationReport.model_validate_json(text)
    assert read == done.report
    joint = read.joint_draws
    assert joint is not None and len(joint.offsets_s) == 100
    assert text.count("\n") < 1000  # a draw to a line, not a figure
    column = {tuple(entry): j for j, entry in enumerate(joint.entries)}
    for name, outside in read.outside.items():
        drawn = [row[column[(name, None)]] for row in joint.offsets_s]
        offsets = np.array([v for v in drawn if v is not None])
        low, high = np.percentile(offsets + max(outside.estimate, 0.0), [2.5, 97.5])
        assert (low, high) == pytest.approx(outside.ci95, abs=2e-9), name
    demand = read.demands["sign_payment"]["signature"]
    drawn = np.array([row[column[("sign_payment", "signature")]] for row in joint.offsets_s])
    low, high = np.percentile(drawn + demand.estimate, [2.5, 97.5])
    width = demand.ci95[1] - demand.ci95[0]
    assert abs((high - low) - width) < 0.3 * width  # another bootstrap of the same fit
    # The parts of one response moved against each other: their sum, which the responses
    # measure, spreads less together than its parts drawn each on its own would.
    for name in read.outside:
        parts = np.array(
            [[row[j] or 0.0 for j, entry in enumerate(joint.entries) if entry[0] == name]
             for row in joint.offsets_s]
        )  # fmt: skip
        together, apart = parts.sum(axis=1).std(), np.sqrt((parts.std(axis=0) ** 2).sum())
        assert together < 0.5 * apart, name  # 0.05-0.31 of it on this run


def test_size_runs_on_a_calibrated_scenario(truth_run, tmp_path):
    _, run = truth_run
    done = calibrate(
        CalibrateOptions(CI_SMOKE, runs=(run,), out=tmp_path, replicates=20, plots=False)
    )
    sizing = size(
        SizeOptions(done.calibrated_path, replications=2, n1=False, out=tmp_path, plots=False)
    )
    assert (sizing.run_dir / "sizing.json").is_file()
    assert sizing.document.scenario == "ci-smoke-calibrated"


def test_fixed_mix_is_reported_unidentifiable(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    fake_run(run, CI_SMOKE, np.random.default_rng(4), seconds=300, varying_mix=False)
    done = calibrate(CalibrateOptions(CI_SMOKE, runs=(run,), out=tmp_path, replicates=20))
    app = {name: row["app"] for name, row in done.report.demands.items() if "app" in row}
    tied = [name for name, e in app.items() if not e.identifiable]
    assert len(tied) >= len(app) - 1, app
    assert "fixed proportion" in app["create_payment"].why
    signature = done.report.demands["sign_payment"]["signature"]
    assert signature.identifiable  # the only transaction at that tier: nothing to confuse it with


def test_without_tier_data_demands_come_from_response_times(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    fake_run(run, CI_SMOKE, np.random.default_rng(5), seconds=120, tiers=False)
    done = calibrate(CalibrateOptions(CI_SMOKE, runs=(run,), out=tmp_path, replicates=20))
    sign = done.report.demands["sign_payment"]
    assert {e.method.value for e in sign.values()} == {"response_time"}
    assert not sign["signature"].identifiable
    total = sum(e.estimate for e in sign.values())
    prior = sum(e.prior for e in sign.values())
    assert total == pytest.approx(prior + 0.001, rel=0.2)  # the fake's response = demands + 1 ms


def test_a_zero_demand_on_a_busy_tier_is_flagged_not_written(tmp_path):
    model = tmp_path / "model.toml"
    model.write_text(
        CI_SMOKE.read_text().replace(
            'name = "get_statements"\ndemand = { gateway',
            'name = "get_statements"\ndemand = { '
            'signature = { dist = "exponential", mean = 0.05 }, gateway',
        )
    )
    run = tmp_path / "run"
    run.mkdir()
    fake_run(run, CI_SMOKE, np.random.default_rng(6), seconds=300)  # truth: no signature
    shutil.copyfile(model, run / "scenario.toml")
    done = calibrate(CalibrateOptions(model, runs=(run,), out=tmp_path, replicates=20))
    flagged = done.report.demands["get_statements"]["signature"]
    assert flagged.at_bound and flagged.estimate == 0
    assert any("get_statements.signature" in w for w in done.report.warnings)
    kept = load_scenario(done.calibrated_path).transaction("get_statements").demand["signature"]
    assert kept.mean == pytest.approx(0.05)


# --- bad input: exit 2, one line naming the run or the key ------------------------------


def _cli(args: list[str], capsys) -> tuple[int, str]:
    code = main(["calibrate", "--scenario", str(CI_SMOKE), "--quiet", *args])
    return code, capsys.readouterr().err.strip()


def test_runs_of_different_scenarios_exit_2_naming_the_run(truth_run, tmp_path, capsys):
    _, run = truth_run
    other = tmp_path / "other"
    shutil.copytree(run, other)
    (other / "scenario.toml").write_text(
        CI_SMOKE.read_text().replace('name = "ci-smoke"', 'name = "other-day"')
    )
    code, err = _cli([str(run), str(other), "--out", str(tmp_path)], capsys)
    assert code == 2
    assert len(err.splitlines()) == 1 and str(other) in err and "other-day" in err


def test_a_run_with_no_tier_data_and_no_responses_exits_2(tmp_path, capsys):
    run = tmp_path / "run"
    run.mkdir()
    fake_run(run, CI_SMOKE, np.random.default_rng(7), seconds=60, tiers=False)
    records = dict(np.load(run / "raw" / "requests-0.npz"))
    records["outcome"][:] = 1  # every request timed out
    np.savez(run / "raw" / "requests-0.npz", **records)
    code, err = _cli([str(run), "--out", str(tmp_path)], capsys)
    assert code == 2
    assert str(run) in err and "no tier data and no successful response" in err


def test_too_few_windows_exit_2_naming_the_run(tmp_path, capsys):
    run = tmp_path / "run"
    run.mkdir()
    fake_run(run, CI_SMOKE, np.random.default_rng(8), seconds=30)
    code, err = _cli([str(run), "--out", str(tmp_path)], capsys)
    assert code == 2
    assert str(run) in err and "window" in err


def test_a_planned_phase_a_busy_machine_cut_short_is_kept_with_a_warning(truth_run, tmp_path):
    """A --plan phase holds fewer windows than designed when its tier samples came
    sparse (CI, beside make test): kept, named in a warning; a given run is refused."""
    _, long_run = truth_run
    phase = tmp_path / "phase-short"
    phase.mkdir()
    fake_run(phase, CI_SMOKE, np.random.default_rng(9), seconds=40)  # 8 windows of 5 s
    model = load_scenario(CI_SMOKE)
    planned = CalibrateOptions(CI_SMOKE, plan=True, interval_s=5.0, replicates=20, plots=False)
    report = estimate_runs(planned, model, [long_run, phase])
    assert any(w.startswith("phase-short: 8 windows of 5.0 s") for w in report.warnings)
    assert report.windows == 600 // 5 + 8
    given = CalibrateOptions(CI_SMOKE, interval_s=5.0, replicates=20, plots=False)
    with pytest.raises(JobError, match="phase-short: 8 window"):
        estimate_runs(given, model, [long_run, phase])
    stub = tmp_path / "phase-stub"
    stub.mkdir()
    fake_run(stub, CI_SMOKE, np.random.default_rng(10), seconds=20)  # 4 windows
    with pytest.raises(JobError, match=r"phase-stub: 4 window.*need 5"):
        estimate_runs(planned, model, [long_run, stub])


def test_a_directory_that_is_not_a_run_exits_2(tmp_path, capsys):
    code, err = _cli([str(tmp_path), "--out", str(tmp_path)], capsys)
    assert code == 2 and "not a run directory" in err


def test_a_tier_the_model_lacks_exits_2(truth_run, tmp_path, capsys):
    _, run = truth_run
    odd = tmp_path / "odd"
    shutil.copytree(run, odd)
    text = (odd / tier_file.FILENAME).read_text().replace(",signature,", ",hsm,")
    (odd / tier_file.FILENAME).write_text(text)
    code, err = _cli([str(odd), "--out", str(tmp_path)], capsys)
    assert code == 2 and "hsm" in err and str(odd) in err


def test_plan_and_runs_together_exit_2(truth_run, tmp_path, capsys):
    _, run = truth_run
    code, err = _cli([str(run), "--plan", "--out", str(tmp_path)], capsys)
    assert code == 2 and "--plan" in err


def test_calibrate_cannot_run_without_runs():
    with pytest.raises(JobError, match="no run given"):
        calibrate(CalibrateOptions(CI_SMOKE))
