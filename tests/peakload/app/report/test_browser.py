"""Every kind of run's report.html, opened in headless Chromium: it loads with no
console error and no request beyond the file, every figure is drawn at a non-zero
size, the verdict is the one the run's JSON states, and a screenshot is kept under
results/test-artifacts/ (path printed; run with -s to see it)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.peakload.app.report.browser import ARTIFACTS, assert_clean, open_page

# A page and its figures, whatever the run measured: nothing timed.
pytestmark = [pytest.mark.load, pytest.mark.untimed]


def record_weight(name: str, page: Path, screenshot: Path | None) -> int:
    """Keep the page weight beside the screenshot: the test's measured figures."""
    weight = page.stat().st_size
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"{name}.json").write_text(
        json.dumps({"page": str(page), "bytes": weight, "screenshot": str(screenshot)}) + "\n"
    )
    print(f"{name}: {page} is {weight / 1e6:.2f} MB")
    assert weight < 2_000_000  # the basic plotly.js bundle (1.2 MB) inlined once
    return weight


def test_simulation_report(browser, simulation_run):
    summary = json.loads((simulation_run / "summary.json").read_text())
    page = simulation_run / "report.html"
    loaded = open_page(browser, page, "report-simulation")
    assert_clean(loaded)
    assert loaded.figures_declared == 4  # concurrency, throughput, response time, utilization
    assert loaded.verdict == ("SLO PASS" if summary["slo"]["pass"] else "SLO FAIL")
    assert f"p95 {summary['overall']['p95_s']:.3g} s" in loaded.answer
    assert loaded.screenshot.stat().st_size > 10_000
    record_weight("report-simulation", page, loaded.screenshot)


@pytest.mark.slow
def test_loadtest_report_links_locusts_own(browser, loadtest_run):
    summary = json.loads((loadtest_run / "summary.json").read_text())
    page = loadtest_run / "report.html"
    loaded = open_page(browser, page, "report-loadtest")
    assert_clean(loaded)
    assert loaded.figures_declared == 4
    assert loaded.verdict == ("SLO PASS" if summary["slo"]["pass"] else "SLO FAIL")
    assert (loadtest_run / "locust-report.html").exists()
    assert 'href="locust-report.html"' in page.read_text()
    record_weight("report-loadtest", page, loaded.screenshot)


@pytest.mark.slow
def test_sizing_report(browser, sizing_run):
    document = json.loads((sizing_run / "sizing.json").read_text())
    page = sizing_run / "report.html"
    loaded = open_page(browser, page, "report-sizing")
    assert_clean(loaded)
    assert loaded.figures_declared == 2  # capacity curve, p95 against instances
    assert loaded.verdict == ("SLO PASS" if document["slo"]["pass"] else "SLO FAIL")
    for tier, t in document["recommended"].items():
        assert f"{tier} {t['instances']}x{t['workers']}" in loaded.answer
    record_weight("report-sizing", page, loaded.screenshot)


def test_comparison_page(browser, simulation_run, tmp_path):
    from peakload.cli import main

    out = tmp_path / "compare.html"
    code = main(["compare", str(simulation_run), str(simulation_run), "--html", str(out)])
    assert code == 0
    loaded = open_page(browser, out, None)
    assert_clean(loaded)
    assert loaded.verdict == "NO REGRESSION"


def test_index_page_links_every_run(browser, simulation_run, tmp_path):
    from peakload.cli import main

    assert main(["report", "--index", str(simulation_run.parent), "--quiet"]) == 0
    index = simulation_run.parent / "index.html"
    page = browser.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(index.as_uri())
    links = page.locator("td a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    page.close()
    assert f"{simulation_run.name}/report.html" in links
    assert requests == [index.as_uri()]


def test_a_section_another_job_adds_renders(browser, simulation_run, tmp_path):
    """The API validate and calibrate use: given sections, a verdict, figures."""
    import shutil

    from peakload.app.report import Headline, Section, table, write_report
    from peakload.app.report.figures import paired_intervals

    run = tmp_path / "validation"
    run.mkdir()
    shutil.copy(simulation_run / "scenario.toml", run)
    figure = paired_intervals(
        ["1,000", "5,000", "13,000"],
        ("predicted", [0.2, 0.4, 0.97], [0.01, 0.02, 0.05]),
        ("measured", [0.21, 0.43, 1.1], [0.02, 0.03, None]),
        "p95 per level",
        "seconds",
        limit=2.0,
    )
    page = write_report(
        run,
        [Section("Levels", [table(["level", "agree"], [("1,000", "yes")]), figure])],
        Headline(False, "DISAGREES", "1 of 3 levels outside both intervals"),
        title="Validation: ci-smoke",
    )
    loaded = open_page(browser, page, None)
    assert_clean(loaded)
    assert loaded.figures_declared == 1 and loaded.traces_per_figure == [2]
    assert loaded.verdict == "DISAGREES"
