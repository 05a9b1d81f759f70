"""validate's charts of predicted against measured, defined once (:data:`PANELS`): the
PNG ``validation.png`` (:func:`plot_validation`) and report.html
(:func:`validation_figures`) draw the same panels, each metric at each level with its
95 % intervals."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from peakload.app.validate.run import ValidationRun
from peakload.measure.validation import (
    ValidationVerdict,
)


@dataclass(frozen=True)
class Panel:
    """One chart of predicted against measured: its title, which metrics it shows and
    the factor from the metric's unit to the chart's. The PNG and report.html draw
    the same panels."""

    title: str
    metrics: tuple[str, ...] = ()
    """Metrics shown by name; empty: those ending in ``suffix``."""
    suffix: str = ""
    unit: float = 1.0

    def shows(self, metric: str) -> bool:
        return metric in self.metrics if self.metrics else metric.endswith(self.suffix)


PANELS = (
    Panel("throughput (req/s)", metrics=("overall.throughput_rps",)),
    Panel("overall mean and p95 (ms)", metrics=("overall.mean_s", "overall.p95_s"), unit=1e3),
    Panel("tier utilization (%)", suffix=".utilization", unit=100.0),
    Panel("tier mean response (ms)", suffix=".mean_response_s", unit=1e3),
)


def validation_figures(run: ValidationRun) -> list[Any]:
    """The :data:`PANELS` as interactive charts for report.html: each metric at each
    level, predicted beside measured with its 95 % interval."""
    from peakload.app.report.figures import paired_intervals

    rows = run.level_rows
    out = []
    for panel in PANELS:
        mine = [r for r in rows if panel.shows(r.metric)]
        if not mine:
            continue
        categories = [f"{_short(r.metric)} @ {r.level:g}" for r in mine]
        sides = [
            (
                side,
                [e.value * panel.unit for e in estimates],
                [_bar(e.side(upward=True)) * panel.unit for e in estimates],
                [_bar(e.side(upward=False)) * panel.unit for e in estimates],
            )
            for side, estimates in (
                ("predicted", [r.predicted for r in mine]),
                ("measured", [r.measured for r in mine]),
            )
        ]
        title, _, unit = panel.title.rpartition(" (")
        out.append(paired_intervals(categories, sides[0], sides[1], title, unit.rstrip(")")))
    return out


def plot_validation(run: ValidationRun, path: Path) -> Path:
    """Predicted (open markers) vs measured (filled) per level, 95 % intervals as bars."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(11, 7.5), dpi=110)
    rows = run.level_rows  # the drill's rows are in the table and report, not on these axes
    levels = sorted({r.level for r in rows})
    position = {level: i for i, level in enumerate(levels)}  # levels evenly spaced
    for ax, panel in zip(axes.flat, PANELS, strict=True):
        title, unit = panel.title, panel.unit
        metrics = list(dict.fromkeys(r.metric for r in rows if panel.shows(r.metric)))
        width = 0.8 / max(1, len(metrics))
        for i, metric in enumerate(metrics):
            mine = [r for r in rows if r.metric == metric]
            x = [position[r.level] - 0.4 + (i + 0.5) * width for r in mine]
            color = f"C{i % 10}"
            measured = [r.measured.value * unit for r in mine]
            ax.errorbar(
                [v - width / 5 for v in x],
                measured,
                yerr=[_bar(r.measured.ci95) * unit for r in mine],
                fmt="o",
                color=color,
                capsize=3,
                label=f"{_short(metric)} measured",
            )
            ax.errorbar(
                [v + width / 5 for v in x],
                [r.predicted.value * unit for r in mine],
                yerr=[  # each side as the rows are judged: near saturation, longer above
                    [_bar(r.predicted.side(upward=False)) * unit for r in mine],
                    [_bar(r.predicted.side(upward=True)) * unit for r in mine],
                ],
                fmt="s",
                mfc="none",
                color=color,
                capsize=3,
                label=f"{_short(metric)} predicted",
            )
            for r, xv, yv in zip(mine, x, measured, strict=True):
                if r.failed:
                    ax.annotate(
                        "✗",
                        (xv, yv),
                        xytext=(6, 0),
                        textcoords="offset points",
                        color="red",
                        fontsize=12,
                        va="center",
                    )
        ax.set_title(title)
        ax.set_xticks(range(len(levels)), [f"{level:g}" for level in levels])
        ax.set_xlim(-0.5, len(levels) - 0.5)
        ax.set_xlabel("level (fraction of the peak)")
        ax.grid(True, axis="y", alpha=0.3)
        if metrics:
            ax.legend(fontsize="x-small", ncol=2)
    failing = run.failing
    verdict = {
        ValidationVerdict.PASS: "PASS",
        ValidationVerdict.FAIL: f"FAIL: {len(failing)} metric(s) disagree (✗)",
        ValidationVerdict.INCONCLUSIVE: f"INCONCLUSIVE: {len(run.undecided)} row(s) not decisive",
    }[run.verdict]
    fig.suptitle(f"validate: predicted (open) vs measured (filled), 95 % intervals: {verdict}")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def _bar(half: float) -> float:
    return half if math.isfinite(half) else 0.0


def _short(metric: str) -> str:
    parts = metric.split(".")
    return parts[1] if parts[0] == "tiers" else parts[-1]
