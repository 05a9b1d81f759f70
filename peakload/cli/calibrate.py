"""``peakload calibrate``: service demands estimated from load-test runs."""

from __future__ import annotations

import argparse

from rich.console import Console

from peakload.app import defaults
from peakload.cli import options
from peakload.cli.console import plain
from peakload.cli.errors import EXIT_FAILED, EXIT_OK

NAME = "calibrate"


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        NAME,
        help="estimate service demands from load-test runs (utilization-law regression)",
        epilog="Exit codes: 0 calibrated, 1 inconclusive (a major demand not measured; the "
        "model is written, marked not fit for prediction), 2 unusable input.",
        description=(
            "Estimate each transaction's mean demand at each tier from load-test run "
            "directories: per-window tier busy time regressed on per-transaction completions "
            "by non-negative least squares, with a bootstrap 95 % interval; from low-load "
            "response times where busy time is unknown. Says per demand whether the runs "
            "could identify it. Writes calibration.json, <scenario>-calibrated.toml and a "
            "plot. --plan designs and runs the load tests itself: one phase per flow prefix, "
            "sized by the model, until every major demand is precise. Exit 1 when the "
            "calibration is inconclusive (a demand of a transaction carrying at least "
            f"{defaults.CALIBRATE_MAJOR_SHARE * 100:g} % of requests unidentified, unmeasured "
            "or at a bound): the model is written, marked not fit for prediction."
        ),
    )
    options.add_scenario(parser, "the model to calibrate (its demands are the priors)")
    parser.add_argument("runs", nargs="*", metavar="RUN", help="load-test run directories")
    parser.add_argument(
        "--plan",
        action="store_true",
        help="design and run short load tests that make every demand identifiable",
    )
    options.add_system_under_test(
        parser,
        busy_help="TOML mapping tiers to a real system's busy-time sources (exported CSVs are "
        "read here; with --plan its Prometheus endpoints and processes are sampled during the "
        "runs)",
        when="with --plan",
    )
    parser.add_argument(
        "--plan-seconds",
        type=options.positive_float,
        default=defaults.CALIBRATE_PLAN_WALL_S,
        metavar="S",
        help="with --plan: wall seconds the tour may spend at most; it stops sooner once "
        f"every major demand is precise (default {defaults.CALIBRATE_PLAN_WALL_S:g})",
    )
    parser.add_argument(
        "--precision",
        type=options.positive_float,
        default=defaults.CALIBRATE_PRECISION,
        metavar="R",
        help="with --plan: run phases until every demand of a transaction carrying at "
        f"least {defaults.CALIBRATE_MAJOR_SHARE * 100:g} %% of requests has a 95 %% interval "
        f"within ±R of its estimate (default {defaults.CALIBRATE_PRECISION:g})",
    )
    parser.add_argument(
        "--phase-seconds",
        type=options.positive_float,
        default=defaults.CALIBRATE_PHASE_S,
        metavar="S",
        help=f"with --plan: wall seconds of each phase (default {defaults.CALIBRATE_PHASE_S:g})",
    )
    parser.add_argument(
        "--interval",
        type=options.positive_float,
        default=None,
        metavar="S",
        help=f"window length in seconds (default {defaults.CALIBRATE_INTERVAL_S:g}, "
        f"{defaults.CALIBRATE_PLAN_INTERVAL_S:g} with --plan)",
    )
    parser.add_argument(
        "--demand-spread",
        choices=["responses", "prior"],
        default="responses",
        help="responses (default): each transaction's demands take the coefficient of "
        "variation its responses show at low load (an exponential prior becomes a gamma); "
        "prior: keep the model's distributions' shapes, only their means move",
    )
    parser.add_argument(
        "--bootstrap",
        type=options.positive_int,
        default=defaults.CALIBRATE_REPLICATES,
        metavar="N",
        help=f"bootstrap replicates (default {defaults.CALIBRATE_REPLICATES})",
    )
    options.add_seed(
        parser, "seed of the bootstrap and, with --plan, of the phases (one stream each)"
    )
    options.add_output(parser)


def run(args: argparse.Namespace, console: Console) -> int:
    from peakload.app.calibrate.job import calibrate
    from peakload.app.calibrate.options import CalibrateOptions
    from peakload.app.calibrate.table import print_calibration

    job = CalibrateOptions(
        scenario_path=args.scenario,
        runs=tuple(args.runs),
        out=args.out,
        interval_s=args.interval,
        replicates=args.bootstrap,
        seed=args.seed,
        plots=not args.no_plots,
        plan=args.plan,
        serve_scenario_path=args.serve_scenario,
        host=args.host,
        requests_path=args.requests or args.tasks,
        plan_wall_s=args.plan_seconds,
        phase_s=args.phase_seconds,
        precision=args.precision,
        busy_map_path=args.busy_time,
        demand_spread=args.demand_spread == "responses",
    )

    def say(line: str) -> None:
        if not args.quiet:
            plain(console, line)

    done = calibrate(job, progress=say)
    if not args.quiet:
        print_calibration(done.report, console)
    plain(console, f"calibrated model: {done.calibrated_path}")
    plain(console, f"results: {done.run_dir}")
    if not done.report.fit_for_prediction:
        plain(
            console,
            f"calibration inconclusive: {len(done.report.inconclusive)} demand(s) of major "
            "transactions not measured; the model is marked not fit for prediction",
        )
        for reason in done.report.inconclusive:
            plain(console, f"  {reason}")
        return EXIT_FAILED
    return EXIT_OK
