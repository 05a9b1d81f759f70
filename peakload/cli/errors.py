"""Exit codes, and the one place that maps errors to them (as pip's ``status_codes``).

0    it ran (and, for commands that judge, the verdict was a pass)
1    it ran and the verdict failed (the SLO, a regression, a disagreement)
2    unusable input or a run that could not run: one line on stderr says why
3    peakload itself failed (an unexpected error, a bug): one line on stderr names
     the file holding the traceback, so CI never reads a crash as a failed verdict
4    it ran and could not decide: the verdict is inconclusive (``validate``: a figure
     that must decide could not have failed; it names them and the run that would)
130  interrupted (Ctrl-C or SIGTERM; what it started is stopped first)

An unexpected exception is the one case pip calls ``UNKNOWN_ERROR``: its own
code, one line, and the traceback kept in a file (a temporary file, named in
the line) instead of thirty lines on the terminal.
"""

from __future__ import annotations

import sys
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path

from peakload.app.errors import CouldNotRun, JobError
from peakload.core.scenario_file import ScenarioError

EXIT_OK, EXIT_FAILED, EXIT_UNUSABLE, EXIT_CRASHED, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
EXIT_INCONCLUSIVE = 4

EXIT_CODES = (
    "Exit codes: 0 it ran (a verdict passed), 1 the verdict failed, 2 unusable input "
    "(one line says why)."
)
"""The meaning of 0, 1 and 2 for a command that does not state its own."""

EXIT_CODES_ALWAYS = (
    f"Any command: {EXIT_CRASHED} peakload itself failed (an unexpected error: one line "
    f"names the file holding the traceback), {EXIT_INCONCLUSIVE} inconclusive (a verdict "
    f"the run could not decide: validate), {EXIT_INTERRUPTED} interrupted (Ctrl-C or "
    "SIGTERM: what it started is stopped first)."
)
"""The codes every command shares, appended to each ``--help`` epilog."""


def print_errors(lines: list[str]) -> None:
    """Error lines go to stderr whole: never wrapped, never styled, one per problem."""
    for line in lines:
        print(line, file=sys.stderr)


def keep_traceback(command: str, exc: BaseException) -> Path:
    """Write ``exc``'s traceback to a new temporary file and return its path."""
    with tempfile.NamedTemporaryFile(
        "w", prefix=f"peakload-{command}-crash-", suffix=".txt", delete=False
    ) as handle:
        handle.write(f"peakload {command}: {' '.join(sys.argv[1:])}\n\n")
        traceback.print_exception(exc, file=handle)
    return Path(handle.name)


def crash_line(command: str, exc: BaseException) -> str:
    """One line for an unexpected error: what it was, and where its traceback is."""
    what = f"{type(exc).__name__}: {exc}".splitlines()[0]
    try:
        where = f"traceback in {keep_traceback(command, exc)}"
    except OSError as unwritable:  # no writable temp directory: say so, still one line
        where = f"traceback not kept ({unwritable.strerror})"
    return f"peakload {command}: unexpected error (a bug in peakload), {what}; {where}"


def run_mapped(command: str, handler: Callable[[], int]) -> int:
    """Run ``handler`` and turn the errors a job raises into one line and an exit code."""
    try:
        return handler()
    except ScenarioError as exc:
        print_errors(exc.lines)
    except (JobError, CouldNotRun) as exc:
        print_errors([f"peakload {command}: {exc}"])
    except KeyboardInterrupt:
        print_errors(["interrupted"])
        return EXIT_INTERRUPTED
    except Exception as exc:
        print_errors([crash_line(command, exc)])
        return EXIT_CRASHED
    return EXIT_UNUSABLE
