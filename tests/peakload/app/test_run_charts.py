"""The charts of a run's day are defined once: the PNGs and report.html draw the same
ones, with the same lines and limits."""

from __future__ import annotations

import numpy as np

from peakload.app.plots import plot_run
from peakload.app.report.figures import run_chart
from peakload.app.run_charts import RUN_CHARTS


def _series(error_rate: float) -> dict[str, np.ndarray]:
    minutes = 5
    return {
        "time_s": 9 * 3600 + 60.0 * np.arange(minutes),
        "target_concurrency": np.full(minutes, 60.0),
        "concurrency": np.full(minutes, 58.0),
        "throughput_rps": np.full(minutes, 29.0),
        "error_rate": np.array([error_rate, np.nan, 0.0, 0.0, 0.0]),
        "p50_s": np.full(minutes, 0.03),
        "p95_s": np.full(minutes, 0.15),
        "util_app": np.full(minutes, 0.2),
        "util_db": np.full(minutes, 0.1),
    }


def test_the_pngs_and_the_page_draw_the_same_charts(tmp_path):
    series, tiers = _series(error_rate=0.1), ["app", "db", "signature"]  # no signature column
    limits = {"p95_s": 0.5, "max_utilization": 0.75}
    paths = plot_run(tmp_path, series, tiers, "ci-smoke", [9 * 3600, 9 * 3600 + 240], 0.5, 0.75)
    assert [p.name for p in paths] == [f"{chart.name}.png" for chart in RUN_CHARTS]
    assert all(p.stat().st_size > 0 for p in paths)
    for chart in RUN_CHARTS:
        figure = run_chart(chart, series, tiers, None, limits, "simulated")
        lines = chart.lines(series, tiers, "simulated")
        assert figure.layout.title.text == chart.title
        assert [trace.name for trace in figure.data] == [line.label for line in lines]
        limit = chart.limit(limits)
        shown = [a.text for a in figure.layout.annotations]
        assert (limit is None and not shown) or (limit is not None and limit.label in shown)
    utilization = next(c for c in RUN_CHARTS if c.name == "utilization")
    assert [line.label for line in utilization.lines(series, tiers, "x")] == ["app", "db"]


def test_failures_are_drawn_only_when_there_were_some():
    throughput = next(c for c in RUN_CHARTS if c.name == "throughput")
    failing = throughput.lines(_series(error_rate=0.1), [], "simulated")
    assert [line.label for line in failing] == ["all requests", "failed"]
    assert failing[1].values[:2] == [29.0 * 0.1, 0.0]  # a minute with no rate failed nothing
    clean = throughput.lines(_series(error_rate=0.0), [], "simulated")
    assert [line.label for line in clean] == ["all requests"]
