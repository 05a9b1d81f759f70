"""What `peakload size` hands a planner: sizing.json, a scenario file, a table, plots."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import tomli_w
from rich.console import Console

from peakload.app.run_charts import SLO_COLOR
from peakload.app.sizing_charts import CURVE_TITLE, P95_AXIS, SWEEP_TITLE, sizing_charts
from peakload.app.table import titled_table
from peakload.contract.sizing import SizingDocument
from peakload.contract.summary import Scope
from peakload.core.scenario import Scenario, Tier
from peakload.measure.judge import margins
from simulation.sizing import Estimate, SizingResult
from simulation.sizing_bounds import tier_cost


def sizing_document(
    current: Scenario, recommended: Scenario, result: SizingResult, search: dict[str, Any]
) -> SizingDocument:
    """The contents of sizing.json: the answer, its confirmed figures and its margins.

    The figures beside their limits are the judge's own :func:`margins`, the
    numbers its verdict at the bound was made of.
    """
    estimate = result.estimate
    # An answer only screened (no candidate passed, the closest ruled out analytically)
    # has no simulated figures to set beside the limits.
    figures = margins(recommended.slo, estimate.summary) if estimate.summary is not None else []
    confirmed = {
        m.metric.value: {"estimate": m.estimate, "ci95": m.ci95, "bound": m.bound, "limit": m.limit}
        for m in figures
        if m.scope is Scope.OVERALL
    }
    tiers = {
        m.tier: {"utilization": m.estimate, "ci95": m.ci95, "bound": m.bound, "limit": m.limit}
        for m in figures
        if m.scope is Scope.TIER
    }
    cost_now = sum(tier_cost(t) for t in current.tiers)
    cost_new = sum(tier_cost(t) for t in recommended.tiers)
    document = {
        "scenario": current.name,
        "peak_concurrency": recommended.workload.profile.peak,
        "window": [
            *(recommended.scenario.window or [recommended.scenario.start, recommended.scenario.end])
        ],
        "current": {t.name: _tier_entry(t) for t in current.tiers if not t.is_delay},
        "recommended": {
            t.name: _tier_entry(t, servers=True) for t in recommended.tiers if not t.is_delay
        },
        "delays": [t.name for t in current.tiers if t.is_delay],
        "cost": {"recommended": cost_new, "current": cost_now},
        "slo": {
            "pass": estimate.passes,
            "violations": estimate.verdict.violations,
            "confirmed": confirmed,
            "tiers": tiers,
        },
        "n1": result.n1,
        "capacity_curve": result.capacity,
        "sweeps": result.sweeps,
        "search": {
            **search,
            "evaluated": result.evaluated,
            "replications_run": result.replications_run,
            "short_day": result.short_day,
            "wall_s": result.wall_s,
        },
        "candidates": [_candidate(e, current) for e in result.candidates],
        "notes": result.notes,
    }
    return SizingDocument.model_validate(document)


def _tier_entry(tier: Tier, servers: bool = False) -> dict[str, Any]:
    """A tier's size in sizing.json; a tier sharing cores adds its cores per instance."""
    entry: dict[str, Any] = {"instances": tier.instances, "workers": tier.workers}
    if tier.cores is not None:
        entry["cores"] = tier.cores
    if servers:
        entry["servers"] = tier.servers
    entry["cost"] = tier.cost
    return entry


def _candidate(estimate: Estimate, scenario: Scenario) -> dict[str, Any]:
    """One candidate the search weighed: its sizes, what it ran under, how many
    replications it took and why it stopped."""
    candidate = estimate.candidate
    overall = estimate.summary.overall if estimate.summary is not None else None
    return {
        "instances": {
            t.name: n
            for t, n in zip(scenario.tiers, candidate.config.instances, strict=True)
            if not t.is_delay
        },
        "workers": {
            t.name: w
            for t, w in zip(scenario.tiers, candidate.config.workers, strict=True)
            if not t.is_delay
        },
        "n1_lost": candidate.failure.tier if candidate.failure else None,
        "growth": candidate.growth,
        "replications": estimate.replications,
        "stopped": estimate.stop.value,
        "why": estimate.reason,
        "pass": estimate.passes,
        "p95_s": overall.p95_s if overall else None,
        "p95_s_ci95": overall.ci95("p95_s") if overall else None,
    }


def write_scenario(path: Path, scenario: Scenario, header: str) -> Path:
    data = scenario.model_dump(by_alias=True, exclude_none=True)
    text = "".join(f"# {line}\n" for line in header.splitlines()) + "\n" + tomli_w.dumps(data)
    path.write_text(text)
    return path


def write_document(run_dir: Path, document: SizingDocument) -> Path:
    """``sizing.json`` from its model, NaN written as ``null``."""
    path = run_dir / "sizing.json"
    path.write_text(json.dumps(document.to_dict(), indent=2, allow_nan=False) + "\n")
    return path


def read_document(path: Path) -> SizingDocument:
    """``sizing.json`` read back through its model: a file of another shape is a
    :class:`pydantic.ValidationError`, not a KeyError far from here."""
    return SizingDocument.model_validate_json(path.read_text())


def print_sizing(document: SizingDocument, console: Console) -> None:
    columns = (
        "tier",
        "now (inst x workers)",
        "recommended",
        "cost",
        "utilization bound",
        "N-1",
    )
    title = f"Sizing for {document.scenario}: peak {document.peak_concurrency:,.0f}"
    table = titled_table(title, columns, left={"tier"})
    for name, new in document.recommended.items():
        old = document.current[name]
        util = document.slo.tiers.get(name)
        n1 = document.n1.get(name)
        table.add_row(
            name,
            old.size,
            new.size,
            f"{new.instances * new.cost:g}",
            "-" if util is None or util.bound is None else f"{util.bound:.1%}",
            "-" if n1 is None else ("holds" if n1.passed else "FAILS"),
        )
    console.print(table)
    if document.delays:
        console.print(f"delay tiers (never sized, no cost): {', '.join(document.delays)}")
    cost = document.cost
    console.print(f"cost {cost.recommended:g} (now {cost.current:g})")
    for metric, figures in document.slo.confirmed.items():
        if figures.limit is None:
            continue
        console.print(
            f"{metric}: {figures.estimate:.4g} ±{_figure(figures.ci95, '.2g')} "
            f"(bound {_figure(figures.bound, '.4g')}, limit {figures.limit:g})"
        )
    curve = document.capacity_curve
    carried = curve.max_peak_within_slo
    first = curve.first_bottleneck
    console.print(
        f"first bottleneck: {first} at {_figure(curve.bottleneck_at[first], ',.0f')} "
        f"peak users (analytic); simulated within SLO up to {carried:,.0f}"
        if carried
        else "the recommended configuration does not hold the SLO at the peak"
    )
    verdict = (
        "[bold green]meets the SLO[/bold green]"
        if document.slo.passed
        else ("[bold red]no configuration met the SLO[/bold red]")
    )
    search = document.search
    console.print(
        f"{verdict}; {search.evaluated} candidates simulated "
        f"({search.replications_run} replications) in {search.wall_s:.0f} s"
    )
    for note in document.notes:
        console.print(f"[yellow]![/yellow] {note}")


def _figure(value: float | None, spec: str) -> str:
    """A figure of the document, or ``?`` where it could not be estimated (``null``)."""
    return "?" if value is None else format(value, spec)


def plot_sizing(run_dir: Path, document: SizingDocument) -> list[Path]:
    """``p95_vs_instances.png`` and ``capacity_curve.png``: the charts of
    :func:`peakload.app.sizing_charts.sizing_charts`, as report.html draws them."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    charts = sizing_charts(document.to_dict())
    slo = charts.slo_p95_s
    sweeps = charts.sweeps
    fig, axes = plt.subplots(
        1, len(sweeps), figsize=(3.2 * len(sweeps), 3.4), dpi=110, squeeze=False
    )
    for ax, sweep in zip(axes[0], sweeps, strict=True):
        ax.errorbar(sweep.instances, sweep.p95_s, yerr=sweep.ci95, marker="o", capsize=3)
        ax.axvline(sweep.recommended, color="tab:green", ls="--", lw=1, label="recommended")
        if slo:
            ax.axhline(slo, color=SLO_COLOR, ls=":", label=f"SLO {slo:g} s")
        ax.set_title(sweep.tier)
        ax.set_xlabel("instances")
        ax.set_xticks(sweep.ticks)
        ax.grid(True, alpha=0.3)
    axes[0][0].set_ylabel(P95_AXIS)
    axes[0][0].legend(fontsize="small")
    fig.suptitle(SWEEP_TITLE)
    fig.tight_layout()
    sweep_path = run_dir / "p95_vs_instances.png"
    fig.savefig(sweep_path)
    plt.close(fig)

    curve = charts.curve
    fig, ax = plt.subplots(figsize=(9, 4.2), dpi=110)
    ax.errorbar(
        curve.peaks,
        curve.p95_s,
        yerr=curve.ci95,
        marker="o",
        capsize=3,
        label="simulated p95 at the peak",
    )
    if slo:
        ax.axhline(slo, color=SLO_COLOR, ls=":", label=f"SLO {slo:g} s")
    for tier, users in curve.limits:
        ax.axvline(users, ls="--", lw=0.8, color="grey")
        ax.text(users, ax.get_ylim()[1], f" {tier}", rotation=90, va="top", fontsize=8)
    ax.set_xlim(0, curve.right)
    if curve.beyond:
        far = ", ".join(f"{tier} {users:,.0f}" for tier, users in curve.beyond)
        ax.text(0.01, 0.02, f"beyond the chart: {far}", transform=ax.transAxes, fontsize=8)
    ax.axvline(curve.scenario_peak, color="tab:green", lw=1, label="scenario peak")
    ax.set_xlabel("peak concurrency")
    ax.set_ylabel(P95_AXIS)
    ax.set_title(f"{CURVE_TITLE} (dashed: where each tier reaches max utilization)")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small")
    fig.tight_layout()
    curve_path = run_dir / "capacity_curve.png"
    fig.savefig(curve_path)
    plt.close(fig)
    return [sweep_path, curve_path]
