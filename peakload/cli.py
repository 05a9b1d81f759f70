"""The ``peakload`` command: one entry point, a subcommand per job.

Exit codes (every subcommand):
  0  it ran (and, for commands that judge, the SLO held)
  1  it ran and the SLO failed (``simulate`` only with --fail-on-slo)
  2  unusable input: a bad scenario file, a bad flag
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from rich.console import Console

from peakload.clock import parse_clock, parse_window
from peakload.scenario_file import ScenarioError, load_scenario

EXIT_OK, EXIT_SLO_FAILED, EXIT_UNUSABLE = 0, 1, 2


class UsageError(Exception):
    """A flag value the command cannot use; reported as one line, exit 2."""


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1 (got {value})")
    return value


def _window(text: str) -> tuple[str, str]:
    try:
        return parse_window(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="peakload",
        description="Capacity planning and load testing from one scenario file.",
        epilog="Exit codes: 0 ran (SLO held), 1 SLO failed (where asked), 2 unusable input.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = commands.add_parser(
        "check", help="validate scenario files", description="Validate scenario files."
    )
    check.add_argument("scenarios", nargs="+", metavar="SCENARIO", help="TOML scenario file(s)")
    check.set_defaults(handler=_cmd_check)

    sim = commands.add_parser(
        "simulate",
        help="simulate a scenario with the SimPy model",
        description=(
            "Simulate a scenario: replications of the SimPy model, a per-minute series, "
            "the window summary with exact percentiles, an analytic cross-check per tier "
            "and the SLO verdict. Writes results/<timestamp>-simulation-<scenario>/."
        ),
    )
    sim.add_argument("--scenario", required=True, metavar="FILE", help="TOML scenario file")
    sim.add_argument(
        "--replications",
        type=_positive_int,
        default=1,
        metavar="N",
        help="independent seeded runs; with N >= 2 metrics get 95%% CI half-widths (default 1)",
    )
    sim.add_argument(
        "--seed",
        type=int,
        default=None,
        metavar="S",
        help="base seed (default: the scenario's seed)",
    )
    sim.add_argument(
        "--jobs",
        type=_positive_int,
        default=None,
        metavar="J",
        help="processes for replications (default: all cores)",
    )
    sim.add_argument(
        "--window",
        type=_window,
        default=None,
        metavar="HH:MM-HH:MM",
        help="summary window (default: the scenario's, else the whole run "
        "with MSER-5 warm-up removal for steady workloads)",
    )
    sim.add_argument(
        "--out",
        default="results",
        metavar="DIR",
        help="parent directory of the run directory (default results/)",
    )
    sim.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    sim.add_argument(
        "--fail-on-slo",
        action="store_true",
        help="exit 1 when the SLO verdict is FAIL (default: exit 0 when it ran)",
    )
    sim.add_argument("--quiet", action="store_true", help="no progress bar, no table")
    sim.set_defaults(handler=_cmd_simulate)

    serve = commands.add_parser(
        "serve",
        help="run the mock Treasury service, emulating a scenario's capacity",
        description=(
            "Run the mock Treasury online service (FastAPI) on this machine. With --scenario "
            "every route passes through the scenario's tiers (c = instances x workers slots, "
            "sampled service times, 503 past queue_limit); without it, it answers at once. "
            "Secrets and settings come from PEAKLOAD_* variables (see README)."
        ),
    )
    serve.add_argument("--scenario", metavar="FILE", help="scenario whose capacity to emulate")
    serve.add_argument("--port", type=_positive_int, default=8000, help="TCP port (default 8000)")
    serve.add_argument(
        "--bind",
        default="127.0.0.1",
        metavar="ADDRESS",
        help="address to listen on (default 127.0.0.1)",
    )
    serve.add_argument(
        "--db",
        metavar="URL",
        help="database URL (default sqlite:///results/mock-server.db, "
        "or PEAKLOAD_DB); postgresql+psycopg://... with the postgres extra",
    )
    serve.add_argument(
        "--no-emulation",
        action="store_true",
        help="read the scenario but answer at once (plain fast mock)",
    )
    serve.set_defaults(handler=_cmd_serve)
    return parser


def _cmd_check(args: argparse.Namespace, console: Console) -> int:
    status = EXIT_OK
    for path in args.scenarios:
        try:
            scenario = load_scenario(path)
        except ScenarioError as exc:
            _errors(exc.lines)
            status = EXIT_UNUSABLE
            continue
        console.print(
            f"{path}: ok ({scenario.workload.kind} workload, {len(scenario.transactions)} "
            f"transactions, {len(scenario.flow_list)} flows, {len(scenario.tiers)} tiers, "
            f"peak {scenario.workload.profile.peak:,.0f})",
            markup=False,
            highlight=False,
        )
    return status


def _cmd_simulate(args: argparse.Namespace, console: Console) -> int:
    from peakload.progress import progress_bar
    from peakload.report import print_report
    from peakload.results import copy_scenario, new_run_dir, write_summary, write_timeseries
    from simulation.runner import simulate

    scenario = load_scenario(args.scenario)
    window = None
    if args.window is not None:
        window = (parse_clock(args.window[0]), parse_clock(args.window[1]))
        if window[0] < scenario.start_s or window[1] > scenario.end_s:
            raise UsageError(
                f"--window {'-'.join(args.window)} lies outside the run "
                f"{scenario.scenario.start}-{scenario.scenario.end}"
            )
    total = (scenario.end_s - scenario.start_s) * args.replications
    with progress_bar(f"simulating {scenario.name}", total, disabled=args.quiet) as advance:
        result = simulate(
            scenario,
            replications=args.replications,
            seed=args.seed,
            jobs=args.jobs,
            window=window,
            progress=advance,
        )
    summary = result.summary
    run_dir = new_run_dir(args.out, "simulation", scenario.name)
    write_summary(run_dir, summary)
    write_timeseries(run_dir, result.timeseries)
    copy_scenario(run_dir, args.scenario)
    if not args.no_plots:
        from peakload.plots import plot_run

        plot_run(
            run_dir,
            result.timeseries,
            [t.name for t in scenario.tiers],
            title=scenario.name,
            window_s=summary["window_s"],
            slo_p95_s=scenario.slo.p95_s,
            max_utilization=scenario.slo.max_utilization,
        )
    if not args.quiet:
        print_report(summary, console)
    console.print(f"results: {run_dir}", markup=False, highlight=False)
    if args.fail_on_slo and not summary["slo"]["pass"]:
        return EXIT_SLO_FAILED
    return EXIT_OK


def _cmd_serve(args: argparse.Namespace, console: Console) -> int:
    import logging

    from mock_server.serve import serve
    from mock_server.settings import get_settings

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    scenario = load_scenario(args.scenario) if args.scenario else None
    settings = get_settings()
    if args.db:
        settings = settings.model_copy(update={"db": args.db})
    serve(settings, None if args.no_emulation else scenario, args.bind, args.port)
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    console = Console(width=None if sys.stdout.isatty() else 120)
    try:
        return args.handler(args, console)
    except ScenarioError as exc:
        _errors(exc.lines)
        return EXIT_UNUSABLE
    except UsageError as exc:
        _errors([f"peakload {args.command}: {exc}"])
        return EXIT_UNUSABLE
    except KeyboardInterrupt:
        _errors(["interrupted"])
        return 130


def _errors(lines: list[str]) -> None:
    """Error lines go to stderr whole: never wrapped, never styled, one per problem."""
    for line in lines:
        print(line, file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
