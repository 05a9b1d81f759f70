"""The command line as a new user meets it: bad files, bad flags, a real run."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from peakload.cli import main
from tests.factories import assert_contract

SMOKE = Path(__file__).resolve().parents[2] / "scenarios" / "ci-smoke.toml"


def broken(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "broken.toml"
    path.write_text(text)
    return path


SMOKE_TEXT = SMOKE.read_text()
MISTAKES = {
    "typo in a key": (
        SMOKE_TEXT.replace("workers = 8", "wokers = 8"),
        "tiers[0].wokers: unknown key (did you mean 'workers'?)",
    ),
    "negative mean": (
        SMOKE_TEXT.replace("mean = 2.0", "mean = -2.0"),
        "workload.think_time.mean: must be > 0",
    ),
    "profile out of order": (
        SMOKE_TEXT.replace('["09:03", 60]', '["08:03", 60]'),
        "workload.concurrency: point [1] at 08:03 is not after point [0]",
    ),
    "unknown tier in a demand": (
        SMOKE_TEXT.replace("signature = { dist", "signatures = { dist"),
        "transactions[3].demand.signatures: unknown tier 'signatures'",
    ),
    "empty file": ("", "empty scenario"),
    "not TOML": ("[scenario\nname = 1", "not valid TOML"),
    "zero workers": (
        SMOKE_TEXT.replace("workers = 8", "workers = 0"),
        "tiers[0].workers: must be >= 1",
    ),
}


@pytest.mark.parametrize("mistake", MISTAKES, ids=list(MISTAKES))
@pytest.mark.parametrize("command", ["check", "simulate"])
def test_a_bad_scenario_gets_one_line_naming_file_and_key(tmp_path, capsys, mistake, command):
    text, expected = MISTAKES[mistake]
    path = broken(tmp_path, text)
    argv = (
        ["check", str(path)]
        if command == "check"
        else ["simulate", "--scenario", str(path), "--out", str(tmp_path / "out")]
    )
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert err[0].startswith(f"{path}: ")
    assert expected in err[0]
    assert "Traceback" not in err[0]
    assert not (tmp_path / "out").exists()  # nothing half-written


def test_missing_file(capsys):
    assert main(["check", "no/such.toml"]) == 2
    assert capsys.readouterr().err.strip() == "no/such.toml: no such file"


def test_window_outside_the_run_is_unusable(tmp_path, capsys):
    code = main(
        ["simulate", "--scenario", str(SMOKE), "--window", "08:00-09:10", "--out", str(tmp_path)]
    )
    assert code == 2
    assert "lies outside the run 09:00-09:20" in capsys.readouterr().err


def test_bad_flag_value_exits_2(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["simulate", "--scenario", str(SMOKE), "--replications", "0"])
    assert exit_info.value.code == 2
    assert "must be >= 1" in capsys.readouterr().err


def test_simulate_writes_the_output_contract(tmp_path, capsys):
    assert (
        main(
            [
                "simulate",
                "--scenario",
                str(SMOKE),
                "--replications",
                "2",
                "--jobs",
                "1",
                "--out",
                str(tmp_path),
            ]
        )
        == 0
    )
    (run_dir,) = tmp_path.iterdir()
    assert run_dir.name.endswith("-simulation-ci-smoke")
    names = {p.name for p in run_dir.iterdir()}
    assert {
        "summary.json",
        "timeseries.csv",
        "scenario.toml",
        "concurrency.png",
        "throughput.png",
        "response_time.png",
        "utilization.png",
        "provenance.json",
        "report.html",
    } <= names
    summary = json.loads((run_dir / "summary.json").read_text())
    assert_contract(summary, "simulation", {"gateway", "app", "signature", "db"})
    assert summary["scenario"] == "ci-smoke" and summary["window"] == ["09:05", "09:15"]
    overall = summary["overall"]
    assert overall["p95_s_ci95"] > 0  # two replications carry confidence half-widths
    assert summary["transactions"]["submit_payment"]["count"] > 0
    assert summary["slo"] == {
        "pass": True,
        "violations": [],
        "at_risk": summary["slo"]["at_risk"],
        "limits": ["p95_s", "error_rate", "max_utilization"],  # ci-smoke's [slo]
    }
    assert set(summary["analytic"]["tiers"]) == set(summary["tiers"])
    header = (run_dir / "timeseries.csv").read_text().splitlines()[0].split(",")
    assert header[:3] == ["clock", "target_concurrency", "concurrency"]
    for column in ("throughput_rps", "mean_s", "p95_s", "error_rate", "util_app", "queue_db"):
        assert column in header
    out = capsys.readouterr().out
    assert "SLO: PASS" in out and "submit_payment" in out


def test_slo_failure_exit_code_when_asked(tmp_path, capsys):
    undersized = SMOKE_TEXT.replace(
        'name = "signature"\ninstances = 1\nworkers = 2',
        'name = "signature"\ninstances = 1\nworkers = 1',
    ).replace("p95_s = 1.0", "p95_s = 0.05")
    path = broken(tmp_path, undersized)
    args = ["simulate", "--scenario", str(path), "--out", str(tmp_path / "o"), "--no-plots"]
    assert main(args) == 0  # it ran; the verdict is in the output
    assert main([*args, "--fail-on-slo"]) == 1
    assert "overall p95_s" in capsys.readouterr().out


def test_a_scenario_without_slo_says_no_limits_were_set_even_at_95_percent_errors(tmp_path, capsys):
    """No [slo]: nothing to pass. A gateway of one worker and no queue refuses nearly
    every request; the verdict must not read "SLO: PASS"."""
    text = SMOKE_TEXT[: SMOKE_TEXT.index("[slo]")] + SMOKE_TEXT[SMOKE_TEXT.index("[service]") :]
    refusing = text.replace(
        'name = "gateway"\ninstances = 1\nworkers = 8\nqueue_limit = 200',
        'name = "gateway"\ninstances = 1\nworkers = 1\nqueue_limit = 0',
    ).replace(
        'gateway = { dist = "exponential", mean = 0.002 }',
        'gateway = { dist = "deterministic", value = 1.0 }',
    )
    path = broken(tmp_path, refusing)
    args = ["simulate", "--scenario", str(path), "--out", str(tmp_path / "o"), "--no-plots"]
    assert main([*args, "--fail-on-slo"]) == 0  # no limit, so no failed verdict either
    out = " ".join(capsys.readouterr().out.split())
    (run_dir,) = (tmp_path / "o").iterdir()
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["overall"]["error_rate"] > 0.9
    assert summary["slo"]["limits"] == [] and summary["slo"]["pass"] is True
    assert "SLO: PASS" not in out
    assert "SLO: no limits set (the scenario has no [slo])" in out
    assert "NO SLO SET" in (run_dir / "report.html").read_text()


SHORT_RUN = """
[scenario]
name = "twenty-seconds"
start = "10:00"
end = "10:00:20"
window = ["10:00", "10:00:20"]

[workload]
kind = "open"
rate = [["10:00", 20.0]]

[[transactions]]
name = "search_budget_codes"
weight = 1
demand = { app = { dist = "exponential", mean = 0.05 } }

[[tiers]]
name = "app"
instances = 1
workers = 4
"""


def test_a_twenty_second_run_names_its_window_to_the_second(tmp_path, capsys):
    path = broken(tmp_path, SHORT_RUN)
    assert main(["simulate", "--scenario", str(path), "--out", str(tmp_path / "o")]) == 0
    heading = capsys.readouterr().out.splitlines()[0]
    assert "window 10:00-10:00:20" in heading, heading  # not "10:00-10:00"
    (run_dir,) = (tmp_path / "o").iterdir()
    assert json.loads((run_dir / "summary.json").read_text())["window"] == ["10:00", "10:00:20"]


def test_console_script_runs_outside_python(tmp_path):
    result = subprocess.run(
        [str(Path(sys.executable).parent / "peakload"), "check", str(SMOKE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "ci-smoke.toml: ok" in result.stdout


def test_every_help_page_prints_percent_signs_once():
    """argparse %-formats an argument's help but prints a description or epilog as
    written: a "95%%" there reaches the reader doubled."""
    import argparse

    from peakload.cli.main import build_parser

    parser = build_parser()
    pages = [parser.format_help()]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                pages.append(sub.format_help())
                pages += [
                    s.format_help()
                    for a in sub._actions
                    if isinstance(a, argparse._SubParsersAction)
                    for s in a.choices.values()
                ]
    assert len(pages) > 8
    assert not [page.splitlines()[0] for page in pages if "%%" in page]
