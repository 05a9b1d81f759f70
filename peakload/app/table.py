"""The terminal report of a run: the same tables for a simulation and a load test."""

from __future__ import annotations

import math
from typing import Any

from rich.console import Console
from rich.table import Table


def _fmt(value: Any, digits: int = 3, unit: str = "") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:.{digits}f}{unit}"


def _ms(values: dict[str, Any], key: str) -> str:
    value = values.get(key)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    text = f"{value * 1000:,.1f}"
    half = values.get(f"{key}_ci95")
    return f"{text} ±{half * 1000:.1f}" if half else text


def _pct(values: dict[str, Any], key: str) -> str:
    value = values.get(key)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    half = values.get(f"{key}_ci95")
    return f"{value:.1%} ±{half:.1%}" if half else f"{value:.1%}"


def print_report(summary: dict[str, Any], console: Console | None = None) -> None:
    console = console or Console()
    overall = summary["overall"]
    window = "-".join(summary.get("window") or [])
    reps = summary.get("replications", 1)
    heading = f"{summary['kind']} of {summary['scenario']}, window {window}"
    if reps and reps > 1:
        heading += f", {reps} replications (± is the 95% confidence half-width)"
    console.print(f"[bold]{heading}[/bold]")
    warmup = summary.get("warmup")
    if warmup:
        console.print(
            f"warm-up dropped by {warmup['method']}: {warmup['dropped_s']:.0f} s, "
            f"{warmup['dropped_requests']:.0f} requests"
        )

    table = Table(title="Transactions (times in ms)", title_justify="left")
    for column in ("transaction", "count", "mean", "p50", "p95", "p99", "errors"):
        table.add_column(column, justify="left" if column == "transaction" else "right")
    for name, t in summary["transactions"].items():
        if not t.get("count"):
            continue
        table.add_row(
            name,
            f"{t['count']:,.0f}",
            _ms(t, "mean_s"),
            _ms(t, "p50_s"),
            _ms(t, "p95_s"),
            _ms(t, "p99_s"),
            f"{t.get('errors', 0):,.0f}",
        )
    table.add_section()
    table.add_row(
        "all",
        f"{overall['requests']:,.0f}",
        _ms(overall, "mean_s"),
        _ms(overall, "p50_s"),
        _ms(overall, "p95_s"),
        _ms(overall, "p99_s"),
        f"{overall.get('timeouts', 0) + overall.get('refusals', 0):,.0f}",
    )
    console.print(table)

    analytic = (summary.get("analytic") or {}).get("tiers", {})
    table = Table(title="Tiers", title_justify="left")
    for column in (
        "tier",
        "c",
        "utilization",
        "analytic",
        "mean wait ms",
        "mean resp ms",
        "analytic resp ms",
        "max queue",
        "refused",
    ):
        table.add_column(column, justify="left" if column == "tier" else "right")
    for name, t in summary["tiers"].items():
        a = analytic.get(name, {})
        a_util = (a.get("utilization") or {}).get("analytic")
        a_resp = (a.get("mean_response_s") or {}).get("analytic")
        table.add_row(
            name,
            _fmt(t.get("servers")),
            _pct(t, "utilization"),
            "-" if a_util is None else f"{a_util:.1%}",
            _ms(t, "mean_wait_s"),
            _ms(t, "mean_response_s"),
            "-" if a_resp is None else f"{a_resp * 1000:,.1f}",
            f"{t.get('max_queue', 0):,.0f}",
            f"{t.get('refusals', 0):,.0f}",
        )
    console.print(table)
    console.print(
        f"throughput {overall['throughput_rps']:,.1f} req/s, error rate "
        f"{overall['error_rate']:.3%}, peak concurrency {overall['peak_concurrency']:,.0f} "
        f"at {overall['peak_time']}"
    )
    print_verdict(summary, console)


def print_verdict(summary: dict[str, Any], console: Console) -> None:
    slo = summary["slo"]
    if slo["pass"]:
        console.print("[bold green]SLO: PASS[/bold green]")
    else:
        console.print("[bold red]SLO: FAIL[/bold red]")
        for violation in slo["violations"]:
            console.print(f"  [red]✗[/red] {violation['message']}")
    for risk in slo.get("at_risk", []):
        console.print(f"  [yellow]![/yellow] {risk['message']}")
