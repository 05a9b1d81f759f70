"""Exit codes, and the one place that maps errors to them (as pip's ``status_codes``).

0  it ran (and, for commands that judge, the verdict was a pass)
1  it ran and the verdict failed (the SLO, a regression, a disagreement)
2  unusable input or a run that could not run: one line on stderr says why
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from peakload.app.errors import CouldNotRun, JobError
from peakload.core.scenario_file import ScenarioError

EXIT_OK, EXIT_FAILED, EXIT_UNUSABLE, EXIT_INTERRUPTED = 0, 1, 2, 130


def print_errors(lines: list[str]) -> None:
    """Error lines go to stderr whole: never wrapped, never styled, one per problem."""
    for line in lines:
        print(line, file=sys.stderr)


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
    return EXIT_UNUSABLE
