"""PNG plots of a run's per-minute series: what planners would rather look at than read."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np

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
    x = _clock_axis(series["time_s"] + 30.0)  # plot each minute at its middle
    paths = []

    fig, ax = _figure(f"{title}: concurrent users", "users")
    ax.plot(x, series["target_concurrency"], color="black", ls="--", lw=1.2, label="target")
    ax.plot(x, series["concurrency"], color="tab:blue", lw=1.5, label=population_label)
    _shade_window(ax, window_s)
    paths.append(_save(fig, ax, run_dir / "concurrency.png"))

    fig, ax = _figure(f"{title}: throughput", "requests / s")
    ax.plot(x, series["throughput_rps"], color="tab:green", lw=1.3, label="all requests")
    errors = series["throughput_rps"] * np.nan_to_num(series["error_rate"])
    if np.any(errors > 0):
        ax.plot(x, errors, color="tab:red", lw=1.0, label="failed")
    _shade_window(ax, window_s)
    paths.append(_save(fig, ax, run_dir / "throughput.png"))

    fig, ax = _figure(f"{title}: response time", "seconds")
    ax.plot(x, series["p50_s"], color="tab:blue", lw=1.2, label="p50")
    ax.plot(x, series["p95_s"], color="tab:purple", lw=1.2, label="p95")
    if slo_p95_s is not None:
        ax.axhline(slo_p95_s, color="tab:red", ls=":", label=f"SLO p95 {slo_p95_s:g} s")
    _shade_window(ax, window_s)
    paths.append(_save(fig, ax, run_dir / "response_time.png"))

    fig, ax = _figure(f"{title}: utilization per tier", "busy fraction of c")
    for tier in tiers:
        column = series.get(f"util_{tier}")
        if column is not None:
            ax.plot(x, column, lw=1.2, label=tier)
    if max_utilization is not None:
        ax.axhline(max_utilization, color="tab:red", ls=":", label=f"SLO {max_utilization:g}")
    ax.set_ylim(0, 1.05)
    _shade_window(ax, window_s)
    paths.append(_save(fig, ax, run_dir / "utilization.png"))
    return paths
