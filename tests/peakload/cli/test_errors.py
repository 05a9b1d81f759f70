"""Exit codes as CI reads them: a crash is 3 with its traceback kept, never 1 (a failed
verdict); an output directory that cannot be made is unusable input, 2, in one line."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

import peakload.app.simulate.job
from peakload.cli import main
from peakload.cli.errors import EXIT_CODES_ALWAYS, EXIT_CRASHED, EXIT_UNUSABLE
from peakload.cli.main import COMMANDS

SMOKE = Path(__file__).resolve().parents[3] / "scenarios" / "ci-smoke.toml"


def test_an_injected_crash_exits_3_and_names_the_file_holding_its_traceback(
    tmp_path, monkeypatch, capsys
):
    def crash(*args, **kwargs):
        raise ZeroDivisionError("injected: the replication loop divided by zero")

    monkeypatch.setattr(peakload.app.simulate.job, "run_simulation", crash)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    code = main(["simulate", "--scenario", str(SMOKE), "--out", str(tmp_path / "out"), "--quiet"])
    assert code == EXIT_CRASHED == 3
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("peakload simulate: unexpected error")
    assert "ZeroDivisionError: injected: the replication loop divided by zero" in line
    kept = Path(line.rsplit("traceback in ", 1)[1])
    assert kept.parent == tmp_path / "tmp" and kept.is_file()
    text = kept.read_text()
    assert "Traceback (most recent call last)" in text
    assert "in crash" in text and "divided by zero" in text  # the frame that raised


def test_ctrl_c_is_130_not_a_crash(tmp_path, monkeypatch, capsys):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(peakload.app.simulate.job, "run_simulation", interrupted)
    code = main(["simulate", "--scenario", str(SMOKE), "--out", str(tmp_path / "out"), "--quiet"])
    assert code == 130
    assert capsys.readouterr().err.strip() == "interrupted"


@pytest.mark.parametrize("out", ["/proc/nope", "a-file"])
def test_an_output_directory_that_cannot_be_made_is_one_line_and_exit_2(tmp_path, out):
    (tmp_path / "a-file").write_text("not a directory\n")
    result = subprocess.run(
        [sys.executable, "-m", "peakload.cli", "simulate", "--scenario", str(SMOKE),
         "--out", out, "--quiet"],
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
    )  # fmt: skip
    assert result.returncode == EXIT_UNUSABLE, result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"peakload simulate: --out {out}: cannot make the run directory")
    assert not (tmp_path / "out").exists()


def test_every_commands_help_ends_with_the_shared_exit_codes(capsys):
    names = [module.NAME for module in COMMANDS] + ["scenario from-log"]
    for name in names:
        with pytest.raises(SystemExit):
            main([*name.split(), "--help"])
        text = " ".join(capsys.readouterr().out.split())  # argparse wraps the epilog
        assert text.endswith(" ".join(EXIT_CODES_ALWAYS.split())), name
        assert "Exit codes: 0" in text, name
