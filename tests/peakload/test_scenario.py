from pathlib import Path

import pytest

from peakload.contract.api import TRANSACTIONS as CONTRACT_TRANSACTIONS
from peakload.core.scenario_file import ScenarioError, load_scenario, parse_scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
TRANSACTIONS = set(CONTRACT_TRANSACTIONS)


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.toml")), ids=lambda p: p.name)
def test_every_shipped_scenario_loads_and_names_every_transaction(path):
    scenario = load_scenario(path)
    assert {t.name for t in scenario.transactions} == TRANSACTIONS
    steps = {s for flow in scenario.flow_list for s in flow.steps}
    assert steps == TRANSACTIONS - {"login"}  # every transaction is reached by some flow


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.toml")), ids=lambda p: p.name)
def test_a_shipped_scenario_cites_only_documents_a_user_has(path):
    """Its comments travel into every run's scenario.toml and report: a document
    they name must be in the repository, not beside a developer's checkout."""
    import re

    root = SCENARIOS.parent
    cited = re.findall(r"[\w./-]+\.(?:md|txt|html)\b", path.read_text())
    for document in cited:
        assert not document.startswith(".."), document
        assert (root / document).is_file(), document


def test_april_scenario_matches_the_published_figures():
    scenario = load_scenario(SCENARIOS / "kbnn-2020-04-peak.toml")
    profile = scenario.workload.profile
    assert profile.peak == 13_000
    window = scenario.window_s
    assert window is not None
    assert min(profile.at(t) for t in range(int(window[0]), int(window[1]) + 1, 60)) >= 10_000
    # Busy-day volumes: flows a day = user-seconds / (steps per flow x think time).
    think = scenario.workload.think_time.mean
    steps = profile.integral(scenario.start_s, scenario.end_s) / think
    flows = steps / scenario.mean_steps_per_flow()
    payment_share = next(f.weight for f in scenario.flow_list if f.name == "payment") / sum(
        f.weight for f in scenario.flow_list
    )
    assert flows * payment_share == pytest.approx(100_000, rel=0.02)


def test_nationwide_scenario_scales_april_by_the_unit_ratio():
    april = load_scenario(SCENARIOS / "kbnn-2020-04-peak.toml").workload.profile
    nationwide = load_scenario(SCENARIOS / "nationwide-2020-12.toml").workload.profile
    ratio = 92_456 / 73_595
    assert nationwide.peak == pytest.approx(16_300, rel=0.01)
    for t in april.times:
        assert nationwide.at(t) == pytest.approx(april.at(t) * ratio, abs=1.0)


def test_without_flows_each_transaction_is_a_one_step_flow():
    scenario = parse_scenario(
        """
        [scenario]
        name = "plain"
        [workload]
        kind = "open"
        rate = [["00:00", 5.0]]
        [[transactions]]
        name = "a"
        weight = 3
        demand = { cpu = { dist = "exponential", mean = 0.1 } }
        [[transactions]]
        name = "b"
        demand = { cpu = { dist = "deterministic", value = 0.1 } }
        [[tiers]]
        name = "cpu"
        instances = 1
        workers = 2
        """
    )
    assert [(f.name, f.weight, f.steps) for f in scenario.flow_list] == [
        ("a", 3.0, ["a"]),
        ("b", 1.0, ["b"]),
    ]
    assert scenario.step_shares() == {"a": 0.75, "b": 0.25}
    assert scenario.tiers[0].servers == 2


def test_login_takes_no_weight():
    text = (
        (SCENARIOS / "ci-smoke.toml")
        .read_text()
        .replace('name = "login"\n', 'name = "login"\nweight = 1\n')
    )
    with pytest.raises(ScenarioError, match=r"transactions\[0\].weight: 'login' runs once"):
        parse_scenario(text, "x.toml")


def test_open_and_closed_keys_do_not_mix():
    text = (SCENARIOS / "ci-smoke.toml").read_text().replace('kind = "closed"', 'kind = "open"')
    with pytest.raises(ScenarioError, match="an open workload needs 'rate'"):
        parse_scenario(text, "x.toml")


def test_entry_is_a_closed_workloads_rule():
    smoke = (SCENARIOS / "ci-smoke.toml").read_text()
    assert parse_scenario(smoke, "x.toml").workload.entry == "stationary"
    first = smoke.replace('kind = "closed"', 'kind = "closed"\nentry = "first_step"')
    assert parse_scenario(first, "x.toml").workload.entry == "first_step"
    with pytest.raises(ScenarioError, match="entry"):
        parse_scenario(smoke.replace('kind = "closed"', 'kind = "closed"\nentry = "top"'), "x.toml")
    station = (SCENARIOS / "checks" / "open-mmc.toml").read_text()
    station = station.replace('kind = "open"', 'kind = "open"\nentry = "first_step"')
    with pytest.raises(ScenarioError, match="'entry' belongs to a closed workload"):
        parse_scenario(station, "x.toml")
