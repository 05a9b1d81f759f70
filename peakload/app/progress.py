"""A progress bar on stderr for long runs (rich), or nothing when asked to be quiet."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)


@contextmanager
def progress_bar(
    label: str, total: float | None, disabled: bool = False, delay_s: float = 0.0
) -> Iterator[Callable[[float], None]]:
    """Yields ``advance(completed)``: set the amount done so far (not an increment).
    With ``total`` None the bar counts without an end (a search of unknown length).
    With ``delay_s``, the bar appears only once the work has taken that long, so a
    job that is usually quick (a report page) stays silent when it is."""
    if disabled:
        yield lambda completed: None
        return
    if delay_s > 0:
        with _delayed_bar(label, total, delay_s) as advance:
            yield advance
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=False) as progress:
        task = progress.add_task(label, total=total)
        yield lambda completed: progress.update(task, completed=completed)
        if total is not None:
            progress.update(task, completed=total)


@contextmanager
def _delayed_bar(
    label: str, total: float | None, delay_s: float
) -> Iterator[Callable[[float], None]]:
    started = time.monotonic()
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
    )
    task = progress.add_task(label, total=total)
    shown = False

    def advance(completed: float) -> None:
        nonlocal shown
        progress.update(task, completed=completed)
        if not shown and time.monotonic() - started > delay_s:
            progress.start()
            shown = True

    try:
        yield advance
    finally:
        if shown:
            progress.stop()
