"""How much a window's transaction mean moves between windows, as the model says.

A sized plateau is planned from its pilot's batch means, and a pilot is short.
Where a tier queues in bursts (a few long demands coming together on a busy
tier), a short pilot either caught a burst or did not, and its batches say
too little or too much about the window a mean row needs. The prediction's
replications are windows of the same plan, hundreds of them: their spread is
the model's own answer to "how much does a window's mean move", as long as
the model is right, which is what validate assumes until it finds otherwise.

A measured mean has the draws' luck taken out, each request's drawn demand
less its mean (:func:`peakload.measure.stats.controlled`); a replication's
mean has not. A request's own draws are independent of the queue it met, so
the replications' variance of a transaction's mean is the queueing's plus the
draws' ``sum of the route's demand variances / n`` (``n`` its requests in a
replication's window); the latter is known from the scenario and taken off.
What is left is the spread the measured window cannot control away.

At the April day's peak (db at 58 %) it puts ``get_dossier``'s mean at a
standard deviation of 8 % per 396 s window: about 84 minutes of window to be
decisive at a 10 % bound, where a pilot's batch means said 92 in one run and
146 in the next.
"""

from __future__ import annotations

import math

import numpy as np

from peakload.core.scenario import Scenario
from peakload.measure.precision import scaled_length

MIN_REPLICATIONS = 10
"""Fewer replications than this give too rough a variance to plan by."""
Z95 = 1.96


def controlled_spread(
    means: list[float], counts: list[float], scenario: Scenario, transaction: str
) -> float:
    """The standard deviation between windows of ``transaction``'s mean with its
    requests' own draws taken out: the replications' (``means``, each of ``counts``
    requests) less the draws' known share. NaN with fewer than
    :data:`MIN_REPLICATIONS` finite replications or an unknown transaction."""
    pairs = [(m, n) for m, n in zip(means, counts, strict=True) if math.isfinite(m) and n > 0]
    txn = next((t for t in scenario.transactions if t.name == transaction), None)
    if len(pairs) < MIN_REPLICATIONS or txn is None:
        return math.nan
    values = np.array([m for m, _ in pairs])
    requests = float(np.mean([n for _, n in pairs]))
    draws = sum(txn.demand[tier].variance for tier in scenario.route(txn))
    return math.sqrt(max(0.0, float(np.var(values, ddof=1)) - draws / requests))


def model_window(spread: float, target: float, replication_window_s: float) -> float:
    """The wall window a measured mean needs for a 95 % half-width of ``target``, when a
    window of ``replication_window_s`` spreads by ``spread`` (a standard deviation):
    0 when the spread is unknown (no floor)."""
    if not math.isfinite(spread) or replication_window_s <= 0:
        return 0.0
    return scaled_length(Z95 * spread, target, replication_window_s)
