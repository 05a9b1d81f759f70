"""Quantiles in bounded memory: a log-bucket histogram with a relative-error guarantee.

The DDSketch scheme (Masson, Rim and Lee, VLDB 2019): with gamma = (1 + alpha) /
(1 - alpha), a positive value x falls in bucket ``i = ceil(log(x) / log(gamma))``,
the interval (gamma^(i-1), gamma^i]. Every value in a bucket is within a relative
alpha of the bucket's representative ``2 gamma^i / (gamma + 1)``, so a quantile
read from the bucket counts is within alpha of the true one, relative to it,
whatever the distribution. Only counts are kept: a million response times
between 1 ms and 100 s need about 1,150 buckets at alpha = 0.5 %.

>>> import numpy as np
>>> values = np.random.default_rng(1).lognormal(0.0, 1.0, 100_000)
>>> sketch = LogHistogram().add(values)
>>> exact = np.quantile(values, 0.95)
>>> bool(abs(sketch.quantile(0.95) - exact) <= 0.005 * exact)
True

Values are added in numpy batches (one ``np.log`` and one ``np.bincount`` per
batch, not a Python call per value). Two sketches with the same alpha merge by
adding their counts (:meth:`LogHistogram.merge`): minutes into a window,
replications into a run, workers into a load test. Count, sum, min and max are
kept exactly beside the buckets. Values at or below :data:`TINY` (zero response
times) are counted in a bucket of their own and read back as 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

DEFAULT_ALPHA = 0.005
"""Relative error of every quantile: 0.5 %."""
TINY = 1e-9
"""Values at or below this (s) count as zero."""


@dataclass
class LogHistogram:
    """Counts of values in logarithmic buckets; quantiles within ``alpha`` of the truth."""

    alpha: float = DEFAULT_ALPHA
    counts: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64), repr=False)
    """Counts of buckets ``offset``, ``offset + 1``, ... (a dense run of indices)."""
    offset: int = 0
    """The bucket index of ``counts[0]``."""
    zeros: int = 0
    """Values at or below :data:`TINY`."""
    count: int = 0
    total: float = 0.0
    low: float = math.inf
    high: float = -math.inf

    def __post_init__(self) -> None:
        if not 0 < self.alpha < 1:
            raise ValueError(f"alpha must be in (0, 1), not {self.alpha}")
        self.gamma = (1 + self.alpha) / (1 - self.alpha)
        self._log_gamma = math.log(self.gamma)

    def index(self, values: np.ndarray) -> np.ndarray:
        """Bucket indices ``ceil(log(x) / log(gamma))`` of positive ``values``."""
        return np.asarray(np.ceil(np.log(values) / self._log_gamma).astype(np.int64))

    def add(self, values: np.ndarray) -> LogHistogram:
        """Count a batch of values (>= 0, finite); returns this sketch."""
        values = np.asarray(values, dtype=float).ravel()
        if values.size == 0:
            return self
        if not np.all(np.isfinite(values)) or values.min() < 0:
            raise ValueError("a sketch counts finite values >= 0 only")
        self.count += values.size
        self.total += float(values.sum())
        self.low = min(self.low, float(values.min()))
        self.high = max(self.high, float(values.max()))
        positive = values[values > TINY]
        self.zeros += values.size - positive.size
        if positive.size:
            idx = self.index(positive)
            first = int(idx.min())
            self._add_counts(first, np.bincount(idx - first))
        return self

    def _add_counts(self, first: int, counts: np.ndarray) -> None:
        """Add ``counts`` of buckets ``first``, ``first + 1``, ... to this sketch's."""
        if self.counts.size == 0:
            self.offset, self.counts = first, counts.astype(np.int64)
            return
        lo = min(self.offset, first)
        hi = max(self.offset + self.counts.size, first + counts.size)
        if lo != self.offset or hi != self.offset + self.counts.size:
            grown = np.zeros(hi - lo, dtype=np.int64)
            grown[self.offset - lo : self.offset - lo + self.counts.size] = self.counts
            self.offset, self.counts = lo, grown
        self.counts[first - lo : first - lo + counts.size] += counts

    def merge(self, other: LogHistogram) -> LogHistogram:
        """Add ``other``'s counts to this sketch's (the same alpha); returns this sketch."""
        if other.alpha != self.alpha:
            raise ValueError(f"cannot merge sketches of alpha {self.alpha} and {other.alpha}")
        if other.counts.size:
            self._add_counts(other.offset, other.counts)
        self.zeros += other.zeros
        self.count += other.count
        self.total += other.total
        self.low = min(self.low, other.low)
        self.high = max(self.high, other.high)
        return self

    @property
    def mean(self) -> float:
        """The exact mean (NaN when empty)."""
        return self.total / self.count if self.count else math.nan

    def quantile(self, q: float) -> float:
        """The q-quantile (0 <= q <= 1) as numpy's default (linear) method defines it,
        within ``alpha`` (relative) of it; NaN when empty."""
        return float(self.quantiles([q])[0])

    def quantiles(self, qs: list[float] | np.ndarray) -> np.ndarray:
        """Several quantiles at once (see :meth:`quantile`).

        The value of rank ``r = q (n - 1)`` in the sorted values, interpolated
        between the ranks ``floor(r)`` and ``ceil(r)`` as ``np.quantile`` does: each
        is read from its bucket within ``alpha``, so their weighted mean is within
        ``alpha`` of the exact interpolated quantile."""
        qs = np.asarray(qs, dtype=float)
        if np.any((qs < 0) | (qs > 1)):
            raise ValueError("quantiles are between 0 and 1")
        if self.count == 0:
            return np.full(qs.shape, math.nan)
        rank = qs * (self.count - 1)
        below, above = np.floor(rank), np.ceil(rank)
        low, high = self._at_ranks(below), self._at_ranks(above)
        return np.asarray(low + (rank - below) * (high - low))

    def _at_ranks(self, ranks: np.ndarray) -> np.ndarray:
        """The values of whole ``ranks`` (0 to count - 1), each within ``alpha``."""
        cumulative = self.zeros + np.cumsum(self.counts)
        bucket = np.searchsorted(cumulative, ranks, side="right")
        values = 2 * self.gamma ** (self.offset + bucket.astype(float)) / (self.gamma + 1)
        values = np.clip(values, self.low, self.high)
        values = np.where(ranks >= self.count - 1, self.high, values)  # the max is exact
        values = np.where((ranks == 0) & (self.zeros == 0), self.low, values)  # so is the min
        return np.where(ranks < self.zeros, 0.0, values)
