"""``peakload simulate``: predict the scenario's day with the SimPy model."""

from __future__ import annotations

import argparse

from rich.console import Console

from peakload.app.progress import progress_bar
from peakload.app.simulate import SimulateOptions, simulate, simulated_seconds
from peakload.app.table import print_report
from peakload.cli import options
from peakload.cli.errors import EXIT_FAILED, EXIT_OK

NAME = "simulate"


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        NAME,
        help="simulate a scenario with the SimPy model",
        description=(
            "Simulate a scenario: replications of the SimPy model, a per-minute series, "
            "the window summary with exact percentiles, an analytic cross-check per tier "
            "and the SLO verdict. Writes results/<timestamp>-simulation-<scenario>/."
        ),
    )
    options.add_scenario(parser)
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
        "with MSER-5 warm-up removal for steady workloads)",
    )
    options.add_output(parser)
    parser.add_argument(
        "--fail-on-slo",
        action="store_true",
        help="exit 1 when the SLO verdict is FAIL (default: exit 0 when it ran)",
    )


def run(args: argparse.Namespace, console: Console) -> int:
    job = SimulateOptions(
        scenario_path=args.scenario,
        replications=args.replications,
        seed=args.seed,
        jobs=args.jobs,
        window=args.window,
        out=args.out,
        plots=not args.no_plots,
    )
    label = f"simulating {args.scenario}"
    with progress_bar(label, simulated_seconds(job), disabled=args.quiet) as advance:
        done = simulate(job, progress=advance)
    if not args.quiet:
        print_report(done.summary, console)
    console.print(f"results: {done.run_dir}", markup=False, highlight=False)
    console.print(f"report: {done.run_dir / 'report.html'}", markup=False, highlight=False)
    if args.fail_on_slo and not done.passed:
        return EXIT_FAILED
    return EXIT_OK
