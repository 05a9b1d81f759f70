"""The setup's sign-in rate: what the tiers the sign-in visits can take."""

from __future__ import annotations

import pytest

from loadtests.roster import SETUP_LOAD, setup_rate
from peakload.core.scenario_file import scenario_from_dict


def test_a_delay_never_limits_the_setup_and_a_cores_tier_is_limited_by_its_cores():
    # Sign-in spends 50 ms on each: the cores tier does 4 cores' worth of it (64 a second
    # at 80 %), not 32 workers' (512); the delay holds any number at once.
    demand = {"dist": "deterministic", "value": 0.05}
    scenario = scenario_from_dict(
        {
            "scenario": {"name": "setup"},
            "workload": {"kind": "open", "rate": [["00:00", 1.0]]},
            "transactions": [
                {"name": "login", "demand": {"app": demand, "network": demand}},
                {"name": "get_payment", "weight": 1, "demand": {"network": demand}},
            ],
            "tiers": [
                {"name": "app", "instances": 2, "workers": 16, "cores": 2},
                {"name": "network", "kind": "delay"},
            ],
        }
    )
    assert setup_rate(scenario) == pytest.approx(SETUP_LOAD * 4 / 0.05)
