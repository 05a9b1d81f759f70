"""Rows and summaries the validation tests judge, built in one place."""

from peakload.measure.validation import (
    Bounds,
    MetricKind,
    PredictionBasis,
    judge_row,
)


def row(kind, predicted, measured, metric="m", bounds=None):
    return judge_row(1.0, metric, kind, predicted, measured, bounds or Bounds())


def queue_only(predicted, measured, bounds=None):
    return judge_row(
        1.0,
        "transactions.t.mean_s",
        MetricKind.MEAN,
        predicted,
        measured,
        bounds or Bounds(),
        PredictionBasis.QUEUE_ONLY,
    )


def summary(counts, means, throughput=10.0, tiers=None):
    return {
        "overall": {
            "throughput_rps": throughput,
            "mean_s": 0.1,
            "p95_s": 0.2,
            "requests": sum(counts.values()),
        },
        "transactions": {
            n: {"count": c, "mean_s": means[n], "p95_s": 2 * means[n]} for n, c in counts.items()
        },
        "tiers": tiers or {},
    }
