"""``peakload simulate --as-run RUN_DIR`` and the load test's flags on simulate."""

import json
import shutil
from dataclasses import replace
from pathlib import Path

from peakload.app.loadtest.job import PLAN_FILE, LoadTestOptions, plan_for
from peakload.cli import main

SMOKE = Path(__file__).resolve().parents[4] / "scenarios" / "ci-smoke.toml"


def fake_loadtest_dir(tmp_path: Path) -> Path:
    """What a load test leaves for its prediction: plan.json and the scenario copy."""
    run_dir = tmp_path / "loadtest"
    run_dir.mkdir()
    shutil.copyfile(SMOKE, run_dir / "scenario.toml")
    plan = plan_for(LoadTestOptions(SMOKE, compress=10.0, user_scale=0.5, seed=7))
    # The runner's copy points elsewhere; --as-run must use the copy beside it.
    data = json.loads(replace(plan, out_dir="/nowhere/raw").to_env())
    data["scenario_path"] = "/nowhere/ci-smoke.toml"
    (run_dir / PLAN_FILE).write_text(json.dumps(data))
    return run_dir


def only_run(out: Path) -> Path:
    (run,) = list(out.iterdir())
    return run


def test_as_run_predicts_the_saved_plan(tmp_path):
    run_dir = fake_loadtest_dir(tmp_path)
    out = tmp_path / "out"
    argv = ["simulate", "--scenario", str(SMOKE), "--as-run", str(run_dir)]
    assert main([*argv, "--out", str(out), "--quiet", "--no-plots"]) == 0
    summary = json.loads((only_run(out) / "summary.json").read_text())
    assert summary["plan"]["compress"] == 10.0 and summary["plan"]["user_scale"] == 0.5
    assert summary["plan"]["seed"] == 7 and summary["seed"] == 7
    assert summary["window"] == ["09:05", "09:15"]
    assert summary["overall"]["peak_concurrency"] == 60  # scenario users
    assert summary["overall"]["virtual_users_peak"] == 30
    assert (only_run(out) / PLAN_FILE).is_file()


def test_the_load_tests_flags_give_the_same_prediction(tmp_path):
    run_dir = fake_loadtest_dir(tmp_path)
    a, b = tmp_path / "a", tmp_path / "b"
    common = ["--quiet", "--no-plots", "--scenario", str(SMOKE)]
    assert main(["simulate", *common, "--as-run", str(run_dir), "--out", str(a)]) == 0
    flags = ["--compress", "10", "--user-scale", "0.5", "--seed", "7"]
    assert main(["simulate", *common, *flags, "--out", str(b)]) == 0
    first = json.loads((only_run(a) / "summary.json").read_text())
    second = json.loads((only_run(b) / "summary.json").read_text())
    assert first["overall"] == second["overall"]
    assert first["tiers"] == second["tiers"]


def test_as_run_of_a_directory_without_a_plan_is_one_line_exit_2(tmp_path, capsys):
    argv = ["simulate", "--scenario", str(SMOKE), "--as-run", str(tmp_path)]
    assert main([*argv, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "not a load test's run directory" in err[0]


def test_as_run_needs_no_scenario_flag(tmp_path):
    run_dir = fake_loadtest_dir(tmp_path)
    out = tmp_path / "out"
    assert main(["simulate", "--as-run", str(run_dir), "--out", str(out), "--quiet"]) == 0
    assert json.loads((only_run(out) / "summary.json").read_text())["plan"]["compress"] == 10.0
