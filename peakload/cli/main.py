"""The ``peakload`` command: one entry point, a module per command.

Each command module has a ``NAME``, a ``register(commands)`` that adds its
parser, and a ``run(args, console)`` that calls one app function and returns
an exit code. Errors become exit codes in one place, :mod:`peakload.cli.errors`.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from types import FrameType, ModuleType

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
from peakload.cli.errors import EXIT_CODES, EXIT_CODES_ALWAYS, run_mapped

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
        epilog=f"{EXIT_CODES} {EXIT_CODES_ALWAYS}",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMANDS:
        module.register(commands)
        commands.choices[module.NAME].set_defaults(handler=module.run)
    add_exit_codes(commands)
    return parser


def add_exit_codes(commands: argparse._SubParsersAction) -> None:
    """End every command's ``--help`` (and its subcommands') with the exit codes.

    A command states what 0, 1 and 2 mean for it in its own epilog, or takes the
    general line; the codes every command shares are added here, once.
    """
    for command in commands.choices.values():
        command.epilog = f"{command.epilog or EXIT_CODES} {EXIT_CODES_ALWAYS}"
        for action in command._actions:
            if isinstance(action, argparse._SubParsersAction):
                add_exit_codes(action)


SignalHandler = Callable[[int, FrameType | None], object] | int | signal.Handlers | None
"""What ``signal.signal`` returns: a function, SIG_DFL or SIG_IGN, or None."""


def stop_on_terminate() -> SignalHandler:
    """Make SIGTERM stop a command as Ctrl-C does: a ``KeyboardInterrupt`` in the main
    thread, so every ``finally`` runs and the servers and load generators the command
    started are stopped by their PIDs, not left behind (a CI job's time-out sends
    SIGTERM). The command then exits 130, "interrupted". A command that serves
    (``serve``) sets its own handlers over this one. Returns the handler it replaced
    (None off the main thread, where none can be set)."""
    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGTERM, _interrupt)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    previous = stop_on_terminate()
    try:
        args = build_parser().parse_args(argv)
        console = Console(width=None if sys.stdout.isatty() else 120)
        return run_mapped(args.command, lambda: args.handler(args, console))
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    sys.exit(main())
