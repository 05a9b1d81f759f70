"""The workload as a tagged union: the right class per kind, one clear line per mistake."""

from pathlib import Path

import pytest

from peakload.core.scenario_file import ScenarioError, parse_scenario
from peakload.core.workload import ClosedWorkload, OpenWorkload

SMOKE = (Path(__file__).resolve().parents[3] / "scenarios" / "ci-smoke.toml").read_text()
CLOSED = (
    'kind = "closed"\n'
    'concurrency = [["09:00", 0], ["09:03", 60], ["09:17", 60], ["09:20", 0]]\n'
    'think_time = { dist = "exponential", mean = 2.0 }\n'
)


def with_workload(body: str) -> str:
    assert CLOSED in SMOKE  # the tests below rewrite this block
    return SMOKE.replace(CLOSED, body)


def errors(body: str) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(with_workload(body), "x.toml")
    return caught.value.lines


def test_each_kind_reads_into_its_own_class_with_its_own_profile():
    closed = parse_scenario(SMOKE).workload
    assert isinstance(closed, ClosedWorkload)
    assert closed.profile.peak == 60 and closed.think_time.mean == 2.0
    opened = parse_scenario(with_workload('kind = "open"\nrate = [["09:00", 5.0]]\n')).workload
    assert isinstance(opened, OpenWorkload)
    assert opened.profile.peak == 5.0 and not hasattr(opened, "think_time")


def test_a_workload_without_kind_is_closed():
    body = CLOSED.replace('kind = "closed"\n', "")
    assert isinstance(parse_scenario(with_workload(body)).workload, ClosedWorkload)


def test_scaled_multiplies_the_profile_and_keeps_the_kind():
    closed = parse_scenario(SMOKE).workload.scaled(2.0)
    assert isinstance(closed, ClosedWorkload) and closed.profile.peak == 120
    opened = parse_scenario(with_workload('kind = "open"\nrate = [["09:00", 5.0]]\n')).workload
    assert opened.scaled(0.5).profile.peak == 2.5 and opened.scaled(0.5).kind == "open"


@pytest.mark.parametrize(
    ("body", "line"),
    [
        (
            'kind = "closed"\nthink_time = { dist = "exponential", mean = 2.0 }\n',
            "x.toml: workload: a closed workload needs 'concurrency' [[clock, users], ...]",
        ),
        (
            CLOSED + 'rate = [["09:00", 1.0]]\n',
            "x.toml: workload: 'rate' belongs to an open workload; this one is closed",
        ),
        (
            'kind = "closed"\nconcurrency = [["09:00", 1]]\n',
            "x.toml: workload: a closed workload needs 'think_time'",
        ),
        (
            CLOSED.replace('"closed"', '"open"'),
            "x.toml: workload: an open workload needs 'rate' [[clock, requests_per_s], ...]",
        ),
        (
            'kind = "open"\nrate = [["09:00", 1.0]]\nconcurrency = [["09:00", 1]]\n',
            "x.toml: workload: 'concurrency' belongs to a closed workload; this one is open",
        ),
        (
            'kind = "open"\nrate = [["09:00", 1.0]]\n'
            'think_time = { dist = "exponential", mean = 2.0 }\n',
            "x.toml: workload: 'think_time' belongs to a closed workload: an open "
            "workload's requests arrive at 'rate' whatever the users do",
        ),
        (
            'kind = "half"\nrate = [["09:00", 1.0]]\n',
            "x.toml: workload.kind: Input should be 'closed' or 'open'",
        ),
        (
            'kind = "open"\nrat = [["09:00", 1.0]]\n',
            "x.toml: workload.rat: unknown key (did you mean 'rate'?)",
        ),
        (
            'kind = "open"\nrate = [["09:00", 1.0]]\ntimeout = 3\n',
            "x.toml: workload.timeout: unknown key (did you mean 'timeout_s'?)",
        ),
        (
            CLOSED.replace("concurrency", "concurrenci"),
            "x.toml: workload.concurrenci: unknown key (did you mean 'concurrency'?)",
        ),
        (
            'kind = "open"\nrate = [["09:00", 1.0], ["08:00", 2.0]]\n',
            "x.toml: workload.rate: point [1] at 08:00 is not after point [0] at 09:00: "
            "points must be in time order",
        ),
        (
            CLOSED.replace('"exponential", mean = 2.0', '"lognormal", mean = 2.0, cvv = 1.0'),
            "x.toml: workload.think_time.cvv: unknown key (did you mean 'cv'?)",
        ),
    ],
    ids=[
        "closed-needs-concurrency",
        "closed-takes-no-rate",
        "closed-needs-think-time",
        "open-needs-rate",
        "open-takes-no-concurrency",
        "open-takes-no-think-time",
        "unknown-kind",
        "open-typo",
        "open-shared-key-typo",
        "closed-typo",
        "open-profile-order",
        "distribution-typo-hints-its-own-keys",
    ],
)
def test_a_bad_workload_gets_one_line_naming_the_key(body, line):
    assert errors(body) == [line]
