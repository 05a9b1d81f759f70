"""Where a user already at work stands: the stationary state of a closed-workload user.

A closed-workload user cycles forever: pick a flow by weight, then for each of
its steps think, then send the step's request. Watch such a user at a random
moment long after it started, and you find it

- in flow ``f`` with probability proportional to ``weight_f * len(steps_f)``:
  a flow is picked in proportion to its weight and, once picked, lasts in
  proportion to its number of steps (each step costs one think time and one
  response, and think times dominate);
- at each of that flow's steps with equal probability;
- part-way through the think time before that step: the *residual* think
  time. By the inspection paradox the think time you land in is
  length-biased (longer ones are more likely to be caught), and the part left
  is uniform within it. For an exponential think time the residual is again
  exponential with the same mean; for a deterministic one it is uniform.

A user that joins a compressed load test (or its simulation) from this state
sends, from its first request on, the mix of requests of the real day at
that moment; a user that starts at step one of a flow would over-send first
steps while a ramp is K times steeper than on the real day.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from peakload.core.distributions import Distribution

LENGTH_BIAS_SAMPLES = 64
"""Think times drawn to pick a length-biased one (an approximation that is
exact for deterministic think times and within sampling error otherwise)."""


@dataclass(frozen=True)
class Entry:
    """A user's state on joining: run ``steps[step:]`` of flow ``flow``, the
    first after ``think_s`` seconds (before any user-scale factor)."""

    flow: int
    step: int
    think_s: float


class FlowEntry(StrEnum):
    """Where a closed-workload user stands when it first goes to work."""

    STATIONARY = "stationary"
    """Mid-flow, from the stationary state of a user already at work
    (:func:`stationary_entry`): the mix of the real day from the first request."""

    FIRST_STEP = "first_step"
    """At the first step of a flow picked by weight, with no think time before it.
    Users that start together stay together (with a deterministic think time they
    move as one wave): what ``calibrate --plan``'s lockstep tour needs, and what a
    test of a flow from its beginning wants."""


def flow_shares(weights: Sequence[float], lengths: Sequence[int]) -> np.ndarray:
    """The share of users found in each flow at a random moment: weight times steps."""
    time_in_flow = np.asarray(weights, dtype=float) * np.asarray(lengths, dtype=float)
    return np.asarray(time_in_flow / time_in_flow.sum())


def residual_think(think_time: Distribution | None, rng: np.random.Generator) -> float:
    """The part of a think time still to run, seen at a random moment (seconds)."""
    if think_time is None:
        return 0.0
    draws = think_time.sample_n(rng, LENGTH_BIAS_SAMPLES)
    total = float(draws.sum())
    if total <= 0:
        return 0.0
    caught = draws[rng.choice(LENGTH_BIAS_SAMPLES, p=draws / total)]
    return float(caught * rng.random())


def stationary_entry(
    weights: Sequence[float],
    lengths: Sequence[int],
    think_time: Distribution | None,
    rng: np.random.Generator,
) -> Entry:
    """Draw the state of a user already at work (see the module docstring).

    ``weights`` and ``lengths`` are the flows' weights and numbers of steps,
    in the scenario's order; the returned :class:`Entry` indexes them.
    """
    flow = int(rng.choice(len(weights), p=flow_shares(weights, lengths)))
    step = int(rng.integers(lengths[flow]))
    return Entry(flow, step, residual_think(think_time, rng))


def first_entry(
    kind: FlowEntry,
    weights: Sequence[float],
    lengths: Sequence[int],
    think_time: Distribution | None,
    rng: np.random.Generator,
) -> Entry:
    """Where a user joining the workload starts, by the workload's ``entry`` rule."""
    if kind is FlowEntry.FIRST_STEP:
        shares = np.asarray(weights, dtype=float)
        return Entry(int(rng.choice(len(weights), p=shares / shares.sum())), 0, 0.0)
    return stationary_entry(weights, lengths, think_time, rng)
