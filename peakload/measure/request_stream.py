"""Attempts reduced as they end: per-bin counts, sums, maxima and sketches, no rows kept.

A simulation of a national day sends hundreds of millions of attempts; keeping
each one to compute exact percentiles afterwards costs memory in proportion.
:class:`RequestStream` keeps instead, on a fixed grid of bin ``edges`` (the
minutes of the run, with the window's and the drills' ends among them):

- per bin and transaction: attempts, errors, time-outs, refusals, the sum and
  the largest of the response times (exact: counts, means and maxima stay exact);
- per bin: a :class:`~peakload.measure.sketch.LogHistogram` of the response
  times (the per-minute p50 and p95);
- per transaction, a sketch over the ``window`` named before the run (or, when
  the window is found afterwards, per bin and transaction);
- per second of the run, the response times' count and sum, for warm-up
  detection (:func:`seconds`);
- a uniform reservoir of at most ``reservoir`` window response times, for
  ``compare``'s Mann-Whitney test (all of them when the window has fewer).

Its size depends on the grid, the transactions and the range of response
times, never on the number of attempts. Attempts arrive in numpy batches
(:meth:`add`); a query over a window whose ends are on the grid is exact
for counts, means and maxima, and within ``alpha`` for quantiles.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from peakload.measure.sketch import DEFAULT_ALPHA, LogHistogram
from peakload.measure.stats import PERCENTILES, Outcome
from peakload.measure.window_sketches import WindowSketches

RESERVOIR = 200_000
"""Window response times kept for ``compare`` (a uniform sample beyond that)."""


class RequestStream:
    """The attempts of one run, aggregated on the grid ``edges`` as they arrive."""

    def __init__(
        self,
        names: list[str],
        edges: np.ndarray,
        window: tuple[float, float] | None,
        rng: np.random.Generator,
        alpha: float = DEFAULT_ALPHA,
        reservoir: int = RESERVOIR,
    ):
        self.names = names
        self.edges = np.asarray(edges, dtype=float)
        self.window = window
        """The window whose per-transaction quantiles are kept (None: every bin's)."""
        self.alpha = alpha
        bins, kinds = len(self.edges) - 1, len(names)
        self.count = np.zeros((bins, kinds), dtype=np.int64)
        self.errors = np.zeros((bins, kinds), dtype=np.int64)
        self.timeouts = np.zeros((bins, kinds), dtype=np.int64)
        self.refusals = np.zeros((bins, kinds), dtype=np.int64)
        self.total = np.zeros((bins, kinds))
        self.high = np.full((bins, kinds), -np.inf)
        self.by_bin: dict[int, LogHistogram] = {}
        self.by_transaction: dict[tuple[int, int], LogHistogram] = {}
        """Keyed (bin, transaction); bin -1 for the whole ``window``."""
        start = self.edges[0]
        self.seconds_count = np.zeros(math.ceil(self.edges[-1] - start) + 1, dtype=np.int64)
        self.seconds_total = np.zeros(len(self.seconds_count))
        self.attempts = 0
        self._rng = rng
        self._reservoir = np.zeros(reservoir, dtype=np.float32)
        self._reservoir_end = np.zeros(reservoir)
        self._seen = 0

    def _sketch(self) -> LogHistogram:
        return LogHistogram(alpha=self.alpha)

    def add(
        self,
        transaction: np.ndarray,
        end: np.ndarray,
        response: np.ndarray,
        outcome: np.ndarray,
    ) -> None:
        """Count a batch of attempts (``end`` on the grid's clock; before or past the
        grid: counted in :attr:`attempts` only)."""
        self.attempts += len(end)
        second = ((end - self.edges[0]) // 1.0).astype(np.int64)
        keep = (second >= 0) & (second < len(self.seconds_count))
        np.add.at(self.seconds_count, second[keep], 1)
        np.add.at(self.seconds_total, second[keep], response[keep])
        bin_ = np.searchsorted(self.edges, end, side="right") - 1
        inside = (bin_ >= 0) & (bin_ < len(self.edges) - 1)
        if not inside.all():
            transaction, end, response, outcome, bin_ = (
                a[inside] for a in (transaction, end, response, outcome, bin_)
            )
        if not len(end):
            return
        cell = (bin_, transaction)
        np.add.at(self.count, cell, 1)
        np.add.at(self.errors, cell, outcome != Outcome.OK)
        np.add.at(self.timeouts, cell, outcome == Outcome.TIMEOUT)
        np.add.at(self.refusals, cell, outcome == Outcome.REFUSED)
        np.add.at(self.total, cell, response)
        np.maximum.at(self.high, cell, response)
        for b in np.unique(bin_):
            mine = bin_ == b
            self.by_bin.setdefault(int(b), self._sketch()).add(response[mine])
            if self.window is None:
                for t in np.unique(transaction[mine]):
                    key = (int(b), int(t))
                    values = response[mine & (transaction == t)]
                    self.by_transaction.setdefault(key, self._sketch()).add(values)
        if self.window is not None:
            in_window = (end >= self.window[0]) & (end < self.window[1])
            for t in np.unique(transaction[in_window]):
                values = response[in_window & (transaction == t)]
                self.by_transaction.setdefault((-1, int(t)), self._sketch()).add(values)
            self._sample(response[in_window], end[in_window])
        else:  # the window is found later: a sample of every attempt, filtered then
            self._sample(response, end)

    def _sample(self, values: np.ndarray, ends: np.ndarray) -> None:
        """Reservoir sampling (Vitter's algorithm R), a batch at a time."""
        size, seen = len(self._reservoir), self._seen
        room = max(0, min(size - seen, len(values)))
        self._reservoir[seen : seen + room] = values[:room]
        self._reservoir_end[seen : seen + room] = ends[:room]
        rest, rest_ends = values[room:], ends[room:]
        if len(rest):
            position = seen + room + np.arange(1, len(rest) + 1)
            slot = (self._rng.random(len(rest)) * position).astype(np.int64)
            taken = slot < size
            self._reservoir[slot[taken]] = rest[taken]
            self._reservoir_end[slot[taken]] = rest_ends[taken]
        self._seen += len(values)

    # --- reading -------------------------------------------------------------------

    def _bins(self, window: tuple[float, float]) -> slice:
        """The bins of ``window``, whose ends must be on the grid."""
        lo, hi = np.searchsorted(self.edges, window, side="left")
        on_grid = lo < len(self.edges) and hi < len(self.edges)
        if not on_grid or self.edges[lo] != window[0] or self.edges[hi] != window[1]:
            raise ValueError(f"window {window} is not on the stream's grid")
        return slice(int(lo), int(hi))

    def _merged(self, sketches: list[LogHistogram]) -> LogHistogram:
        merged = self._sketch()
        for sketch in sketches:
            merged.merge(sketch)
        return merged

    def _latency(self, sketch: LogHistogram, count: int, total: float) -> dict[str, float]:
        if not count:
            return {"mean_s": math.nan, **{k: math.nan for k in PERCENTILES}}
        qs = sketch.quantiles([p / 100 for p in PERCENTILES.values()])
        return {"mean_s": total / count, **dict(zip(PERCENTILES, map(float, qs), strict=True))}

    def transaction_sketch(self, window: tuple[float, float], index: int) -> LogHistogram:
        """Transaction ``index``'s sketch over ``window`` (the stream's own, or whole bins)."""
        if self.window is not None:
            if tuple(window) != tuple(self.window):
                raise ValueError(f"quantiles per transaction are kept for {self.window} only")
            return self.by_transaction.get((-1, index), self._sketch())
        bins = self._bins(window)
        keys = [(b, index) for b in range(bins.start, bins.stop)]
        return self._merged([self.by_transaction[k] for k in keys if k in self.by_transaction])

    def window_sketches(self, window: tuple[float, float]) -> WindowSketches:
        """Copies of the sketches of ``window``'s response times, all attempts' and each
        transaction's: what a replication adds to a pooled prediction's quantiles
        (:mod:`peakload.measure.window_sketches`); the stream's own keep counting."""
        return WindowSketches.pooled([self._window_sketches(window)])

    def _window_sketches(self, window: tuple[float, float]) -> WindowSketches:
        """``window``'s sketches, a transaction's the stream's own when it keeps one for
        the window (read, not to be changed)."""
        bins = self._bins(window)
        overall = self._merged(
            [self.by_bin[b] for b in range(bins.start, bins.stop) if b in self.by_bin]
        )
        transactions = {n: self.transaction_sketch(window, i) for i, n in enumerate(self.names)}
        return WindowSketches(overall, transactions)

    def summary(
        self, window: tuple[float, float], length_s: float | None = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """``overall`` (request part) and ``transactions``, as
        :func:`peakload.measure.stats.request_summary` gives them."""
        bins = self._bins(window)
        length = length_s if length_s is not None else window[1] - window[0]
        count, errors = self.count[bins].sum(axis=0), self.errors[bins].sum(axis=0)
        total = self.total[bins].sum(axis=0)
        n, bad = int(count.sum()), int(errors.sum())
        sketches = self._window_sketches(window)
        overall = {
            "requests": n,
            "throughput_rps": n / length,
            "ok_rps": (n - bad) / length,
            **self._latency(sketches.overall, n, float(total.sum())),
            "error_rate": bad / n if n else 0.0,
            "timeouts": int(self.timeouts[bins].sum()),
            "refusals": int(self.refusals[bins].sum()),
        }
        transactions = {}
        for i, name in enumerate(self.names):
            mine, wrong = int(count[i]), int(errors[i])
            transactions[name] = {
                "count": mine,
                **self._latency(sketches.transactions[name], mine, float(total[i])),
                "errors": wrong,
                "error_rate": wrong / mine if mine else 0.0,
            }
        return overall, transactions

    def series(self, edges: np.ndarray, wall_widths: np.ndarray) -> dict[str, np.ndarray]:
        """Per row of ``edges`` (each a run of whole bins): requests, throughput, mean,
        p50, p95 and error rate, as :func:`peakload.measure.stats.request_series`."""
        rows = len(edges) - 1
        first = np.searchsorted(self.edges, edges[:-1], side="left")
        last = np.searchsorted(self.edges, edges[1:], side="left")
        count, errors = self.count.sum(axis=1), self.errors.sum(axis=1)
        total = self.total.sum(axis=1)
        columns = {k: np.full(rows, np.nan) for k in ("mean_s", "p50_s", "p95_s")}
        requests, error_rate = np.zeros(rows), np.zeros(rows)
        for row, (a, b) in enumerate(zip(first, last, strict=True)):
            n = int(count[a:b].sum())
            requests[row] = n
            if n:
                sketch = self._merged([self.by_bin[i] for i in range(a, b) if i in self.by_bin])
                columns["mean_s"][row] = total[a:b].sum() / n
                columns["p50_s"][row], columns["p95_s"][row] = sketch.quantiles([0.5, 0.95])
                error_rate[row] = errors[a:b].sum() / n
        return {
            "requests": requests,
            "throughput_rps": requests / wall_widths,
            **columns,
            "error_rate": error_rate,
        }

    def latencies_in(self, window: tuple[float, float]) -> np.ndarray:
        """The stream's window's response times (a uniform sample of at most
        :data:`RESERVOIR`), float32, for ``compare``'s Mann-Whitney test."""
        kept = min(self._seen, len(self._reservoir))
        if self.window is None:
            ends = self._reservoir_end[:kept]
            return self._reservoir[:kept][(ends >= window[0]) & (ends < window[1])].copy()
        if tuple(window) != tuple(self.window):
            return np.zeros(0, dtype=np.float32)
        return self._reservoir[:kept].copy()

    def ended_before(self, clock: float) -> int:
        """Attempts that ended on the grid before ``clock`` (a grid edge)."""
        bins = self._bins((self.edges[0], clock))
        return int(self.count[bins].sum())
