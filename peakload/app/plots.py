"""PNG plots of a run's per-minute series: what planners would rather look at than read.

The charts are :data:`peakload.app.run_charts.RUN_CHARTS`, the same report.html draws."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np

from peakload.app.run_charts import RUN_CHARTS, SLO_COLOR, minute_middles

_EPOCH = np.datetime64("2020-01-01T00:00:00")


def _clock_axis(seconds: np.ndarray) -> np.ndarray:
    return _EPOCH + (seconds * 1000).astype("timedelta64[ms]")


def _figure(title: str, ylabel: str):
    fig, ax = plt.subplots(figsize=(10, 4.2), dpi=110)
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    ax.grid(True, alpha=0.3)
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M"))
    return fig, ax


def _shade_window(ax, window_s: list[float] | None) -> None:
    if window_s:
        lo, hi = _clock_axis(np.asarray(window_s, dtype=float))
        ax.axvspan(lo, hi, color="tab:orange", alpha=0.08, label="summary window")


def _save(fig, ax, path: Path) -> Path:
    ax.legend(loc="upper left", fontsize="small")
    fig.autofmt_xdate()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def plot_run(
    run_dir: Path,
    series: dict[str, np.ndarray],
    tiers: list[str],
    title: str,
    window_s: list[float] | None = None,
    slo_p95_s: float | None = None,
    max_utilization: float | None = None,
    population_label: str = "simulated",
) -> list[Path]:
    """One PNG per chart of :data:`~peakload.app.run_charts.RUN_CHARTS`, named after it."""
    x = _clock_axis(np.asarray(minute_middles(series)))
    limits = {"p95_s": slo_p95_s, "max_utilization": max_utilization}
    paths = []
    for chart in RUN_CHARTS:
        fig, ax = _figure(f"{title}: {chart.title}", chart.ylabel)
        for line in chart.lines(series, tiers, population_label):
            style = {"color": line.color} if line.color else {}
            ax.plot(
                x, line.values, ls="--" if line.dashed else "-", lw=1.3, label=line.label, **style
            )
        limit = chart.limit(limits)
        if limit is not None:
            ax.axhline(limit.value, color=SLO_COLOR, ls=":", label=limit.label)
        if chart.fraction:
            ax.set_ylim(0, 1.05)
        _shade_window(ax, window_s)
        paths.append(_save(fig, ax, run_dir / f"{chart.name}.png"))
    return paths
