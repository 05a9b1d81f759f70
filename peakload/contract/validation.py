"""The typed output of ``peakload validate``: what ``validation.json`` holds.

One :class:`ValidationRow` per figure compared, predicted beside measured with
their 95 % half-widths, the bound and the verdict; the rows of each load level
(:class:`LevelRecord`) and of the failure drill (:class:`DrillRecord`); and the
document around them (:class:`ValidationDocument`), whose ``pass`` is the
verdict a CI job reads. A figure neither side could estimate is ``null`` in the
file (NaN here).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready dict, ``pass`` by its contract name (NaN still NaN: the writer
        turns it into ``null``)."""
        return self.model_dump(by_alias=True)


Figure = float | None
"""A number: NaN where it could not be estimated, written as ``null`` and read back
as None."""


class ValidationRow(_Model):
    """One figure at one level (or in the drill): does the prediction agree?"""

    metric: str
    kind: str
    predicted: Figure
    predicted_ci95: Figure
    predicted_input_ci95: Figure = None
    """The part of ``predicted_ci95`` the calibrated demands' intervals make (in
    quadrature with the replications'); None when the model came with no calibration."""
    predicted_input_below: Figure = None
    """How far below ``predicted`` the demands' draws reach (their 2.5th percentile);
    None when the model came with no calibration."""
    predicted_input_above: Figure = None
    """How far above it they reach (their 97.5th percentile). A row whose measurement
    lies above the prediction is judged with this side, one below with the other: near
    saturation a mean's draws reach further up than down."""
    measured: Figure
    measured_ci95: Figure
    difference: Figure
    error: Figure
    error_unit: Literal["relative", "points"]
    bound: Figure
    verdict: str
    imprecise: bool
    """The row's noise is wider than its bound: a miss of the bound could have agreed."""
    decisive: bool = False
    """The noise is within ``bounds.decisive`` of the bound: a miss of
    ``(1 + decisive) x bound`` would have disagreed."""
    detectable: Figure = None
    """The smallest miss the row could have detected: ``bound + noise``."""
    matters: bool = False
    """One of the rows that must be decisive for a pass."""
    basis: str = "model"
    """What the prediction is made of: ``model``, ``model + outside`` (the server's own
    outside time, ``outside_s``, added), ``model with its delay tier``, ``queue time only``."""
    outside_s: Figure = None


class _Experiment(_Model):
    """What both kinds of experiment record: their two runs and their rows."""

    plan: dict[str, Any]
    measured_requests: int
    simulation: str
    loadtest: str
    generator_saturated: bool
    passed: bool = Field(alias="pass")
    rows: list[ValidationRow]


class LevelRecord(_Experiment):
    """One load level: the plateau scenario held at ``level`` of the peak."""

    level: float
    load: float
    scenario: str
    planned_requests_rps: float
    replications: int = 0
    pilot: str | None = None
    """The pilot load test that sized the plateau (None: the pilot was long enough)."""
    undecided: dict[str, Figure] = Field(default_factory=dict)
    """Rows that matter and are not decisive -> wall seconds of window they need."""


class DrillRecord(_Experiment):
    """The failure drill: the model's own day with its ``[[failures]]``."""

    scenario: str
    failures: list[str]
    served_scenario: str | None = None
    wait_inside_over_outside: dict[str, dict[str, Figure]]


class ValidationDocument(_Model):
    """``validation.json``."""

    kind: Literal["validation"] = "validation"
    passed: bool = Field(alias="pass")
    verdict: Literal["pass", "fail", "inconclusive"] = "pass"
    decisive: int = 0
    """Rows whose noise is within ``bounds.decisive`` of their bound."""
    max_minutes: float | None = None
    min_window_s: float | None = None
    """Each window's shortest, in wall seconds: ``--min-window`` as it ran (at least
    three scenario minutes, whole ones)."""
    predict_seconds: float | None = None
    """``--predict-seconds``: each level's prediction's replication budget."""
    scenario: str
    serve_scenario: str | None
    host: str
    replications: int
    calibration: str | None = None
    """The calibration.json whose demands' intervals are in the predictions' half-widths
    (``predicted_input_ci95``); None: the model's demands were taken as exact."""
    bounds: dict[str, Any]
    rule: str
    failing: list[str]
    failing_rows: list[str]
    imprecise: list[str]
    levels: list[LevelRecord]
    drill: DrillRecord | str | None
    """The drill's record, or why it was skipped, or None when the model has no failures."""
