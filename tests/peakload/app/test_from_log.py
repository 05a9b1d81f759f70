"""``peakload scenario from-log``: a file check accepts, one-line errors, the round trip."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from peakload.app.from_log import FromLogOptions, from_log
from peakload.app.loadtest import LoadTestOptions, loadtest
from peakload.cli import main
from peakload.core.scenario_file import load_scenario
from tests.peakload.measure.access_log.synthetic import write_log

pytestmark = pytest.mark.load  # real traffic or real timing: run alone (make test)

SCENARIOS = Path(__file__).resolve().parents[3] / "scenarios"
PAYMENT = ["search_budget_codes", "create_payment", "sign_payment", "submit_payment", "get_payment"]


def test_derived_file_passes_check_and_says_it_is_a_placeholder(tmp_path, capsys):
    log = write_log(tmp_path / "access.log", users=40, minutes=30)
    out = tmp_path / "derived.toml"
    assert main(["scenario", "from-log", str(log), "--out", str(out), "--quiet"]) == 0
    assert main(["check", str(out)]) == 0
    text = out.read_text()
    assert "PLACEHOLDER SYSTEM" in text and "think_time:" in text
    data = tomllib.loads(text)
    assert len(data["workload"]["concurrency"]) <= 30
    assert (tmp_path / "derived.json").exists() and (tmp_path / "derived-concurrency.png").exists()


def test_base_scenario_gives_tiers_demands_and_slo(tmp_path):
    log = write_log(tmp_path / "access.log", users=20, minutes=20)
    run = from_log(
        FromLogOptions(logs=(log,), base=SCENARIOS / "ci-smoke.toml", out=tmp_path / "d.toml")
    )
    base = load_scenario(SCENARIOS / "ci-smoke.toml")
    assert [t.name for t in run.scenario.tiers] == [t.name for t in base.tiers]
    assert (
        run.scenario.transaction("sign_payment").demand == base.transaction("sign_payment").demand
    )
    assert "PLACEHOLDER" not in run.scenario_path.read_text()


@pytest.mark.parametrize(
    ("content", "message"),
    [("", "empty log"), ("not a log\n" * 50, "do not parse")],
)
def test_unusable_logs_exit_2_with_one_line(tmp_path, capsys, content, message):
    log = tmp_path / "bad.log"
    log.write_text(content)
    assert (
        main(["scenario", "from-log", str(log), "--quiet", "--out", str(tmp_path / "x.toml")]) == 2
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0] and err[0].startswith("peakload scenario:")


@pytest.mark.slow
def test_round_trip_through_a_load_test_of_ci_smoke(tmp_path, monkeypatch):
    """The mock logs a ci-smoke load test; the derived scenario has its users, think
    time and payment flow."""
    log = tmp_path / "access.log"
    monkeypatch.setenv("PEAKLOAD_ACCESS_LOG", str(log))
    monkeypatch.chdir(tmp_path)
    loadtest(
        LoadTestOptions(
            scenario_path=SCENARIOS / "ci-smoke.toml", compress=20, out="out", plots=False
        )
    )
    run = from_log(FromLogOptions(logs=(log,), out=tmp_path / "derived.toml", plots=False))
    workload = run.workload
    assert workload.open_sessions.max() == pytest.approx(60, rel=0.10)
    assert workload.think_time.mean_s == pytest.approx(2.0, rel=0.15)
    flows = {f.steps: f.count for f in workload.flows}
    assert tuple(PAYMENT) in flows
    smoke = load_scenario(SCENARIOS / "ci-smoke.toml")
    expected = 6 / sum(f.weight for f in smoke.flow_list)
    assert flows[tuple(PAYMENT)] / sum(flows.values()) == pytest.approx(expected, abs=0.10)
