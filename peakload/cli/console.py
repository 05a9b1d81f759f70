"""Lines a command prints as they are: no rich markup read into them, no highlighting
(a path with ``[brackets]`` or a figure stays as written)."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console


def plain(console: Console, line: str) -> None:
    """Print ``line`` exactly as written."""
    console.print(line, markup=False, highlight=False)


def warn_if_unfit(console: Console, scenario_path: str | Path) -> None:
    """Say so when the model is an inconclusive calibration's, marked not fit for
    prediction (``size`` and ``validate`` still run it)."""
    from peakload.contract.calibration import unfit_for_prediction

    if warning := unfit_for_prediction(scenario_path):
        plain(console, warning)
