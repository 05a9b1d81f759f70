"""The interactive figures of a report, built with plotly (hover, zoom, toggle series).

Each function takes plain data read from the run directory and returns a
``plotly.graph_objects.Figure``; :mod:`peakload.app.report.page` writes them
out. The charts of a run's day are :data:`peakload.app.run_charts.RUN_CHARTS`,
which the PNGs draw too (:func:`run_chart`). The time axis is the scenario
clock: minutes are plotted at their middle, as in the PNGs, on a fixed date so
plotly shows ``HH:MM``. The summary window is shaded; SLO limits are dotted red
lines.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from peakload.app.run_charts import SLO_COLOR, Line, RunChart, Series, minute_middles
from peakload.app.sizing_charts import CURVE_TITLE, P95_AXIS, SWEEP_TITLE, sizing_charts
from peakload.core.clock import format_clock

DAY = "2020-01-01 "
WINDOW_COLOR = "rgba(255,140,0,0.09)"


def clock_axis(seconds: Sequence[float]) -> list[str]:
    """Seconds of the scenario clock as timestamps plotly reads as a time axis."""
    return [DAY + format_clock(float(t), with_seconds=True) for t in seconds]


def _layout(fig: go.Figure, title: str, ytitle: str, height: int = 380) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0.01},
        height=height,
        margin={"l": 60, "r": 20, "t": 50, "b": 45},
        hovermode="x unified",
        legend={"orientation": "h", "y": -0.16},
        template="plotly_white",
    )
    fig.update_yaxes(title_text=ytitle, rangemode="tozero")
    return fig


def _time_layout(fig: go.Figure, window_s: Sequence[float] | None) -> go.Figure:
    fig.update_xaxes(tickformat="%H:%M", hoverformat="%H:%M")
    if window_s:
        lo, hi = clock_axis(window_s)
        fig.add_vrect(x0=lo, x1=hi, fillcolor=WINDOW_COLOR, line_width=0, layer="below")
        fig.add_annotation(
            x=lo, y=1, yref="paper", text="summary window", showarrow=False, xanchor="left"
        )
    return fig


def _slo_line(fig: go.Figure, value: float | None, text: str) -> None:
    if value is not None:
        fig.add_hline(
            y=value,
            line={"color": SLO_COLOR, "dash": "dot", "width": 1.5},
            annotation_text=text,
            annotation_position="top right",
            annotation_font_color=SLO_COLOR,
        )


def _line(x: list[str], y: Sequence[float], name: str, **line: Any) -> go.Scatter:
    return go.Scatter(x=x, y=list(y), name=name, mode="lines", line=line)


def run_chart(
    chart: RunChart,
    series: Series,
    tiers: Sequence[str],
    window_s: Sequence[float] | None,
    limits: Mapping[str, float | None],
    population: str,
) -> go.Figure:
    """One chart of the day (:data:`~peakload.app.run_charts.RUN_CHARTS`), as the PNG
    of the same name draws it."""
    x = clock_axis(minute_middles(series))
    fig = go.Figure(
        [
            _line(x, line.values, line.label, **_style(line))
            for line in chart.lines(series, tiers, population)
        ]
    )
    _layout(fig, chart.title, chart.ylabel)
    if chart.fraction:
        fig.update_yaxes(range=[0, 1.05], tickformat=".0%")
    limit = chart.limit(limits)
    if limit is not None:
        _slo_line(fig, limit.value, limit.label)
    return _time_layout(fig, window_s)


def _style(line: Line) -> dict[str, Any]:
    style: dict[str, Any] = {"color": line.color} if line.color else {}
    return style | ({"dash": "dash"} if line.dashed else {})


def capacity_curve(document: dict[str, Any]) -> go.Figure:
    """Simulated p95 of the recommended tiers as the peak grows; where each tier
    reaches its utilization limit (analytic) as dashed lines
    (:class:`~peakload.app.sizing_charts.CapacityChart`, as the PNG draws it)."""
    charts = sizing_charts(document)
    curve, slo = charts.curve, charts.slo_p95_s
    fig = go.Figure(
        go.Scatter(
            x=curve.peaks,
            y=curve.p95_s,
            error_y={"type": "data", "array": curve.ci95},
            mode="lines+markers",
            name="simulated p95 at the peak (95% CI)",
        )
    )
    _layout(fig, CURVE_TITLE, P95_AXIS, 420)
    fig.update_xaxes(title_text="peak concurrency (users)")
    for tier, users in curve.limits:
        fig.add_vline(
            x=users,
            line={"color": "grey", "dash": "dash", "width": 1},
            annotation_text=f"{tier} at limit",
            annotation_textangle=-90,
        )
    fig.add_vline(
        x=curve.scenario_peak,
        line={"color": "#2ca02c", "width": 1.5},
        annotation_text="scenario peak",
        annotation_position="bottom right",
    )
    fig.update_xaxes(range=[0, curve.right])
    _slo_line(fig, slo, f"SLO p95 {slo:g} s" if slo else "")
    return fig


def p95_against_instances(document: dict[str, Any]) -> go.Figure:
    """One panel per tier: p95 as that tier's instances vary, the others recommended
    (:class:`~peakload.app.sizing_charts.Sweep`, as the PNG draws it)."""
    charts = sizing_charts(document)
    sweeps, slo = charts.sweeps, charts.slo_p95_s
    fig = make_subplots(
        rows=1, cols=max(1, len(sweeps)), subplot_titles=[sweep.tier for sweep in sweeps]
    )
    for col, sweep in enumerate(sweeps, start=1):
        fig.add_trace(
            go.Scatter(
                x=sweep.instances,
                y=sweep.p95_s,
                error_y={"type": "data", "array": sweep.ci95},
                mode="lines+markers",
                name=sweep.tier,
                showlegend=False,
            ),
            row=1,
            col=col,
        )
        fig.add_vline(
            x=sweep.recommended,
            line={"color": "#2ca02c", "dash": "dash", "width": 1},
            row=1,
            col=col,
        )
        if slo:
            fig.add_hline(
                y=slo, line={"color": SLO_COLOR, "dash": "dot", "width": 1}, row=1, col=col
            )
        fig.update_xaxes(title_text="instances", tickvals=sweep.ticks, row=1, col=col)
    _layout(fig, f"{SWEEP_TITLE} (green: recommended, red: SLO)", "", 380)
    fig.update_yaxes(title_text=P95_AXIS, row=1, col=1)
    fig.update_layout(hovermode="closest")
    return fig


def changes(rows: Sequence[Any]) -> go.Figure:
    """Each compared metric's change (relative to the baseline) beside the band its
    tolerance allows; regressions red, improvements green."""
    colors = {"regression": SLO_COLOR, "improvement": "#2ca02c", "missing": "grey"}
    names, change, allowed, color, text = [], [], [], [], []
    for row in rows:
        base = abs(row.baseline) if row.baseline else 0.0
        band = max(row.tolerance.rel * base, row.tolerance.abs)
        rel_band = band / base if base else row.tolerance.rel
        value = row.change if math.isfinite(row.current) else 0.0
        if not math.isfinite(value):
            value = 1.0
        names.append(row.metric)
        change.append(100 * value)
        allowed.append(100 * rel_band)
        color.append(colors.get(row.verdict, "#1f77b4"))
        text.append(f"{row.verdict}: {row.detail} ({row.test})")
    height = max(320, 22 * len(names) + 120)
    fig = go.Figure(
        [
            go.Bar(
                y=names,
                x=[2 * a for a in allowed],
                base=[-a for a in allowed],
                orientation="h",
                marker_color="rgba(128,128,128,0.18)",
                name="tolerance band",
                hoverinfo="skip",
            ),
            go.Scatter(
                y=names,
                x=change,
                mode="markers",
                marker={"color": color, "size": 10, "symbol": "diamond"},
                name="change",
                text=text,
                hovertemplate="%{y}: %{x:+.2f}%<br>%{text}<extra></extra>",
            ),
        ]
    )
    _layout(fig, "Change against the baseline, beside each tolerance", "", height)
    fig.update_layout(barmode="overlay", hovermode="closest")
    fig.update_xaxes(title_text="change (% of baseline)", zeroline=True)
    fig.update_yaxes(autorange="reversed", rangemode="normal")
    return fig


Estimates = (
    tuple[str, Sequence[float], Sequence[float | None]]
    | tuple[str, Sequence[float], Sequence[float | None], Sequence[float | None]]
)
"""``(name, values, half_widths)``, or ``(name, values, above, below)`` for intervals
with two sides."""


def paired_intervals(
    categories: Sequence[str],
    first: Estimates,
    second: Estimates,
    title: str,
    ytitle: str,
    limit: float | None = None,
) -> go.Figure:
    """Two estimates per category, each with its 95 % interval, side by side: for
    validate, predicted against measured per level; for calibrate, each estimate
    against its prior. ``first`` and ``second`` are ``(name, values, half_widths)``,
    or ``(name, values, above, below)`` where the interval reaches further one way (a
    calibrated prediction near saturation); a half-width of None draws no bar.
    ``limit`` adds an SLO line."""
    traces = []
    for estimates, color in zip((first, second), ("#1f77b4", "#ff7f0e"), strict=True):
        name, values, above, *rest = estimates
        below = rest[0] if rest else above
        traces.append(
            go.Scatter(
                x=list(categories),
                y=list(values),
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": [h or 0 for h in above],
                    "arrayminus": [h or 0 for h in below],
                    "width": 6,
                },
                mode="markers",
                marker={"size": 10, "color": color},
                name=name,
            )
        )
    fig = go.Figure(traces)
    _layout(fig, title, ytitle)
    fig.update_layout(hovermode="x", scattermode="group")
    _slo_line(fig, limit, f"SLO {limit:g}" if limit is not None else "")
    return fig
