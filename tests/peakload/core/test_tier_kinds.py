"""What the scenario contract says of a delay tier that the engines rely on: it cannot
fail, and a scenario written back (sized, calibrated) loads again."""

from __future__ import annotations

import pytest
import tomli_w

from peakload.core.scenario_file import ScenarioError, parse_scenario

SCENARIO = """
[scenario]
name = "kinds"
start = "09:00"
end = "10:00"

[workload]
kind = "open"
rate = [["09:00", 5.0]]

[[transactions]]
name = "job"
demand.network = { dist = "exponential", mean = 0.006 }
demand.app = { dist = "exponential", mean = 0.05 }

[[tiers]]
name = "network"
kind = "delay"

[[tiers]]
name = "app"
instances = 2
workers = 16
cores = 4
"""


def test_a_delay_tier_cannot_be_failed():
    text = SCENARIO + '\n[[failures]]\ntier = "network"\nstart = "09:10"\nend = "09:20"\n'
    with pytest.raises(ScenarioError, match=r"failures\[0\].tier: 'network' is a delay"):
        parse_scenario(text, "x.toml")


def test_a_scenario_with_a_delay_written_back_loads_again():
    scenario = parse_scenario(SCENARIO, "x.toml")
    # As `size` and `calibrate` change tiers: a copy that marks instances as set.
    copied = scenario.with_tiers(
        [t.model_copy(update={"instances": 1, "workers": 1}) for t in scenario.tiers]
    )
    data = copied.model_dump(by_alias=True, exclude_none=True)
    assert data["tiers"][0] == {"name": "network", "kind": "delay"}
    again = parse_scenario(tomli_w.dumps(data), "y.toml")
    assert again.tiers[0].is_delay
    assert (again.tiers[1].instances, again.tiers[1].cores) == (1, 4)
