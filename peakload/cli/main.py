"""The ``peakload`` command: one entry point, a module per command.

Each command module has a ``NAME``, a ``register(commands)`` that adds its
parser, and a ``run(args, console)`` that calls one app function and returns
an exit code. Errors become exit codes in one place, :mod:`peakload.cli.errors`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from types import ModuleType

from rich.console import Console

from peakload.cli import (
    calibrate,
    check,
    compare,
    loadtest,
    report,
    scenario,
    serve,
    simulate,
    size,
    validate,
)
from peakload.cli.errors import run_mapped

COMMANDS: tuple[ModuleType, ...] = (
    check,
    simulate,
    serve,
    loadtest,
    compare,
    validate,
    calibrate,
    size,
    scenario,
    report,
)
"""Every command, in the order ``peakload --help`` lists them."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="peakload",
        description="Capacity planning and load testing from one scenario file.",
        epilog="Exit codes: 0 ran (verdict pass), 1 verdict failed, 2 unusable input.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMANDS:
        module.register(commands)
        commands.choices[module.NAME].set_defaults(handler=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    console = Console(width=None if sys.stdout.isatty() else 120)
    return run_mapped(args.command, lambda: args.handler(args, console))


if __name__ == "__main__":
    sys.exit(main())
