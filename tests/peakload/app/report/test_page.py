"""The report pages without a browser: what they say, what they escape, what they
read, and the command that rebuilds them."""

from __future__ import annotations

import json
import shutil

import plotly.graph_objects as go
import pytest

from peakload.app.provenance import FILE as PROVENANCE
from peakload.app.provenance import command_line
from peakload.app.report import (
    Headline,
    Section,
    build_report,
    paragraph,
    render,
    table,
    write_report,
)
from peakload.app.report.page import Report, plotly_js
from peakload.app.report.run_files import assumptions
from peakload.cli import main


def test_assumptions_are_the_top_comment_block_verbatim():
    text = (
        "# line one: 13,000 users at 10:00\n#\n#   indented <b>arithmetic</b> & more\n"
        "\n[scenario]\n# not an assumption\nname = 'x'\n"
    )
    assert (
        assumptions(text)
        == "line one: 13,000 users at 10:00\n\n  indented <b>arithmetic</b> & more"
    )
    assert assumptions("[scenario]\nname = 'x'\n") is None
    assert assumptions(None) is None


def test_every_value_on_the_page_is_escaped(simulation_run, tmp_path):
    run = tmp_path / simulation_run.name
    shutil.copytree(simulation_run, run)
    scenario = run / "scenario.toml"
    scenario.write_text("# <script>alert(1)</script> assumed\n" + scenario.read_text())
    page = write_report(run).read_text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; assumed" in page
    assert "<script>alert(1)</script>" not in page


def test_the_page_is_one_file_with_plotly_inlined_once(simulation_run):
    page = (simulation_run / "report.html").read_text()
    assert page.count(plotly_js()[:200]) == 1
    assert 'src="http' not in page and "src='http" not in page
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert page.index('id="verdict"') < page.index("<main>")  # verdict before everything


def test_a_page_without_figures_carries_no_plotly():
    page = render(Report("t", "s", Headline(True, "OK", "fine"), [Section("A", [paragraph("x")])]))
    assert plotly_js()[:200] not in page
    assert 'data-figures="0"' in page


def test_sections_from_another_job_get_the_closing_sections(simulation_run, tmp_path):
    run = tmp_path / "validation-run"
    run.mkdir()
    shutil.copy(simulation_run / "scenario.toml", run)
    figure = go.Figure(go.Scatter(x=[1, 2], y=[3, 4]))
    path = write_report(
        run,
        [Section("Levels", [table(["level", "agree"], [("1,000", "yes")]), figure])],
        Headline(False, "DISAGREES", "1 of 3 levels outside both intervals"),
        title="Validation: ci-smoke",
    )
    page = path.read_text()
    assert '<p id="verdict">DISAGREES</p>' in page
    for title in ("Levels", "Assumptions", "Provenance", "Files"):
        assert f"<h2>{title}</h2>" in page
    assert 'data-figures="1"' in page


def test_verdict_and_answer_follow_the_summary(simulation_run, tmp_path):
    run = tmp_path / simulation_run.name
    shutil.copytree(simulation_run, run)
    summary = json.loads((run / "summary.json").read_text())
    summary["slo"] = {
        "pass": False,
        "violations": [{"message": "p95 2.4 s > 2.0 s"}],
        "at_risk": [],
    }
    summary["overall"]["p95_s"] = 2.4
    summary["overall"]["peak_concurrency"] = 13000.0
    (run / "summary.json").write_text(json.dumps(summary))
    report = build_report(run)
    assert report.verdict.passed is False
    assert report.verdict.label == "SLO FAIL"
    assert report.verdict.answer.startswith("p95 2.4 s against 1 s at 13,000 users")
    assert "p95 2.4 s > 2.0 s" in report.verdict.notes


def test_provenance_is_recorded_and_shown(simulation_run):
    record = json.loads((simulation_run / PROVENANCE).read_text())
    assert record["seed"] == 42
    assert record["wall_s"] > 0
    assert record["machine"]["cores"] >= 1 and record["machine"]["memory_bytes"] > 0
    assert record["peakload_version"]
    page = (simulation_run / "report.html").read_text()
    assert record["command"].replace("'", "&#x27;") in page or record["command"] in page
    if record["git_commit"]:
        assert record["git_commit"] in page


def test_command_line_names_the_program_not_its_path():
    assert command_line(["/x/.venv/bin/peakload", "simulate", "--out", "a b"]) == (
        "peakload simulate --out 'a b'"
    )


def test_report_rebuilds_a_page_from_the_files_alone(simulation_run, tmp_path, capsys):
    run = tmp_path / simulation_run.name
    shutil.copytree(simulation_run, run)
    (run / "report.html").unlink()
    assert main(["report", str(run), "--quiet"]) == 0
    assert (run / "report.html").exists()
    assert "report:" in capsys.readouterr().out


def test_report_of_something_else_is_one_line_and_exit_2(tmp_path, capsys):
    assert main(["report", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "not a run directory" in err[0]
    assert main(["report"]) == 2


def test_index_lists_every_run_and_survives_a_broken_one(simulation_run, tmp_path):
    results = tmp_path / "results"
    results.mkdir()
    good = results / simulation_run.name
    shutil.copytree(simulation_run, good)
    (good / "report.html").unlink()
    broken = results / "20200101-000000-simulation-broken"
    broken.mkdir()
    (broken / "summary.json").write_text('{"kind": "simulation"}')
    assert main(["report", "--index", str(results), "--quiet"]) == 0
    index = (results / "index.html").read_text()
    assert f'href="{good.name}/report.html"' in index
    assert "UNREADABLE" in index and "SLO PASS" in index
    assert (good / "report.html").exists()  # the missing page was built


def test_a_run_directory_without_a_marker_is_refused(tmp_path):
    (tmp_path / "scenario.toml").write_text("# only a scenario\n")
    with pytest.raises(ValueError, match="not a run directory"):
        build_report(tmp_path)


def test_the_vendored_plotly_bundle_is_the_version_plotly_writes_for():
    import plotly.offline

    from peakload.app.report.page import VENDORED_BASIC

    header = VENDORED_BASIC.read_text()[:300]
    assert f" v{plotly.offline.get_plotlyjs_version()}\n" in header
    assert plotly_js().startswith("/**\n* plotly.js (basic - minified)")


@pytest.mark.parametrize(
    ("ci", "outcome"), [("true", pytest.fail.Exception), ("", pytest.skip.Exception)]
)
def test_without_chromium_browser_tests_skip_locally_and_fail_in_ci(monkeypatch, ci, outcome):
    from tests.peakload.app.report.browser import require_browser

    monkeypatch.delenv("PEAKLOAD_CHROMIUM", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setenv("CI", ci)
    with pytest.raises(outcome, match="chromium is not installed"):
        require_browser()


def test_a_comparison_page_says_what_made_it_and_each_run(simulation_run, tmp_path):
    from peakload.cli import main

    out = tmp_path / "compare.html"
    bare = tmp_path / "bare"
    bare.mkdir()
    (bare / "summary.json").write_text((simulation_run / "summary.json").read_text())
    assert main(["compare", str(simulation_run), str(bare), "--html", str(out)]) == 0
    html = out.read_text()
    section = html[html.index('id="provenance"') :]
    assert section.index("This comparison:") < section.index("command line")
    recorded = json.loads((simulation_run / "provenance.json").read_text())
    assert f"The baseline run ({simulation_run.name}):" in section
    assert recorded["started"] in section  # the baseline's own record, not this one's
    assert "The current run (bare):" in section
    assert "not recorded (the run predates provenance.json)" in section
