"""Options shared by several commands, defined once (as pip's ``cmdoptions``).

Each ``add_*`` function adds one option, with one help text, to a parser; the
value types turn a bad value into argparse's own one-line error (exit 2).
"""

from __future__ import annotations

import argparse

from peakload.core.clock import parse_window


def positive_int(text: str) -> int:
    """A whole number >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1 (got {value})")
    return value


def positive_float(text: str) -> float:
    """A number > 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be > 0 (got {text})")
    return value


def window(text: str) -> tuple[str, str]:
    """``HH:MM-HH:MM``."""
    try:
        return parse_window(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_scenario(
    parser: argparse.ArgumentParser, help: str = "TOML scenario file", required: bool = True
) -> None:
    parser.add_argument("--scenario", required=required, metavar="FILE", help=help)


def add_seed(parser: argparse.ArgumentParser, what: str = "base seed") -> None:
    parser.add_argument(
        "--seed", type=int, default=None, metavar="S", help=f"{what} (default: the scenario's)"
    )


def add_replications(parser: argparse.ArgumentParser, default: int, help: str) -> None:
    parser.add_argument(
        "--replications", type=positive_int, default=default, metavar="N", help=help
    )


def add_jobs(parser: argparse.ArgumentParser, what: str = "processes") -> None:
    parser.add_argument(
        "--jobs",
        type=positive_int,
        default=None,
        metavar="J",
        help=f"{what} (default: all cores)",
    )


def add_window(parser: argparse.ArgumentParser, help: str) -> None:
    parser.add_argument("--window", type=window, default=None, metavar="HH:MM-HH:MM", help=help)


def add_output(parser: argparse.ArgumentParser, plots: bool = True) -> None:
    """``--out``, ``--no-plots`` (where the command draws) and ``--quiet``."""
    parser.add_argument(
        "--out",
        default="results",
        metavar="DIR",
        help="parent directory of the run directory (default results/)",
    )
    if plots:
        parser.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    parser.add_argument("--quiet", action="store_true", help="no progress bar, no table")


def add_requests(parser: argparse.ArgumentParser) -> None:
    """``--requests`` / ``--tasks``: what the users send (loadtest, validate, calibrate)."""
    requests = parser.add_mutually_exclusive_group()
    requests.add_argument(
        "--requests",
        metavar="MAP.toml",
        help="a request map: what each transaction sends to --host, how users sign in, "
        "how to count the service's records (default: the scenario's requests, else our "
        "mock's API)",
    )
    requests.add_argument(
        "--tasks",
        metavar="MODULE.py",
        help="a Python module with a function (client, user) per transaction, the Locust "
        "way, and optionally sign_in(client, user)",
    )


def add_system_under_test(parser: argparse.ArgumentParser, busy_help: str, when: str = "") -> None:
    """What a command that runs its own load tests tests (validate, calibrate --plan):
    ``--serve-scenario`` (a truth the mock emulates), ``--host`` (a service instead of the
    mock), ``--busy-time`` and ``--requests``/``--tasks``. ``when`` prefixes the help of
    the flags that apply only then (``with --plan``)."""
    prefix = f"{when}: " if when else ""
    parser.add_argument(
        "--serve-scenario",
        metavar="FILE",
        help=prefix + "the mock emulates this scenario's tiers and demands (the truth) while "
        "the model stays --scenario: how a wrong model is caught (a truth to recover)",
    )
    parser.add_argument(
        "--host",
        metavar="URL",
        help=prefix + "the service to test (default: start the mock); one that is not our "
        "mock needs --requests or --tasks",
    )
    parser.add_argument("--busy-time", metavar="FILE", help=busy_help)
    add_requests(parser)
