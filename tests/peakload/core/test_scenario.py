"""The scenario contract's ``deferred`` work: read, refused in one line naming the key."""

from pathlib import Path

import pytest

from peakload.core.scenario_file import parse_scenario
from tests.factories import refused_in_one_line

SMOKE_TEXT = (Path(__file__).resolve().parents[3] / "scenarios" / "ci-smoke.toml").read_text()
SUBMIT = 'name = "submit_payment"\n'


def with_deferred(work: str) -> str:
    """ci-smoke with ``submit_payment`` leaving ``work`` (TOML inline tables)."""
    assert SUBMIT in SMOKE_TEXT
    return SMOKE_TEXT.replace(SUBMIT, f"{SUBMIT}deferred = [{work}]\n")


CONTROL = '{ tier = "app", after_s = 5.0, demand = { dist = "exponential", mean = 0.0005 } }'


def test_deferred_work_is_read_per_transaction():
    scenario = parse_scenario(with_deferred(CONTROL + ", " + CONTROL.replace("5.0", "35.0")))
    accept, pay = scenario.transaction("submit_payment").deferred
    assert (accept.tier, accept.after_s, accept.demand.mean) == ("app", 5.0, 0.0005)
    assert pay.after_s == 35.0
    assert scenario.transaction("create_payment").deferred == []


MISTAKES = {
    "unknown tier": (
        CONTROL.replace('"app"', '"apps"'),
        "transactions[4].deferred[0].tier: unknown tier 'apps' "
        "(tiers are: gateway, app, signature, db)",
    ),
    "negative delay": (
        CONTROL.replace("5.0", "-5.0"),
        "transactions[4].deferred[0].after_s: must be >= 0",
    ),
    "no demand": (
        '{ tier = "app", after_s = 5.0 }',
        "transactions[4].deferred[0].demand: required key is missing",
    ),
}


@pytest.mark.parametrize("mistake", MISTAKES, ids=list(MISTAKES))
def test_check_refuses_bad_deferred_work_in_one_line_naming_the_key(tmp_path, capsys, mistake):
    work, expected = MISTAKES[mistake]
    assert expected in refused_in_one_line(tmp_path / "later.toml", with_deferred(work), capsys)


def test_deferred_work_on_a_delay_tier_is_refused(tmp_path, capsys):
    text = with_deferred(CONTROL.replace('"app"', '"outside"')) + (
        '\n[[tiers]]\nname = "outside"\nkind = "delay"\n'
    )
    line = refused_in_one_line(tmp_path / "later.toml", text, capsys)
    assert "transactions[4].deferred[0].tier: 'outside' is a delay tier" in line
