"""The one error a job raises for input it cannot use.

A job (``simulate``, ``loadtest``, ...) that is handed something it cannot
work with (a window outside the run, a compression that leaves no window, a
cluster it cannot reach) raises :class:`JobError` with one line that names
the input and says what to change. The CLI maps it to exit 2; a benchmark or
a test sees an ordinary exception.
"""

from __future__ import annotations


class JobError(ValueError):
    """An input the job cannot use: one line, naming the input."""


class CouldNotRun(RuntimeError):
    """The job's inputs were fine but it could not run (a server would not start,
    a run measured nothing). One line saying why and what to change."""
