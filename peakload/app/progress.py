"""A progress bar on stderr for long runs (rich), or nothing when asked to be quiet."""

from __future__ import annotations

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
    label: str, total: float | None, disabled: bool = False
) -> Iterator[Callable[[float], None]]:
    """Yields ``advance(completed)``: set the amount done so far (not an increment).
    With ``total`` None the bar counts without an end (a search of unknown length)."""
    if disabled:
        yield lambda completed: None
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
