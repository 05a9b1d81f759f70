"""The fallback where no tier's busy time is known: demands from response times.

At low load a request waits for nothing, so its response time is the sum of
its demands at the tiers it visits (plus the network and the client, which
makes this an upper bound). The estimate of a transaction's total demand is
its mean response time over the requests that ended in the run's least
loaded windows (the quarter with the fewest completions), with a bootstrap
interval; it is split over the tiers in the prior's proportions, so only the
total is measured and the per-tier numbers are marked not identifiable.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from peakload.measure.calibration.windows import Requests, Windows
from peakload.measure.stats import Outcome

LOW_LOAD_QUANTILE = 0.25
MIN_RESPONSES = 5
REPLICATES = 200


@dataclass(frozen=True)
class TotalDemand:
    mean_s: float
    ci95: tuple[float, float]
    responses: int


def low_load_totals(
    windows: Windows, requests: list[Requests], rng: np.random.Generator
) -> dict[str, TotalDemand]:
    """Per transaction seen: its mean response time at the lowest load measured."""
    load = windows.completions.sum(axis=1)
    busy_enough = load > 0
    quiet = busy_enough & (load <= np.quantile(load[busy_enough], LOW_LOAD_QUANTILE))
    totals: dict[str, TotalDemand] = {}
    for name in windows.transactions:
        everything, at_low_load = [], []
        for run, records in enumerate(requests):
            if name not in records.names:
                continue
            mine = (records.transaction == records.names.index(name)) & (
                records.outcome == Outcome.OK
            )
            response, end = records.response[mine], records.end[mine]
            everything.append(response)
            rows = np.flatnonzero(quiet & (windows.run == run))
            if len(rows):
                slot = np.searchsorted(windows.start[rows], end, side="right") - 1
                hit = (slot >= 0) & (end < windows.end[rows][np.clip(slot, 0, None)])
                at_low_load.append(response[hit])
        low = np.concatenate(at_low_load) if at_low_load else np.array([])
        sample = low if len(low) >= MIN_RESPONSES else np.concatenate(everything or [low])
        if len(sample) == 0:
            continue
        means = rng.choice(sample, size=(REPLICATES, len(sample))).mean(axis=1)
        totals[name] = TotalDemand(
            float(sample.mean()),
            (float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))),
            len(sample),
        )
    return totals
