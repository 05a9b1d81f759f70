"""``outside.csv``: the server's own time outside its tiers, sampled by a load test.

The mock counts, per transaction, the seconds its answered requests spent
outside the emulated tiers and how many there were
(``peakload_outside_seconds_total`` and ``peakload_outside_requests_total`` on
its ``/metrics``, :mod:`mock_server.middleware`). The load test's monitor
scrapes them once a wall second; one row per sample and transaction,
cumulative since the server started::

    wall,transaction,seconds,requests
    1764225000.51,get_payment,1.284113,214

Over a window, a transaction's mean outside time is the seconds added over the
requests added (:func:`outside_times`); ``validate`` adds it to the model's
prediction of the transaction's mean and p95.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from peakload.measure.validation import OutsideTimes

FILENAME = "outside.csv"
COLUMNS = ("wall", "transaction", "seconds", "requests")


def write(path: Path, wall: list[float], samples: list[dict[str, tuple[float, float]]]) -> Path:
    """Rows from samples: ``samples[i]`` maps transaction -> (seconds, requests)."""
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for when, sample in zip(wall, samples, strict=True):
            for transaction, (seconds, requests) in sorted(sample.items()):
                writer.writerow([f"{when:.3f}", transaction, f"{seconds:.6f}", f"{requests:g}"])
    return path


def read(path: Path) -> dict[str, np.ndarray]:
    """Per transaction, an array of (wall, seconds, requests) rows in wall order."""
    rows: dict[str, list[tuple[float, float, float]]] = {}
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            rows.setdefault(row["transaction"], []).append(
                (float(row["wall"]), float(row["seconds"]), float(row["requests"]))
            )
    return {name: np.array(sorted(values)) for name, values in rows.items()}


def window_counts(
    path: Path,
    clock: Callable[[np.ndarray], np.ndarray],
    window: tuple[float, float],
) -> dict[str, tuple[float, float]]:
    """Per transaction, the (seconds, requests) added over ``window`` (scenario clock;
    ``clock`` maps wall epochs onto it); empty when the file is missing."""
    if not path.is_file():
        return {}
    out = {}
    for name, values in read(path).items():
        at = np.asarray(clock(values[:, 0]), dtype=float)
        seconds, requests = (
            float(np.interp(window[1], at, values[:, i]) - np.interp(window[0], at, values[:, i]))
            for i in (1, 2)
        )
        out[name] = (seconds, requests)
    return out


def from_counts(counts: Iterable[dict[str, tuple[float, float]]]) -> OutsideTimes | None:
    """The mean outside times of windows' counts added together (a level's pilot and
    its sized plateau); None when they count no request."""
    seconds: dict[str, float] = {}
    requests: dict[str, float] = {}
    for window in counts:
        for name, (s, n) in window.items():
            seconds[name] = seconds.get(name, 0.0) + s
            requests[name] = requests.get(name, 0.0) + n
    total_n = sum(requests.values())
    if not total_n:
        return None
    per = {name: seconds[name] / n for name, n in requests.items() if n > 0}
    return OutsideTimes(per, sum(seconds.values()) / total_n)


def outside_times(
    path: Path,
    clock: Callable[[np.ndarray], np.ndarray],
    window: tuple[float, float],
) -> OutsideTimes | None:
    """The mean outside time per request of each transaction over ``window``, and over
    all of them; None when the file is missing or counts no request in the window."""
    return from_counts([window_counts(path, clock, window)])
