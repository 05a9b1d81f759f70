"""Random-number streams: one named stream per purpose, drawn in blocks.

Each purpose (think times, flow choice, the service time of a transaction at a
tier, ...) gets its own generator derived from the replication's seed and the
purpose's name, so two configurations of the same scenario draw the same
numbers for the same purpose (common random numbers), and no code touches a
global random state. Draws come in blocks: one numpy call per thousands of
samples keeps the per-request cost to a list pop.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from typing import Generic, TypeVar

import numpy as np

from peakload.core.distributions import _Distribution

BLOCK = 4096

Draw = TypeVar("Draw", float, int)


def named_rng(seed: np.random.SeedSequence, name: str) -> np.random.Generator:
    """A generator for one purpose, stable under reordering of the other purposes."""
    key = zlib.crc32(name.encode())
    return np.random.default_rng(
        np.random.SeedSequence(seed.entropy, spawn_key=(*seed.spawn_key, key))
    )


class SampleStream(Generic[Draw]):
    """Draws from a distribution in blocks; ``next()`` returns one draw (a float, or an
    index for a :class:`ChoiceStream`)."""

    __slots__ = ("_draw", "_pop")
    _pop: Callable[[], Draw]  # the bound pop of the current block

    def __init__(self, draw: Callable[[int], np.ndarray]):
        self._draw = draw
        self._refill()

    @classmethod
    def of(cls, dist: _Distribution, rng: np.random.Generator) -> SampleStream[float]:
        """A stream of draws from ``dist``, taken from ``rng`` in blocks of BLOCK."""
        return SampleStream[float](lambda n: dist.sample_n(rng, n))

    def _refill(self) -> None:
        block = self._draw(BLOCK)[::-1].tolist()  # reversed: pop() hands them out in order
        self._pop = block.pop

    def next(self) -> Draw:
        """The next draw, in the order the block was drawn."""
        try:
            return self._pop()
        except IndexError:
            self._refill()
            return self._pop()


class ChoiceStream:
    """Picks an index by weight, in blocks."""

    __slots__ = ("_stream",)

    def __init__(self, weights: list[float], rng: np.random.Generator):
        p = np.asarray(weights, dtype=float)
        p = p / p.sum()
        n = len(p)
        self._stream = SampleStream[int](lambda size: rng.choice(n, size=size, p=p))

    def next(self) -> int:
        """The next index, each with probability weight / sum of weights."""
        return self._stream.next()
