"""``peakload validate`` at ci-smoke scale: a right model passes, a wrong one is named.

Each run is one level (the full 60 users) held for 1,000 requests (about a
minute of wall time) beside three replications of its simulation.
"""

import json
import tomllib
from pathlib import Path

import pytest
import tomli_w

from peakload.app.plateau import COMPRESS, build_plateau
from peakload.cli import main
from peakload.core.scenario_file import load_scenario

pytestmark = pytest.mark.load  # real traffic or real timing: run alone (make test)

SMOKE = Path(__file__).resolve().parents[3] / "scenarios" / "ci-smoke.toml"
FAST = ["--levels", "1.0", "--min-requests", "1000", "--replications", "3", "--jobs", "1"]


def db_times(factor: float, tmp_path: Path) -> Path:
    """ci-smoke with every db demand multiplied by ``factor``: the truth a model misses."""
    data = tomllib.loads(SMOKE.read_text())
    for transaction in data["transactions"]:
        transaction["demand"]["db"]["mean"] *= factor
    path = tmp_path / f"ci-smoke-db-x{factor:g}.toml"
    path.write_text(tomli_w.dumps(data))
    return path


def validation(out: Path) -> dict:
    (run,) = list(out.iterdir())
    return json.loads((run / "validation.json").read_text())


def test_a_plateau_holds_the_level_long_enough_for_the_requests(tmp_path):
    plateau = build_plateau(SMOKE, 0.5, tmp_path, user_scale=1.0, min_requests=3000, warmup_s=30)
    scenario = load_scenario(plateau.path)
    assert plateau.load == 30
    assert scenario.workload.profile.values == (30.0, 30.0)
    # 30 users thinking 2 s: ~14.7 req/s, so 3,000 requests take ~205 wall s.
    assert plateau.expected_rps == pytest.approx(14.7, rel=0.02)
    assert plateau.window_s * plateau.expected_rps >= 3000
    lo, hi = scenario.window_s
    assert (hi - lo) / COMPRESS == plateau.window_s
    assert (lo - scenario.start_s) / COMPRESS == plateau.warmup_s == 30
    assert [t.name for t in scenario.tiers] == [t.name for t in load_scenario(SMOKE).tiers]


@pytest.mark.slow
def test_validate_passes_on_ci_smoke(tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["validate", "--scenario", str(SMOKE), *FAST, "--out", str(out), "--quiet"])
    doc = validation(out)
    assert code == 0, doc["failing"]
    assert doc["pass"] is True and doc["failing"] == []
    (level,) = doc["levels"]
    assert level["measured_requests"] >= 1000 * 0.8
    metrics = {row["metric"] for row in level["rows"]}
    assert {
        "overall.throughput_rps",
        "tiers.db.utilization",
        "tiers.app.mean_response_s",
    } <= metrics
    assert all(row["verdict"] != "disagree" for row in level["rows"])
    assert (Path(level["loadtest"]) / "plan.json").is_file()
    assert "VALIDATION: PASS" in capsys.readouterr().out


@pytest.mark.slow
def test_validate_names_the_db_when_the_truth_has_four_times_its_demand(tmp_path, capsys):
    out = tmp_path / "out"
    truth = db_times(4.0, tmp_path)
    argv = ["validate", "--scenario", str(SMOKE), "--serve-scenario", str(truth), *FAST]
    code = main([*argv, "--out", str(out), "--quiet"])
    doc = validation(out)
    assert code == 1
    assert doc["pass"] is False
    assert "tiers.db.utilization" in doc["failing"]
    assert "tiers.db.mean_response_s" in doc["failing"]
    # The tiers the truth leaves alone carry the load the model predicts.
    rows = {row["metric"]: row for row in doc["levels"][0]["rows"]}
    for tier in ("gateway", "app", "signature"):
        assert rows[f"tiers.{tier}.utilization"]["verdict"] != "disagree"
    printed = capsys.readouterr().out
    assert "VALIDATION: FAIL" in printed and "tiers.db.utilization" in printed
    (run,) = list(out.iterdir())
    page = (run / "report.html").read_text()
    assert "VALIDATION FAIL" in page and "disagrees: tiers.db.utilization" in page
