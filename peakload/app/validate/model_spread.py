"""How much a window's transaction mean moves between windows, as the model says.

A sized plateau is planned from its pilot's batch means, and a pilot is short.
Where a tier queues in bursts (a few long demands coming together on a busy
tier), a short pilot either caught a burst or did not, and its batches say
too little or too much about the window a mean row needs. The prediction's
replications are windows of the same plan, hundreds of them: their spread is
the model's own answer to "how much does a window's mean move", as long as
the model is right, which is what validate assumes until it finds otherwise.

A mean measured against the emulating mock has the draws' luck taken out,
each request's drawn demand less its mean
(:func:`peakload.measure.stats.controlled`); a replication's mean has not. A
request's own draws are independent of the queue it met, so the replications'
variance of a transaction's mean is the queueing's plus the draws' ``sum of
the route's demand variances / n`` (``n`` its requests in a replication's
window), known from the scenario and taken off when the measurement took the
draws out (against a real service it did not, and the whole variance stays).
What is left errs long, not short: a draw also lengthens the waits of the
requests behind it (a positive covariance left in), and at a processor-sharing
tier it enters its own response more than once over.

The half-width a window will have is Student's t over its batches (the count
a window of that length is cut into) times the standard deviation, as the
measured side computes it.

At the April day's peak (db at 58 %) it puts ``get_dossier``'s mean at a
standard deviation of 8 % per 396 s window: about 84 minutes of window to be
decisive at a 10 % bound, where a pilot's batch means said 92 in one run and
146 in the next.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.stats import t as student_t

from peakload.app.validate.level_measurement import level_batches
from peakload.core.scenario import Scenario
from peakload.measure.precision import scaled_length

MIN_REPLICATIONS = 10
"""Fewer replications than this give too rough a variance to plan by."""


def controlled_spread(
    means: list[float],
    counts: list[float],
    scenario: Scenario,
    transaction: str,
    draws_out: bool = True,
) -> float:
    """The standard deviation between windows of ``transaction``'s mean: the
    replications' (``means``, each of ``counts`` requests), less the draws' known
    share when the measurement takes the draws out (``draws_out``). NaN with fewer
    than :data:`MIN_REPLICATIONS` finite replications or an unknown transaction."""
    pairs = [(m, n) for m, n in zip(means, counts, strict=True) if math.isfinite(m) and n > 0]
    if len(pairs) < MIN_REPLICATIONS or all(t.name != transaction for t in scenario.transactions):
        return math.nan
    txn = scenario.transaction(transaction)
    values = np.array([m for m, _ in pairs])
    requests = float(np.mean([n for _, n in pairs]))
    draws = sum(txn.demand[tier].variance for tier in scenario.route(txn)) if draws_out else 0.0
    return math.sqrt(max(0.0, float(np.var(values, ddof=1)) - draws / requests))


def model_window(spread: float, target: float, replication_window_s: float) -> float:
    """The wall window a measured mean needs for a 95 % half-width of ``target``, when a
    window of ``replication_window_s`` spreads by ``spread`` (a standard deviation):
    0 when the spread is unknown (no floor). The t quantile is that of the batches
    the window found will be cut into (:func:`level_batches`), found by iteration."""
    if not math.isfinite(spread) or replication_window_s <= 0:
        return 0.0
    window, quantile = replication_window_s, 1.96
    for _ in range(4):  # the batches, and so t, follow the window: settles in two steps
        window = scaled_length(quantile * spread, target, replication_window_s)
        if not math.isfinite(window):
            return window
        quantile = float(student_t.ppf(0.975, level_batches(window) - 1))
    return window
