"""Does the model predict what was measured? Predicted vs measured, metric by metric.

The package: :mod:`~peakload.measure.validation.kinds` (what a figure is and how it is
judged), :mod:`~peakload.measure.validation.bounds`, :mod:`~peakload.measure.validation.rows`
(a row judged, a level's rows, the verdict) and
:mod:`~peakload.measure.validation.figures` (the figures and their half-widths).

``peakload validate`` runs, per load level, a load test and the simulation of
the very same plan, and compares them here. Each compared figure is a
:class:`Row`: the prediction with its 95 % confidence half-width over
independent replications, the measurement with its 95 % half-width from batch
means over the window, the error, the bound and the verdict.

Batch means: the measured window is cut into ``B`` consecutive batches of
equal length; the figure is computed in each, and the half-width is
``t(0.975, B-1) * s / sqrt(B)`` over the batch figures (batches of a steady
plateau a minute or more long are close to independent). The point estimate
is the figure over the whole window.

The verdict (:func:`judge_row`). ``difference = predicted - measured``; the bound
is relative to the measurement for throughput and times, in absolute points
for utilization and transaction share. With ``noise = sqrt(ci_p^2 + ci_m^2)``
(the half-width of the difference):

- **agree**: ``|difference| <= bound``;
- **agree, within noise**: ``bound < |difference| <= bound + noise``: the point
  estimates are further apart than the bound, but the two intervals come
  within the bound of each other, so the data cannot say the model is off by
  more than the bound;
- **disagree**: ``|difference| > bound + noise``: the model misses by more than
  the bound with 95 % confidence. Any disagreeing row fails the validation.

A row whose noise alone exceeds its bound is flagged ``imprecise``. Whether a
row *could have failed* is its **detectable miss**, ``bound + noise``: the
smallest ``|difference|`` that would have disagreed. A row is **decisive** when
that is at most ``(1 + decisive) x bound`` (``Bounds.decisive``, 0.5: a miss of
1.5 times the bound would have been caught), i.e. ``noise <= decisive x bound``
with both half-widths known. The rows that **matter** (:func:`matters`) are
throughput, every queueing tier's utilization and the mean of every
transaction carrying at least :data:`MATTERS_SHARE` of the model's requests;
the validation's :class:`ValidationVerdict` is PASS only when none disagrees and every
row that matters is decisive, INCONCLUSIVE when none disagrees but some that
matter are not, FAIL when any row disagrees. A transaction's mean row exists
from :data:`MIN_MEAN_REQUESTS` measured requests in the window on, its p95 and
share rows from :data:`MIN_TRANSACTION_REQUESTS`.

The time outside the tiers (:class:`PredictionBasis`). A client's response
time holds the tiers' queueing and service and the time no tier explains
(HTTP, framework, JSON). A model with a delay tier predicts the latter; else,
against a server that reports its own outside time per transaction
(``peakload_outside_seconds_total`` on the mock), a transaction's predicted
mean and p95 are the model's figure plus that measured outside mean, shown as
such; else the comparison is of queue time only, and only those rows keep the
absolute ``latency_floor_s``, named in their bound.
"""

from __future__ import annotations

from peakload.measure.validation.bounds import Bounds, BoundsError, load_bounds
from peakload.measure.validation.figures import (
    batch_means,
    batch_summaries,
    figures,
    judged_transactions,
    measured_estimates,
    replication_estimates,
    with_pooled_quantiles,
)
from peakload.measure.validation.kinds import (
    MATTERS_SHARE,
    MIN_MEAN_REQUESTS,
    MIN_TRANSACTION_REQUESTS,
    Agreement,
    MetricKind,
    PredictionBasis,
    ValidationVerdict,
)
from peakload.measure.validation.rows import (
    Estimate,
    OutsideTimes,
    Row,
    compare_level,
    failing_metrics,
    judge_row,
    matters,
    prediction_basis,
    verdict,
)

__all__ = [
    "MATTERS_SHARE",
    "MIN_MEAN_REQUESTS",
    "MIN_TRANSACTION_REQUESTS",
    "Agreement",
    "Bounds",
    "BoundsError",
    "Estimate",
    "MetricKind",
    "OutsideTimes",
    "PredictionBasis",
    "Row",
    "ValidationVerdict",
    "batch_means",
    "batch_summaries",
    "compare_level",
    "failing_metrics",
    "figures",
    "judge_row",
    "judged_transactions",
    "load_bounds",
    "matters",
    "measured_estimates",
    "prediction_basis",
    "replication_estimates",
    "verdict",
    "with_pooled_quantiles",
]
