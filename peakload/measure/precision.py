"""How much data a validation row needs before it could have failed.

A row is decisive (:mod:`peakload.measure.validation`) when its noise, the
half-width of the difference ``sqrt(p^2 + m^2)`` (``p`` the prediction's 95 %
half-width, ``m`` the measurement's), is at most ``decisive x bound``. Both
half-widths shrink as ``1 / sqrt(n)``: ``p`` with the number of replications,
``m`` with the length of the measured window (batch means of a steady
plateau). So a pilot's half-width says how much more is needed:

- the prediction is cheap: replicate until ``p <= bound / 4``
  (:data:`PREDICTION_TARGET`, within the brief's "a third of the bound");
- the measurement is not: its window is sized so that ``m`` reaches what is
  left of the noise budget, ``sqrt((margin x decisive x bound)^2 - p^2)``
  (:func:`measured_target`; about a third of the bound once ``p`` is a
  quarter of it), with a margin for the pilot's own uncertainty about its
  spread.

The pilot's half-width comes from few batches (its spread is itself uncertain
by a third or so), hence :data:`MARGIN`. Nothing here runs anything: the
validate job asks, runs, and asks again.
"""

from __future__ import annotations

import math

PREDICTION_TARGET = 0.25
"""Replicate until each row's predicted half-width is at most this fraction of its bound."""
MARGIN = 0.85
"""Size for a noise of this fraction of the decisive limit (the pilot's spread is uncertain)."""


def measured_target(bound: float, predicted_ci95: float, decisive: float) -> float:
    """The measured half-width that, beside the prediction's, makes a row decisive
    with :data:`MARGIN` to spare; 0 when the prediction alone uses the whole budget."""
    limit = MARGIN * decisive * bound
    p = predicted_ci95 if math.isfinite(predicted_ci95) else 0.0
    return math.sqrt(max(0.0, limit * limit - p * p))


def scaled_length(half_width: float, target: float, length: float) -> float:
    """How long (windows, replications: whatever ``length`` counts) an estimate whose
    95 % half-width is ``half_width`` after ``length`` must run for ``target``:
    half-widths shrink as one over the square root of the length. ``inf`` when the
    target is 0 or the half-width unknown; ``length`` itself when it is already met."""
    if not math.isfinite(half_width):
        return math.inf
    if half_width <= target:
        return length
    if target <= 0:
        return math.inf
    return length * (half_width / target) ** 2
