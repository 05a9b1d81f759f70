"""``peakload scenario from-log``: a file check accepts, one-line errors, the round trip."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from peakload.app.from_log.job import FromLogOptions, from_log
from peakload.app.loadtest.job import LoadTestOptions, loadtest
from peakload.cli import main
from peakload.core.scenario_file import load_scenario
from tests.peakload.measure.access_log.synthetic import write_log
from tests.peakload.measure.access_log.truth import generate, write

pytestmark = pytest.mark.load  # real traffic or real timing (how make test runs it: the Makefile)

SCENARIOS = Path(__file__).resolve().parents[4] / "scenarios"
APACHE_COMMON = (Path(__file__).parents[2] / "data/access_logs/apache/common.log").read_text()
PAYMENT = ["search_budget_codes", "create_payment", "sign_payment", "submit_payment", "get_payment"]


@pytest.mark.untimed
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


@pytest.mark.untimed
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


@pytest.mark.untimed
def test_the_bases_deferred_work_is_kept(tmp_path):
    submit = 'name = "submit_payment"\n'
    text = (SCENARIOS / "ci-smoke.toml").read_text()
    assert submit in text
    work = '{ tier = "app", after_s = 35.0, demand = { dist = "exponential", mean = 0.0005 } }'
    base = tmp_path / "base.toml"
    base.write_text(text.replace(submit, f"{submit}deferred = [{work}]\n"))
    log = write_log(tmp_path / "access.log", users=20, minutes=20)
    run = from_log(FromLogOptions(logs=(log,), base=base, out=tmp_path / "d.toml"))
    (kept,) = run.scenario.transaction("submit_payment").deferred
    assert (kept.tier, kept.after_s, kept.demand.mean) == ("app", 35.0, 0.0005)
    assert run.scenario.transaction("create_payment").deferred == []


@pytest.mark.parametrize(
    ("content", "message"),
    [("", "empty log"), (APACHE_COMMON * 3 + "not a log\n" * 50, "do not parse")],
)
@pytest.mark.untimed
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
            scenario_path=SCENARIOS / "ci-smoke.toml", compress=40, out="out", plots=False
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


def _cli(tmp_path, *args: str) -> tuple[int, str, str]:
    out = tmp_path / "derived.toml"
    code = main(["scenario", "from-log", *args, "--out", str(out), "--no-plots"])
    return code, out.read_text() if out.exists() else "", str(out)


@pytest.mark.untimed
def test_the_header_says_format_clock_day_and_what_the_format_lacks(tmp_path, capsys):
    """A W3C (IIS) day read on Hanoi's clock, and the same day as Apache combined without
    durations: each file says what it was read as, and the combined one what it lacks."""
    frame, _ = generate(users=60, seed=3)
    iis = write(tmp_path / "u_ex200427.log", frame, "w3c")
    code, text, _ = _cli(tmp_path, str(iis), "--tz", "Asia/Ho_Chi_Minh")
    assert code == 0
    assert "# Format: W3C extended (IIS)" in text
    assert "# Clock: Asia/Ho_Chi_Minh (--tz Asia/Ho_Chi_Minh)." in text
    assert "# Day: 2020-04-27, the busiest; the log has no other day." in text
    assert "4 W3C directives" in text and "MISSING" not in text
    assert "Clock: Asia/Ho_Chi_Minh" in capsys.readouterr().out
    plain = write(tmp_path / "access.log", frame, "combined")
    code, text, out = _cli(tmp_path, str(plain))
    assert code == 0
    assert "# Format: Apache/nginx combined, no duration (1 file)." in text
    assert "# Clock: UTC+07:00 (the log's own offset, +07:00)." in text
    assert "# MISSING: the log has no request durations" in text
    details = json.loads(Path(out).with_suffix(".json").read_text())
    assert details["durations"] is False
    assert details["transactions"]["get_payment"]["p95_s"] is None
    assert main(["check", out]) == 0  # the placeholder system still checks


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        (
            "2026-12-02 03:35:24,117 INFO started worker 3\n" * 5,
            [],
            "cannot tell the log's format (tried common, combined, common-usec",
        ),
        (None, ["--day", "2020-05-01"], "no request on 2020-05-01 (UTC+07:00); the logs have: "),
        (None, ["--tz", "Hanoi"], "--tz Hanoi: neither an IANA time zone"),
        (None, ["--format", "jsonl", "--fields", "when=ts"], "'when=ts' is not NAME=KEY"),
    ],
)
@pytest.mark.untimed
def test_bad_input_exits_2_with_one_line(tmp_path, capsys, content, args, message):
    log = tmp_path / "access.log"
    if content is None:
        frame, _ = generate(users=20, seed=4)
        write(log, frame, "combined-usec")
    else:
        log.write_text(content)
    code, _, _ = _cli(tmp_path, str(log), "--quiet", *args)
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0], err
