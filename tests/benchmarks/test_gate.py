"""The regression gate's load test runs from a short lead-in to its window's end."""

from pathlib import Path

from benchmarks.gate import _window_only

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
