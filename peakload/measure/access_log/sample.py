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
