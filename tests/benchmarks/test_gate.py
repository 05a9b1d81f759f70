"""The regression gate: its load test runs from a short lead-in to its window's end, and the
suite's sizing ratio is judged against its baseline."""

import json
from pathlib import Path

from benchmarks.gate import BASELINES, _window_only, gate, suite_ratios_gated

SMOKE = Path(__file__).resolve().parents[2] / "scenarios" / "ci-smoke.toml"


def test_the_load_test_runs_from_two_minutes_before_the_window_to_its_end():
    assert _window_only(SMOKE) == {"lead_in": "09:03", "window": ("09:05", "09:15")}


def test_a_window_near_the_start_leads_in_from_the_start(tmp_path):
    text = SMOKE.read_text().replace('window = ["09:05", "09:15"]', 'window = ["09:01", "09:15"]')
    scenario = tmp_path / "early.toml"
    scenario.write_text(text)
    assert _window_only(scenario)["lead_in"] == "09:00"


def test_a_scenario_without_a_window_runs_whole(tmp_path):
    text = SMOKE.read_text().replace('window = ["09:05", "09:15"]\n', "")
    scenario = tmp_path / "whole.toml"
    scenario.write_text(text)
    assert _window_only(scenario) == {}


def _suite_run(tmp_path: Path, sizing_factor: float) -> Path:
    """The suite's baseline summary with its sizing ratio multiplied by the factor."""
    document = json.loads((BASELINES / "suite" / "summary.json").read_text())
    document["benchmarks"]["sizing"]["ratio"] *= sizing_factor
    run = tmp_path / f"suite-{sizing_factor}"
    run.mkdir()
    (run / "summary.json").write_text(json.dumps(document))
    return run


def test_the_gate_judges_the_sizing_ratio_against_its_baseline(tmp_path, capsys):
    assert "sizing" in suite_ratios_gated()  # so make bench measures it
    assert gate({"suite": _suite_run(tmp_path, 1.2)}, tmp_path / "noise") == 0
    assert gate({"suite": _suite_run(tmp_path, 1.45)}, tmp_path / "slower") == 1
    regressed = [line for line in capsys.readouterr().out.splitlines() if "| regression" in line]
    assert len(regressed) == 1 and "benchmarks.sizing.ratio" in regressed[0]
