"""The picture of a calibration: each demand's estimate against its prior."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from peakload.contract.calibration import CalibrationReport


def plot_calibration(report: CalibrationReport, path: Path) -> Path:
    """Log-log: prior on x, estimate with its 95 % interval on y, one colour per tier;
    hollow markers for demands that are not identifiable. On the diagonal the
    prior was right."""
    fig, ax = plt.subplots(figsize=(7.5, 6.5), dpi=110)
    tiers = sorted({tier for row in report.demands.values() for tier in row})
    palette = plt.get_cmap("tab10").colors  # type: ignore[attr-defined]  # a ListedColormap
    colours = dict(zip(tiers, palette, strict=False))
    values = []
    for row in report.demands.values():
        for tier, e in row.items():
            if e.prior is None or e.prior <= 0:
                continue
            y = max(e.estimate, 1e-6)
            lo, hi = max(e.ci95[0], 1e-6), max(e.ci95[1], 1e-6)
            ax.errorbar(
                e.prior,
                y,
                yerr=[[max(y - lo, 0)], [max(hi - y, 0)]],
                fmt="o",
                color=colours[tier],
                mfc=colours[tier] if e.identifiable else "none",
                capsize=3,
                label=tier,
            )
            values += [e.prior, y]
    if values:
        span = [min(values) / 1.5, max(values) * 1.5]
        ax.plot(span, span, color="grey", lw=1, ls="--", label="estimate = prior")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("prior demand (s)")
    ax.set_ylabel("estimated demand (s), 95 % interval")
    ax.set_title(f"{report.scenario}: calibrated demands ({report.method.value})")
    handles, labels = ax.get_legend_handles_labels()
    unique = dict(zip(labels, handles, strict=True))
    ax.legend(unique.values(), unique.keys(), title="tier (hollow: not identifiable)")
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
