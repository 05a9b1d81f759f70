"""A window's response times as sketches, pooled over replications.

A simulation's summary gives each replication's p95 and averages them: the
expected p95 of a window as long as one replication's. A load test's p95 is
that of every request in its window, and ``validate`` pools a pilot's and a
sized plateau's windows, often several times longer than one replication. The
two are different figures where the response times come in bursts: in a short
window that catches a burst, the burst is more than 5 % of the requests and
sets the p95; pooled into a long window, it is a smaller share. Averaging the
short windows' p95s then predicts a p95 the long window does not show (on the
April day's peak, ``get_dossier``: 222 ms from 60 s replications, 203 ms from
396 s ones).

Replications' sketches (:class:`~peakload.measure.sketch.LogHistogram`) merge
by adding counts, so the p95 of every simulated request of every replication
costs no more memory than one replication's: the quantile of the steady state
that a long measured window estimates.

>>> import numpy as np
>>> rng = np.random.default_rng(7)
>>> calm = WindowSketches(LogHistogram().add(rng.exponential(0.05, 950)), {})
>>> burst = WindowSketches(LogHistogram().add(rng.exponential(0.5, 50)), {})
>>> mean_of_each = (calm.percentiles()["overall.p95_s"] + burst.percentiles()["overall.p95_s"]) / 2
>>> pooled = WindowSketches.pooled([calm, burst]).percentiles()["overall.p95_s"]
>>> bool(pooled < mean_of_each)
True
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from peakload.measure.sketch import LogHistogram
from peakload.measure.stats import PERCENTILES


@dataclass
class WindowSketches:
    """The window's response times: all attempts' (``overall``) and each transaction's."""

    overall: LogHistogram
    transactions: dict[str, LogHistogram]

    def merge(self, other: WindowSketches) -> WindowSketches:
        """Add ``other``'s counts to these (the same alpha); returns these sketches."""
        self.overall.merge(other.overall)
        for name, sketch in other.transactions.items():
            mine = self.transactions.get(name)
            if mine is None:
                self.transactions[name] = LogHistogram(alpha=sketch.alpha).merge(sketch)
            else:
                mine.merge(sketch)
        return self

    @classmethod
    def pooled(cls, parts: Iterable[WindowSketches]) -> WindowSketches:
        """One window of every part's attempts (the parts are left as they were)."""
        parts = list(parts)
        if not parts:
            raise ValueError("no sketches to pool")
        total = cls(LogHistogram(alpha=parts[0].overall.alpha), {})
        for part in parts:
            total.merge(part)
        return total

    def percentiles(self) -> dict[str, float]:
        """The summary's percentiles of the pooled window, keyed as validate's figures
        are (``overall.p95_s``, ``transactions.<name>.p95_s``); an empty sketch's NaN."""
        quantiles = [p / 100 for p in PERCENTILES.values()]
        out: dict[str, float] = {}
        for prefix, sketch in [
            ("overall", self.overall),
            *((f"transactions.{n}", s) for n, s in self.transactions.items()),
        ]:
            values = sketch.quantiles(quantiles)
            out |= {f"{prefix}.{key}": float(v) for key, v in zip(PERCENTILES, values, strict=True)}
        return out
