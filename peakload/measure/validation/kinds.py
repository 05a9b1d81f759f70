"""What a compared figure is (:class:`MetricKind`), what its prediction is made of
(:class:`PredictionBasis`), how a row (:class:`Agreement`) and a validation
(:class:`ValidationVerdict`) are judged, and which rows exist and matter."""

from __future__ import annotations

from enum import StrEnum

MATTERS_SHARE = 0.05
"""A transaction carrying at least this share of the model's requests has its mean in
the rows that must be decisive."""
MIN_TRANSACTION_REQUESTS = 300
"""Measured requests in the window below which a transaction gets no p95 and share
rows (its p95 would rest on fewer than 15 requests above it)."""
MIN_MEAN_REQUESTS = 50
"""Measured requests in the window below which a transaction gets no mean row: five
to each of ten batches. A mean needs fewer than a p95, and fewer still once the
demand the requests drew is taken out of it (``peakload.measure.stats.controlled``),
where thousands of raw responses spread less than a hundred."""


class MetricKind(StrEnum):
    """What a metric is, which says how its bound applies."""

    THROUGHPUT = "throughput"  # relative
    MEAN = "mean"  # relative (with an absolute floor)
    P95 = "p95"  # relative (with an absolute floor)
    UTILIZATION = "utilization"  # absolute points
    SHARE = "share"  # absolute points
    WAIT = "wait"  # relative (with an absolute floor of its own): a tier's queueing wait

    @property
    def relative(self) -> bool:
        return self in (MetricKind.THROUGHPUT, MetricKind.MEAN, MetricKind.P95, MetricKind.WAIT)

    @property
    def seconds(self) -> bool:
        """A time, shown in milliseconds."""
        return self in (MetricKind.MEAN, MetricKind.P95, MetricKind.WAIT)


class PredictionBasis(StrEnum):
    """What a row's prediction is made of (a latency's, for the time outside the tiers)."""

    MODEL = "model"
    """Not a client latency (or a tier's, from the server's own counters)."""
    PLUS_OUTSIDE = "model + outside"
    """The model's queue time plus the server's own measured outside time."""
    DELAY_TIER = "model with its delay tier"
    """The model's delay tier carries the time outside the queues: nothing added."""
    QUEUE_ONLY = "queue time only"
    """Neither: the prediction leaves out the outside time; the latency floor applies."""


class ValidationVerdict(StrEnum):
    """A validation's verdict (:func:`verdict`)."""

    PASS = "pass"
    FAIL = "fail"
    INCONCLUSIVE = "inconclusive"


class Agreement(StrEnum):
    AGREE = "agree"
    WITHIN_NOISE = "agree, within noise"
    DISAGREE = "disagree"
