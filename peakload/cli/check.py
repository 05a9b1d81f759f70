"""``peakload check``: validate scenario files."""

from __future__ import annotations

import argparse

from rich.console import Console

from peakload.cli.console import plain
from peakload.cli.errors import EXIT_OK, EXIT_UNUSABLE, print_errors
from peakload.core.scenario_file import ScenarioError, load_scenario

NAME = "check"


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        NAME, help="validate scenario files", description="Validate scenario files."
    )
    parser.add_argument("scenarios", nargs="+", metavar="SCENARIO", help="TOML scenario file(s)")


def run(args: argparse.Namespace, console: Console) -> int:
    status = EXIT_OK
    for path in args.scenarios:
        try:
            scenario = load_scenario(path)
        except ScenarioError as exc:
            print_errors(exc.lines)
            status = EXIT_UNUSABLE
            continue
        plain(
            console,
            f"{path}: ok ({scenario.workload.kind} workload, {len(scenario.transactions)} "
            f"transactions, {len(scenario.flow_list)} flows, {len(scenario.tiers)} tiers, "
            f"peak {scenario.workload.profile.peak:,.0f})",
        )
    return status
