"""The terminal report of a run: the same tables for a simulation and a load test."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from peakload.app.numbers import ms, num, pct_with_ci
from peakload.contract.summary import Summary


def titled_table(title: str, columns: Sequence[str], left: Collection[str] = ()) -> Table:
    """A table titled at its left, its ``columns`` right-aligned (figures) but those in
    ``left`` (names): every terminal table of peakload is drawn so."""
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column, justify="left" if column in left else "right")
    return table


def print_report(summary: Summary, console: Console | None = None) -> None:
    """The transactions table, the tiers table (beside the analytic figures when
    the summary has them), the headline figures and the verdict."""
    console = console or Console()
    overall = summary.overall
    assert overall is not None, "a run summary has an overall section"
    window = "-".join(summary.window or [])
    reps = summary.replications or 1
    heading = f"{summary.kind} of {summary.scenario}, window {window}"
    if reps > 1:
        heading += f", {reps} replications (± is the 95% confidence half-width)"
    console.print(f"[bold]{heading}[/bold]")
    warmup = summary.warmup
    if warmup:
        console.print(
            f"warm-up dropped by {warmup.method}: {warmup.dropped_s:.0f} s, "
            f"{warmup.dropped_requests:.0f} requests"
        )

    names = ("transaction", "count", "mean", "p50", "p95", "p99", "errors")
    table = titled_table("Transactions (times in ms)", names, left={"transaction"})
    for name, t in summary.transactions.items():
        if not t.count:
            continue
        table.add_row(
            name,
            f"{t.count:,.0f}",
            ms(t, "mean_s"),
            ms(t, "p50_s"),
            ms(t, "p95_s"),
            ms(t, "p99_s"),
            f"{t.errors:,.0f}",
        )
    table.add_section()
    table.add_row(
        "all",
        f"{overall.requests:,.0f}",
        ms(overall, "mean_s"),
        ms(overall, "p50_s"),
        ms(overall, "p95_s"),
        ms(overall, "p99_s"),
        f"{overall.timeouts + overall.refusals:,.0f}",
    )
    console.print(table)

    analytic = (summary.analytic or {}).get("tiers", {})
    columns = (
        "tier",
        "c",
        "utilization",
        "analytic",
        "mean wait ms",
        "mean resp ms",
        "analytic resp ms",
        "max queue",
        "refused",
    )
    table = titled_table("Tiers", columns, left={"tier"})
    for name, tier in summary.tiers.items():
        a = analytic.get(name, {})
        a_util = (a.get("utilization") or {}).get("analytic")
        a_resp = (a.get("mean_response_s") or {}).get("analytic")
        utilization = pct_with_ci(tier, "utilization")
        if tier.pool_occupancy is not None:  # a tier sharing cores: CPU, then its pool
            utilization += f" (pool {tier.pool_occupancy:.0%})"
        table.add_row(
            name,
            "delay" if tier.servers == 0 else num(tier.servers),
            utilization,
            "-" if a_util is None else f"{a_util:.1%}",
            ms(tier, "mean_wait_s"),
            ms(tier, "mean_response_s"),
            "-" if a_resp is None else f"{a_resp * 1000:,.1f}",
            f"{tier.max_queue:,.0f}",
            f"{tier.refusals:,.0f}",
        )
    if summary.tiers:
        console.print(table)
    else:  # a service that is not our mock reports no tiers
        console.print("Tiers: none reported by the service (it has no peakload /admin/stats)")
    console.print(
        f"throughput {overall.throughput_rps:,.1f} req/s, error rate "
        f"{overall.error_rate:.3%}, peak concurrency {overall.peak_concurrency:,.0f} "
        f"at {overall.peak_time}"
    )
    print_verdict(summary, console)


NO_LIMITS = (
    "no limits set (the scenario has no [slo]): no latency or error rate was judged, "
    "only that the run itself was sound"
)


def print_verdict(summary: Summary, console: Console) -> None:
    """PASS or FAIL with one line per violation, then the limits at risk."""
    slo = summary.slo
    if slo is None:
        console.print("[bold yellow]SLO: not judged[/bold yellow]")
        return
    if slo.passed and slo.no_limits:
        console.print(f"[bold yellow]SLO: {escape(NO_LIMITS)}[/bold yellow]")
    elif slo.passed:
        console.print("[bold green]SLO: PASS[/bold green]")
    else:
        console.print("[bold red]SLO: FAIL[/bold red]")
        for violation in slo.violations:
            console.print(f"  [red]✗[/red] {violation.message}")
        if slo.no_limits:
            console.print(f"  ({escape(NO_LIMITS)})")
    for risk in slo.at_risk:
        console.print(f"  [yellow]![/yellow] {risk.message}")
