"""The streams against the rows they counted: exact where the figure is a count, a
sum or a maximum, within the sketch's alpha for percentiles, bounded in size."""

from __future__ import annotations

import numpy as np
import pytest

from peakload.measure.observations import Requests, TierIntervals, Timebase
from peakload.measure.request_stream import RequestStream
from peakload.measure.sketch import DEFAULT_ALPHA
from peakload.measure.stats import Outcome, minute_edges
from peakload.measure.visit_stream import VisitStream

NAMES = ["login", "pay", "report"]
SPAN = (32_400.0, 36_000.0)  # 09:00-10:00
WINDOW = (33_000.0, 35_400.0)  # 09:10-09:50


def attempts(rng: np.random.Generator, n: int) -> tuple[np.ndarray, ...]:
    transaction = rng.integers(0, len(NAMES), n).astype(np.int32)
    end = np.sort(rng.uniform(*SPAN, n))
    response = rng.lognormal(np.log(0.05) + transaction, 0.8)
    outcome = rng.choice([Outcome.OK, Outcome.TIMEOUT, Outcome.REFUSED], n, p=[0.9, 0.05, 0.05])
    return transaction, end, response, outcome.astype(np.int8)


def stream_of(rows: tuple[np.ndarray, ...], window=WINDOW, batch: int = 4096) -> RequestStream:
    edges = np.unique(np.concatenate((minute_edges(*SPAN), WINDOW)))
    stream = RequestStream(NAMES, edges, window, np.random.default_rng(0))
    for lo in range(0, len(rows[0]), batch):
        stream.add(*(r[lo : lo + batch] for r in rows))
    return stream


@pytest.mark.parametrize("window", [WINDOW, None], ids=["window-known", "window-found-later"])
def test_a_window_from_the_stream_is_the_window_from_the_rows(window):
    rows = attempts(np.random.default_rng(1), 50_000)
    transaction, end, response, outcome = rows
    exact = Requests(NAMES, transaction, end, response, outcome)
    want_overall, want = exact.summary(WINDOW)
    got_overall, got = stream_of(rows, window).summary(WINDOW)
    inside = (end >= WINDOW[0]) & (end < WINDOW[1])
    for figures, expected, mine in [(got_overall, want_overall, inside)] + [
        (got[n], want[n], inside & (transaction == i)) for i, n in enumerate(NAMES)
    ]:
        for key in ("p50_s", "p95_s", "p99_s"):
            truth = np.percentile(response[mine], int(key[1:3]))
            assert abs(figures[key] - truth) <= DEFAULT_ALPHA * truth * (1 + 1e-9)
        assert figures["mean_s"] == pytest.approx(expected["mean_s"], rel=1e-12)
    for key in ("requests", "timeouts", "refusals"):
        assert got_overall[key] == want_overall[key]
    assert {n: (got[n]["count"], got[n]["errors"]) for n in NAMES} == {
        n: (want[n]["count"], want[n]["errors"]) for n in NAMES
    }


def test_the_series_counts_every_minute_and_reads_its_percentiles_from_the_sketch():
    rows = attempts(np.random.default_rng(2), 30_000)
    _, end, response, _ = rows
    edges = minute_edges(*SPAN)
    got = stream_of(rows).series(edges, np.diff(edges))
    exact = Requests(NAMES, *rows).series(edges, np.diff(edges))
    assert np.array_equal(got["requests"], exact["requests"])
    assert np.allclose(got["mean_s"], exact["mean_s"], rtol=1e-12)
    minute = (end >= edges[5]) & (end < edges[6])
    truth = np.percentile(response[minute], 95)
    assert abs(got["p95_s"][5] - truth) <= DEFAULT_ALPHA * truth


def test_memory_depends_on_the_grid_not_on_the_attempts():
    rng = np.random.default_rng(3)
    small = stream_of(attempts(rng, 20_000))
    large = stream_of(attempts(rng, 400_000))
    assert large.attempts == 20 * small.attempts
    assert large.count.nbytes == small.count.nbytes
    bucket_cells = [sum(s.counts.size for s in x.by_bin.values()) for x in (small, large)]
    assert bucket_cells[1] < 2 * bucket_cells[0]  # the range of values, not their number
    assert len(large.latencies_in(WINDOW)) == len(large._reservoir)


def test_the_reservoir_keeps_every_window_latency_until_full_then_a_uniform_sample():
    rows = attempts(np.random.default_rng(4), 40_000)
    _, end, response, _ = rows
    inside = (end >= WINDOW[0]) & (end < WINDOW[1])
    whole = stream_of(rows)
    assert np.array_equal(whole.latencies_in(WINDOW), response[inside].astype(np.float32))
    edges = np.unique(np.concatenate((minute_edges(*SPAN), WINDOW)))
    few = RequestStream(NAMES, edges, WINDOW, np.random.default_rng(0), reservoir=2_000)
    for lo in range(0, len(end), 1000):
        few.add(*(r[lo : lo + 1000] for r in rows))
    sample = few.latencies_in(WINDOW)
    assert len(sample) == 2_000
    assert np.isin(sample, response[inside].astype(np.float32)).all()
    assert np.median(sample) == pytest.approx(np.median(response[inside]), rel=0.1)


def test_a_window_off_the_grid_is_refused_not_guessed():
    stream = stream_of(attempts(np.random.default_rng(5), 1_000))
    with pytest.raises(ValueError, match="grid"):
        stream.summary((33_001.0, 35_400.0))


def test_a_tier_stream_gives_what_the_visits_give():
    rng = np.random.default_rng(6)
    n = 20_000
    arrivals = np.sort(rng.uniform(*SPAN, n))
    waits = np.where(rng.random(n) < 0.3, rng.exponential(0.2, n), 0.0)
    services = rng.exponential(0.5, n)
    refusals = np.sort(rng.uniform(*SPAN, 300))
    samples = np.arange(*SPAN)
    in_tier = rng.integers(0, 9, len(samples)).astype(float)
    by_minute = rng.integers(0, 5, 700)
    rows = TierIntervals(8, arrivals, waits, services, refusals, by_minute, samples, in_tier)
    edges = np.unique(np.concatenate((minute_edges(*SPAN), WINDOW)))
    stream = VisitStream(8, edges)
    for lo in range(0, n, 3000):
        stream.add(arrivals[lo : lo + 3000], waits[lo : lo + 3000], services[lo : lo + 3000])
    stream.refuse(refusals)
    stream.finish(by_minute, samples, in_tier)
    want, got = rows.stats(WINDOW, Timebase()), stream.stats(WINDOW, Timebase())
    assert got.model_dump().keys() == want.model_dump().keys()
    for key, value in want.model_dump().items():
        assert getattr(got, key) == (value if value is None else pytest.approx(value, rel=1e-9))
    minutes = minute_edges(*SPAN)
    assert np.allclose(
        stream.busy_share(minutes, np.diff(minutes)),
        rows.busy_share(minutes, np.diff(minutes)),
        rtol=1e-9,
    )
    assert stream.visits(WINDOW) == pytest.approx(rows.visits(WINDOW), rel=1e-12)
