"""``peakload loadtest``: run the scenario as real HTTP traffic with Locust."""

from __future__ import annotations

import argparse

from rich.console import Console

from peakload.app import defaults
from peakload.cli import options
from peakload.cli.console import plain
from peakload.cli.errors import EXIT_FAILED, EXIT_OK

NAME = "loadtest"


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        NAME,
        help="run the scenario as real HTTP traffic with Locust",
        description=(
            "Run the scenario's users with Locust, headless, following its concurrency "
            "profile on a compressed clock. Without --host it starts the mock service for "
            "the scenario on a free loopback port and stops it after. Writes "
            "results/<timestamp>-loadtest-<scenario>/ (summary.json, timeseries.csv, plots, "
            "Locust's CSVs and HTML report) and prints the same table as simulate."
        ),
        epilog="Exit codes: 0 pass, 1 SLO failed (or a write lost or duplicated, or the "
        "generator saturated), 2 could not run (or measured fewer than --min-requests "
        "requests in its window).",
    )
    options.add_scenario(parser)
    parser.add_argument(
        "--host",
        metavar="URL",
        help="the service to test (default: start the mock); one that is not our mock "
        "needs --requests or --tasks",
    )
    options.add_requests(parser)
    parser.add_argument(
        "--serve-scenario",
        metavar="FILE",
        help="the mock emulates this scenario's tiers and demands (a truth the model "
        "does not know) while users follow --scenario; not with --host",
    )
    parser.add_argument(
        "--busy-time",
        metavar="FILE",
        help="TOML mapping each tier to a Prometheus metric, an exported CSV or the "
        'processes (name or command-line words, e.g. db = { process = "postgres" }) of its '
        "busy (CPU) seconds: sampled into tiers.csv for peakload calibrate",
    )
    add_plan_options(parser)
    parser.add_argument(
        "--db",
        metavar="URL",
        help="database of the mock this starts (default: SQLite in the run directory), "
        "e.g. postgresql+psycopg://user@host:port/name; not with --host",
    )
    parser.add_argument(
        "--kill-server-at",
        type=_clocks,
        default=(),
        metavar="HH:MM[,HH:MM...]",
        help="SIGKILL the mock this starts at these scenario times (a crash); clients "
        "retry with the same Idempotency-Key and reconciliation shows what was lost",
    )
    parser.add_argument(
        "--restart-after",
        type=float,
        default=defaults.RESTART_AFTER_S,
        metavar="S",
        help="restart a killed mock on the same database and port after S seconds "
        f"(default {defaults.RESTART_AFTER_S:g})",
    )
    parser.add_argument(
        "--workers",
        type=options.positive_int,
        default=1,
        metavar="N",
        help="N local Locust worker processes under a master (default: one process)",
    )
    parser.add_argument(
        "--min-requests",
        type=options.positive_int,
        default=defaults.LOADTEST_MIN_REQUESTS,
        metavar="N",
        help="a run measuring fewer requests in its window could not run: exit 2 "
        f"(default {defaults.LOADTEST_MIN_REQUESTS})",
    )
    parser.add_argument(
        "--sign-in-rate",
        type=options.positive_float,
        default=None,
        metavar="R",
        help="closed workloads: users signed in per second before the clock (default: "
        "what the busiest tier can take at 80 %% with each user's preparation, at most 200)",
    )
    parser.add_argument(
        "--pool-start",
        type=options.positive_int,
        default=None,
        metavar="N",
        help="open workloads: users signed in before the first arrival, all processes "
        "together (default: 4 x the flows in flight at the peak rate at bare service time)",
    )
    parser.add_argument(
        "--pool-max",
        type=options.positive_int,
        default=None,
        metavar="N",
        help="open workloads: the pool's cap; a flow start that finds no free user at the "
        "cap is dropped and counted (default: the peak rate x the longest a flow can take "
        "with every attempt timing out, at most 5,000 per process)",
    )
    options.add_seed(parser, "seed for users' choices")
    options.add_output(parser)


def writes_line(reconciliation: dict | None) -> str:
    """What reconciliation found, in one line: counts, or "not checked" and why."""
    found = reconciliation or {}
    if "lost" not in found:
        why = found.get("not_checked") or found.get("skipped") or "no reconciliation"
        return f"writes: not checked ({why})"
    return (
        f"writes: {found['lost']} lost, {found['duplicated']} duplicated "
        f"({found['client_ok']} acknowledged, {found['server_records']} records on the server)"
    )


def _clocks(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


def add_plan_options(parser: argparse.ArgumentParser, window: bool = True) -> None:
    """The flags that say how the scenario's day maps onto wall time: shared by
    ``loadtest`` and by ``simulate``'s prediction of a load test (which has its
    own ``--window``: ``window=False``)."""
    parser.add_argument(
        "--compress",
        type=options.positive_float,
        default=None,
        metavar="K",
        help="divide the scenario clock by K, think times unchanged "
        "(default: fit the run into --duration, or into 5 minutes)",
    )
    parser.add_argument(
        "--user-scale",
        type=options.positive_float,
        default=1.0,
        metavar="F",
        help="multiply users and each user's cycle (think + step) by F: the request rate "
        "holds (default 1)",
    )
    if window:
        options.add_window(
            parser,
            "run up to the window's end, measure inside it (default: the scenario's window)",
        )
    parser.add_argument(
        "--lead-in",
        default=None,
        metavar="HH:MM",
        help="scenario clock to start from (default: the scenario's start)",
    )
    parser.add_argument(
        "--duration",
        type=options.positive_float,
        default=None,
        metavar="S",
        help="stop after S wall seconds of the clock at most (the sign-ins before it "
        "are extra); a run stopped before its window opens exits 2",
    )


def run(args: argparse.Namespace, console: Console) -> int:
    from peakload.app.loadtest.job import (
        LoadTestOptions,
        compression_note,
        loadtest,
        plan_for,
    )
    from peakload.app.progress import progress_bar
    from peakload.app.table import print_report

    job = LoadTestOptions(
        scenario_path=args.scenario,
        host=args.host,
        serve_scenario_path=args.serve_scenario,
        compress=args.compress,
        user_scale=args.user_scale,
        window=args.window,
        lead_in=args.lead_in,
        duration_s=args.duration,
        workers=args.workers,
        pool_start=args.pool_start,
        pool_max=args.pool_max,
        seed=args.seed,
        min_requests=args.min_requests,
        sign_in_rate=args.sign_in_rate,
        out=args.out,
        plots=not args.no_plots,
        busy_map_path=args.busy_time,
        db=args.db,
        requests_path=args.requests or args.tasks,
        kill_server_at=args.kill_server_at,
        restart_after_s=args.restart_after,
    )
    plan = plan_for(job)
    note = compression_note(job, plan)
    if note and not args.quiet:
        plain(console, note)
    label = f"load test {plan.scenario.name} (x{plan.compress:g} clock)"
    total_s = plan.setup_s + plan.wall_duration_s  # the sign-ins, then the clock
    with progress_bar(label, total_s, disabled=args.quiet) as advance:
        done = loadtest(job, plan, progress=advance)
    if not args.quiet:
        print_report(done.summary, console)
        plain(console, writes_line(done.summary.reconciliation))
    plain(console, f"results: {done.run_dir}")
    plain(console, f"report: {done.run_dir / 'report.html'}")
    return EXIT_OK if done.passed else EXIT_FAILED
