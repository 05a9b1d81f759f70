"""A uniform sample of bounded size from a stream that arrives in batches.

Bottom-k sampling: every value gets a uniform random key and the sample keeps
the ``capacity`` values with the smallest keys seen so far. That is a uniform
sample without replacement of everything offered, whatever the batch sizes,
in memory bounded by ``capacity``.
"""

from __future__ import annotations

import numpy as np


class StreamSample:
    """Keeps at most ``capacity`` values, uniformly chosen from all offered."""

    def __init__(self, capacity: int, rng: np.random.Generator):
        self.capacity = capacity
        self.rng = rng
        self.values = np.empty(0)
        self.keys = np.empty(0)
        self.seen = 0  # values offered in total

    def offer(self, values: np.ndarray) -> None:
        values = np.asarray(values, dtype=float)
        if not len(values):
            return
        self.seen += len(values)
        keys = np.concatenate([self.keys, self.rng.random(len(values))])
        values = np.concatenate([self.values, values])
        if len(values) > self.capacity:
            keep = np.argpartition(keys, self.capacity - 1)[: self.capacity]
            keys, values = keys[keep], values[keep]
        self.keys, self.values = keys, values

    def merge(self, other: StreamSample) -> StreamSample:
        """This sample and ``other`` as one: the ``capacity`` smallest keys of both, a
        uniform sample of everything both were offered (bottom-k samples merge)."""
        keys = np.concatenate([self.keys, other.keys])
        values = np.concatenate([self.values, other.values])
        if len(values) > self.capacity:
            keep = np.argpartition(keys, self.capacity - 1)[: self.capacity]
            keys, values = keys[keep], values[keep]
        self.keys, self.values, self.seen = keys, values, self.seen + other.seen
        return self


class Moments:
    """Count, mean and coefficient of variation of everything offered, exactly.

    The sample above is for shapes and quantiles; the mean a scenario is built
    on comes from every value, not a sample of them.
    """

    def __init__(self) -> None:
        self.count = 0
        self.total = 0.0
        self.total_sq = 0.0

    def offer(self, values: np.ndarray) -> None:
        values = np.asarray(values, dtype=float)
        self.count += len(values)
        self.total += float(values.sum())
        self.total_sq += float(np.square(values).sum())

    @property
    def mean(self) -> float:
        return self.total / self.count if self.count else float("nan")

    @property
    def cv(self) -> float:
        if not self.count:
            return float("nan")
        variance = max(self.total_sq / self.count - self.mean**2, 0.0)
        return float(variance**0.5) / self.mean
