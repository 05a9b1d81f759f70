"""The real server process: uvicorn on loopback, tuned for many idle users."""

from __future__ import annotations

import json
import signal
import urllib.request
from pathlib import Path

import pytest

from loadtests.mock_process import MockServer
from mock_server.serve import MIN_KEEP_ALIVE_S, keep_alive_for
from peakload.contract.api import DEV_ADMIN_TOKEN
from peakload.core.scenario_file import load_scenario

pytestmark = [pytest.mark.load, pytest.mark.untimed]  # answers, limits, an exit status

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def test_keep_alive_outlasts_the_longest_think_time():
    april = load_scenario(SCENARIOS / "kbnn-2020-04-peak.toml")
    seconds = keep_alive_for(april)
    # lognormal(mean 280, cv 1): the 99.9th percentile is about 2,600 s.
    assert 2_500 < seconds < 3_200
    assert keep_alive_for(load_scenario(SCENARIOS / "ci-smoke.toml")) == MIN_KEEP_ALIVE_S
    assert keep_alive_for(None) == MIN_KEEP_ALIVE_S


def _get(url: str, token: str | None = None) -> dict:
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


@pytest.mark.slow
def test_served_process_answers_raises_its_fd_limit_and_stops_cleanly(tmp_path):
    server = MockServer(SCENARIOS / "ci-smoke.toml", tmp_path / "serve.db")
    try:
        server.wait_ready()
        health = _get(f"{server.url}/healthz")
        assert health == {**health, "status": "ok", "scenario": "ci-smoke", "emulating": True}
        limits = Path(f"/proc/{server.pid}/limits").read_text()
        line = next(x for x in limits.splitlines() if x.startswith("Max open files"))
        soft, hard = line.split()[3:5]
        assert soft == hard  # raised to the hard limit at start
        stats = _get(f"{server.url}/admin/stats", DEV_ADMIN_TOKEN)
        assert stats["records"]["units"]["all"] == 92_456
    finally:
        code = server.stop()
    # uvicorn shuts down gracefully on SIGTERM, then re-raises it: exit status -15.
    assert code in (0, -signal.SIGTERM), server.log_tail()
    assert "published development default" in server.log_path.read_text()
    with MockServer(None, tmp_path / "serve.db") as again:  # same file: units kept
        stats = _get(f"{again.url}/admin/stats", DEV_ADMIN_TOKEN)
        assert stats["records"]["units"]["all"] == 92_456 and stats["tiers"] == {}
