"""A run cut into windows: per window, the busy time each tier accrued and the
completions of each transaction.

The server's monitor gives *cumulative* busy seconds per tier, sampled about
once a second; the client gives one record per request with its end time.
A window runs from one tier sample to a later one, so its busy time is the
difference of two counter readings and its completions are the requests that
ended between the two readings. Windows of a few seconds hold enough requests
that the busy time a request accrued just before a window edge (it is counted
when the tier finishes, the client sees the end a little later) is small
against the window's total.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from peakload.measure.stats import Outcome

LOW_USERS = 0.3
"""A window is low-load when its users are at most this share of its run's most."""


def at_load(users: np.ndarray, run: np.ndarray) -> np.ndarray | None:
    """(windows,) True where a window ran at load: its users (the generator's, at the
    window's middle) more than :data:`LOW_USERS` of its run's most. A run whose users
    are not known is at load throughout. None where no window is told apart (every
    one at load): the fit then takes them all.

    >>> at_load(np.array([12.0, 48.0, 48.0, 0.0, 0.0]), np.array([0, 0, 0, 1, 1]))
    array([False,  True,  True,  True,  True])
    """
    most = run_most(users, run)
    loaded = (most <= 0) | (users > LOW_USERS * most)
    return None if loaded.all() else loaded


def run_most(users: np.ndarray, run: np.ndarray) -> np.ndarray:
    """(windows,) the most users any window of each window's ``run`` had."""
    most = np.zeros(len(users))
    for one in np.unique(run):
        mine = run == one
        most[mine] = users[mine].max()
    return most


@dataclass(frozen=True)
class TierSeries:
    """Cumulative busy seconds of each tier, read at wall epochs ``wall``."""

    wall: np.ndarray
    busy_s: dict[str, np.ndarray]

    @property
    def tiers(self) -> list[str]:
        return list(self.busy_s)


@dataclass(frozen=True)
class Requests:
    """The client's per-request records of one run (wall epochs)."""

    end: np.ndarray
    response: np.ndarray
    transaction: np.ndarray
    """Index into ``names``."""
    outcome: np.ndarray
    names: list[str]
    demand_deviation: np.ndarray | None = None
    """Per request, the demand it drew at an emulating server's tiers less that
    demand's mean (seconds; NaN where the answer did not say): the control variate
    of the time outside the tiers (``peakload.app.calibrate.outside``)."""

    def served(self) -> np.ndarray:
        """Requests that passed every tier: a 503 left at a full tier, part-way."""
        return np.asarray(self.outcome != Outcome.REFUSED)


@dataclass(frozen=True)
class Windows:
    """Rows are windows (possibly of several runs), columns transactions and tiers."""

    start: np.ndarray
    end: np.ndarray
    completions: np.ndarray
    """(windows, transactions) requests that ended in the window."""
    busy: np.ndarray | None
    """(windows, tiers) busy seconds accrued in the window; None when unknown."""
    transactions: list[str]
    tiers: list[str]
    run: np.ndarray
    """Index of the run each window came from."""
    later: np.ndarray | None = None
    """(windows, pieces) the model's deferred work due in each window: per piece
    (:func:`deferred_counts`), the served requests whose work joined its tier then;
    None when the model defers none."""

    def __len__(self) -> int:
        return len(self.start)


def cut(
    requests: Requests,
    transactions: list[str],
    span: tuple[float, float],
    width_s: float,
    series: TierSeries | None = None,
    run: int = 0,
) -> Windows:
    """Windows of about ``width_s`` inside ``span`` (wall epochs).

    With ``series`` the window edges are tier samples (so busy time is exact
    between them); without, edges are every ``width_s`` seconds. Completions
    are counted per name in ``transactions`` (a record of another name is a
    transaction the model does not have and is ignored).
    """
    lo, hi = span
    if series is not None:
        inside = series.wall[(series.wall >= lo) & (series.wall <= hi)]
        if len(inside) < 2:
            edges = inside
        else:
            step = max(1, round(width_s / float(np.median(np.diff(inside)))))
            edges = inside[::step]
    else:
        edges = np.arange(lo, hi + 1e-9, width_s)
    tiers = series.tiers if series is not None else []
    n = max(len(edges) - 1, 0)
    completions = np.zeros((n, len(transactions)))
    mask = requests.served()
    index = {name: i for i, name in enumerate(transactions)}
    for j, name in enumerate(requests.names):
        column = index.get(name)
        if column is None or n == 0:
            continue
        mine = mask & (requests.transaction == j)
        completions[:, column] = _spread(requests.end[mine], requests.response[mine], edges)
    busy = None
    if series is not None and n:
        readings = np.column_stack([np.interp(edges, series.wall, series.busy_s[t]) for t in tiers])
        busy = np.diff(readings, axis=0)
    return Windows(
        start=edges[:-1] if n else np.array([]),
        end=edges[1:] if n else np.array([]),
        completions=completions,
        busy=busy,
        transactions=list(transactions),
        tiers=tiers,
        run=np.full(n, run),
    )


def deferred_counts(
    windows: Windows, requests: list[Requests], pieces: list[tuple[str, float]]
) -> np.ndarray:
    """(windows, pieces): for each piece of deferred work, ``(transaction, after_s)``,
    how many of that transaction's served requests (any run's: a phase's work can
    fall into the next phase) ended ``after_s`` before a moment inside each window,
    so that the work joined its tier in the window: the utilization law's column
    for that work's demand. A refused request left none."""
    counts = np.zeros((len(windows), len(pieces)))
    for p, (name, after_s) in enumerate(pieces):
        ends = [
            r.end[r.served() & (r.transaction == r.names.index(name))]
            for r in requests
            if name in r.names
        ]
        due = np.sort(np.concatenate(ends)) + after_s if ends else np.empty(0)
        counts[:, p] = np.searchsorted(due, windows.end) - np.searchsorted(due, windows.start)
    return counts


def _spread(end: np.ndarray, response: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Requests per window, a request that straddles an edge shared between the window
    it started in and the one it ended in, in proportion to its time in each.

    A tier adds a request's busy time when it finishes with it, somewhere between
    the request's start and its end; counting the request wholly at its end would
    put, say, a signature's earlier app time in the window before its completion.
    """
    start = end - np.clip(response, 0.0, None)
    last = np.searchsorted(edges, end, side="right") - 1
    first = np.searchsorted(edges, start, side="right") - 1
    windows = len(edges) - 1
    counts = np.zeros(windows)
    split = (first != last) & (first >= 0) & (response > 0)
    share_end = np.ones(len(end))
    boundary = edges[np.clip(last, 0, windows)]
    share_end[split] = (end[split] - boundary[split]) / response[split]
    ends_inside = (last >= 0) & (last < windows)
    np.add.at(counts, last[ends_inside], share_end[ends_inside])
    starts_inside = split & (first < windows)
    np.add.at(counts, first[starts_inside], 1.0 - share_end[starts_inside])
    return counts


def stack(parts: list[Windows]) -> Windows:
    """The windows of several runs as one set (same transactions; tiers must agree)."""
    first = parts[0]
    busy = None
    if all(p.busy is not None for p in parts) and all(p.tiers == first.tiers for p in parts):
        busy = np.vstack([p.busy for p in parts])  # type: ignore[misc]
    return Windows(
        start=np.concatenate([p.start for p in parts]),
        end=np.concatenate([p.end for p in parts]),
        completions=np.vstack([p.completions for p in parts]),
        busy=busy,
        transactions=first.transactions,
        tiers=first.tiers if busy is not None else [],
        run=np.concatenate([p.run for p in parts]),
    )
