"""``peakload simulate``: predict the scenario's day with the SimPy model."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console

from peakload.cli import options
from peakload.cli.console import plain
from peakload.cli.errors import EXIT_FAILED, EXIT_OK
from peakload.cli.loadtest import add_plan_options

NAME = "simulate"


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        NAME,
        help="simulate a scenario with the SimPy model",
        description=(
            "Simulate a scenario: replications of the SimPy model, a per-minute series, "
            "the window summary (percentiles within 0.5 %), an analytic cross-check per tier "
            "and the SLO verdict. Writes results/<timestamp>-simulation-<scenario>/."
        ),
    )
    options.add_scenario(
        parser, "TOML scenario file (with --as-run: the run directory's copy by default)", False
    )
    options.add_replications(
        parser,
        1,
        "independent seeded runs; with N >= 2 metrics get 95%% CI half-widths (default 1)",
    )
    options.add_seed(parser)
    options.add_jobs(parser, "processes for replications")
    options.add_window(
        parser,
        "summary window (default: the scenario's, else the whole run "
        "with MSER-5 warm-up removal for steady workloads); with a load test's flags, "
        "the load test's meaning: run up to the window's end, measure inside it",
    )
    plan = parser.add_argument_group(
        "predict a load test as run",
        "With --as-run or any of these flags, simulate the experiment a load test runs "
        "(wall time, the sign-in setup, users active by rank joining mid-flow), not the "
        "real day; the summary is keyed like the load test's, for peakload compare.",
    )
    plan.add_argument(
        "--as-run",
        metavar="RUN_DIR",
        default=None,
        help="a load test's run directory: predict exactly its plan (plan.json)",
    )
    add_plan_options(plan, window=False)
    parser.set_defaults(user_scale=None)
    options.add_output(parser)
    parser.add_argument(
        "--fail-on-slo",
        action="store_true",
        help="exit 1 when the SLO verdict is FAIL (default: exit 0 when it ran)",
    )


def run(args: argparse.Namespace, console: Console) -> int:
    from peakload.app.errors import JobError
    from peakload.app.progress import progress_bar
    from peakload.app.simulate.job import SimulateOptions, simulate, simulated_seconds
    from peakload.app.table import print_report

    if args.scenario is None and args.as_run is None:
        raise JobError("give --scenario FILE (or --as-run RUN_DIR)")
    job = SimulateOptions(
        scenario_path=args.scenario or Path(args.as_run) / "scenario.toml",
        replications=args.replications,
        seed=args.seed,
        jobs=args.jobs,
        window=args.window,
        out=args.out,
        plots=not args.no_plots,
        as_run=args.as_run,
        compress=args.compress,
        user_scale=args.user_scale,
        lead_in=args.lead_in,
        duration_s=args.duration,
    )
    label = f"simulating {args.scenario}"
    with progress_bar(label, simulated_seconds(job), disabled=args.quiet) as advance:
        done = simulate(job, progress=advance)
    if not args.quiet:
        print_report(done.summary, console)
    plain(console, f"results: {done.run_dir}")
    plain(console, f"report: {done.run_dir / 'report.html'}")
    if args.fail_on_slo and not done.passed:
        return EXIT_FAILED
    return EXIT_OK
