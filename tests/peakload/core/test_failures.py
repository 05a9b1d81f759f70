"""``[[failures]]`` in the scenario contract: checked by ``peakload check``, one line
naming the key, and read the same way by every engine (``servers_lost``)."""

from pathlib import Path

import pytest

from peakload.cli import main
from peakload.core.scenario_file import parse_scenario
from tests.factories import refused_in_one_line

SMOKE_TEXT = (Path(__file__).resolve().parents[3] / "scenarios" / "ci-smoke.toml").read_text()


def with_failure(body: str) -> str:
    return SMOKE_TEXT + "\n[[failures]]\n" + body + "\n"


def test_a_failure_is_read_with_one_instance_by_default():
    scenario = parse_scenario(with_failure('tier = "app"\nstart = "09:07"\nend = "09:13"'))
    (failure,) = scenario.failures
    assert (failure.tier, failure.instances) == ("app", 1)
    assert (failure.start_s, failure.end_s) == (9 * 3600 + 7 * 60, 9 * 3600 + 13 * 60)
    # one app instance of two, 2 workers each: 2 of 4 servers lost, only inside [start, end)
    assert scenario.servers_lost("app", failure.start_s) == 2
    assert scenario.servers_lost("app", failure.end_s - 1) == 2
    assert scenario.servers_lost("app", failure.end_s) == 0
    assert scenario.servers_lost("db", failure.start_s) == 0


def test_a_failure_has_one_key_and_one_label():
    scenario = parse_scenario(
        with_failure('tier = "app"\nstart = "09:07"\nend = "09:13"')
        + '\n[[failures]]\ntier = "app"\nstart = "09:10"\nend = "09:12:30"\ninstances = 2\n'
    )
    one, both = scenario.failures
    assert one.key == "app 09:07-09:13" and one.label == "app 09:07-09:13 (1 instance)"
    assert both.key == "app 09:10-09:12:30" and both.label == "app 09:10-09:12:30 (2 instances)"


def test_overlapping_failures_add_up():
    text = with_failure('tier = "app"\nstart = "09:07"\nend = "09:13"') + (
        '[[failures]]\ntier = "app"\nstart = "09:10"\nend = "09:12"\n'
    )
    scenario = parse_scenario(text)
    assert scenario.servers_lost("app", 9 * 3600 + 8 * 60) == 2
    assert scenario.servers_lost("app", 9 * 3600 + 11 * 60) == 4


MISTAKES = {
    "unknown tier": (
        'tier = "apps"\nstart = "09:07"\nend = "09:13"',
        "failures[0].tier: unknown tier 'apps' (tiers are: gateway, app, signature, db)",
    ),
    "end before start": (
        'tier = "app"\nstart = "09:13"\nend = "09:07"',
        "failures[0].end: 09:07 is not after start 09:13",
    ),
    "more instances than the tier has": (
        'tier = "app"\nstart = "09:07"\nend = "09:13"\ninstances = 3',
        "failures[0].instances: 3 lost, but tier 'app' has 2",
    ),
    "not a clock": (
        'tier = "app"\nstart = "9h"\nend = "09:13"',
        "failures[0].start: '9h' is not a clock time",
    ),
    "no instance lost": (
        'tier = "app"\nstart = "09:07"\nend = "09:13"\ninstances = 0',
        "failures[0].instances: must be >= 1",
    ),
}


@pytest.mark.parametrize("mistake", MISTAKES, ids=list(MISTAKES))
def test_check_refuses_a_bad_failure_in_one_line_naming_the_key(tmp_path, capsys, mistake):
    body, expected = MISTAKES[mistake]
    path = tmp_path / "drill.toml"
    line = refused_in_one_line(path, with_failure(body), capsys)
    assert line.startswith(f"{path}: ")
    assert expected in line


def test_check_accepts_a_good_drill(tmp_path, capsys):
    path = tmp_path / "drill.toml"
    path.write_text(with_failure('tier = "app"\nstart = "09:07"\nend = "09:13"'))
    assert main(["check", str(path)]) == 0
