"""Window sketches pooled over replications: the quantiles of every request."""

from __future__ import annotations

import numpy as np
import pytest

from peakload.measure.sketch import DEFAULT_ALPHA, LogHistogram
from peakload.measure.window_sketches import WindowSketches


def _window(rng: np.random.Generator, scale: float, n: int) -> tuple[WindowSketches, np.ndarray]:
    fast, slow = rng.exponential(scale, n), rng.lognormal(np.log(scale * 4), 0.5, n // 3)
    sketches = WindowSketches(
        LogHistogram().add(np.concatenate([fast, slow])),
        {"get_payment": LogHistogram().add(fast), "sign_payment": LogHistogram().add(slow)},
    )
    return sketches, np.concatenate([fast, slow])


def test_pooled_percentiles_are_those_of_every_request_within_alpha():
    rng = np.random.default_rng(11)
    parts = [_window(rng, scale, 3_000) for scale in (0.02, 0.05, 0.3)]
    pooled = WindowSketches.pooled(p[0] for p in parts).percentiles()
    everything = np.concatenate([p[1] for p in parts])
    for key, q in [("overall.p50_s", 50), ("overall.p95_s", 95), ("overall.p99_s", 99)]:
        exact = np.percentile(everything, q)
        assert pooled[key] == pytest.approx(exact, rel=DEFAULT_ALPHA)
    # the mean of the parts' p95s is another figure where one part runs slow
    mean_of_parts = np.mean([p[0].percentiles()["overall.p95_s"] for p in parts])
    assert abs(mean_of_parts / pooled["overall.p95_s"] - 1) > 0.2


def test_pooling_leaves_the_parts_as_they_were_and_adds_a_transaction_one_part_lacks():
    rng = np.random.default_rng(3)
    first, _ = _window(rng, 0.05, 500)
    second = WindowSketches(
        LogHistogram().add(rng.exponential(0.05, 200)),
        {"get_statements": LogHistogram().add(rng.exponential(0.4, 200))},
    )
    counts = first.overall.count, second.transactions["get_statements"].count
    pooled = WindowSketches.pooled([first, second])
    assert (first.overall.count, second.transactions["get_statements"].count) == counts
    assert pooled.overall.count == first.overall.count + second.overall.count
    assert set(pooled.transactions) == {"get_payment", "sign_payment", "get_statements"}
    assert pooled.transactions["get_statements"] is not second.transactions["get_statements"]


def test_an_empty_transaction_reads_nan_and_nothing_to_pool_is_an_error():
    sketches = WindowSketches(LogHistogram().add(np.array([0.1, 0.2])), {"idle": LogHistogram()})
    figures = sketches.percentiles()
    assert np.isnan(figures["transactions.idle.p95_s"])
    assert figures["overall.p50_s"] == pytest.approx(0.15, rel=DEFAULT_ALPHA)
    with pytest.raises(ValueError, match="no sketches"):
        WindowSketches.pooled([])
