"""Per-request records from every Locust process, for windowed statistics.

Locust's own statistics are cumulative from the first request (its final p95
includes the ramp: measured 290 ms against 56 ms in the steady state), so
every request is recorded here, with its end time, and the summary takes
exactly the window it is asked for. Each process writes its own file when it
quits; the runner merges them.

Every record carries its send time (``sent``) and its scheduled time
(``scheduled``): an open workload's first request of a flow was due at its
arrival's time (the request's context says so, ``pool.PoolUser``); any other
request's schedule is its send time.

An emulating mock's answer also says how far the demand its request drew fell
from its mean (``DEMAND_DEVIATION_HEADER``): recorded as ``demand_deviation``
(NaN where the answer has none), validate's control variate. A closed user's
request says in its context which user sent it (``user``, its rank; -1 where
unknown), and each think a closed user draws is logged when it starts
(:meth:`RequestRecorder.on_think`: ``think_start``, ``think_user``,
``think_deviation``, how far it fell from its mean), the throughput's control
variate (:mod:`peakload.measure.think_control`).
"""

from __future__ import annotations

import math
from array import array
from pathlib import Path

import numpy as np

from peakload.contract.api import DEMAND_DEVIATION_HEADER
from peakload.measure.stats import Outcome


def outcome_of(exception: object, status: int | None) -> Outcome:
    if exception is None:
        return Outcome.OK
    if status == 503:
        return Outcome.REFUSED
    if not status:  # no HTTP answer: a time-out or a broken connection
        return Outcome.TIMEOUT
    return Outcome.ERROR


class RequestRecorder:
    def __init__(self, names: list[str]):
        self.names = names
        self._index = {name: i for i, name in enumerate(names)}
        self.end = array("d")
        self.sent = array("d")
        self.scheduled = array("d")
        self.response = array("d")
        self.transaction = array("i")
        self.outcome = array("b")
        self.status = array("i")
        self.demand_deviation = array("d")
        self.user = array("i")
        self.think_start = array("d")
        self.think_user = array("i")
        self.think_deviation = array("d")

    def on_request(
        self,
        request_type: str,
        name: str,
        response_time: float,
        response_length: int,
        response=None,
        exception=None,
        start_time: float | None = None,
        context: dict | None = None,
        **kwargs,
    ) -> None:
        index = self._index.get(name)
        if index is None or start_time is None:
            return
        status = getattr(response, "status_code", None) or 0
        seconds = response_time / 1000.0
        self.end.append(start_time + seconds)
        self.sent.append(start_time)
        context = context or {}
        self.scheduled.append(min(context.get("scheduled", start_time), start_time))
        self.response.append(seconds)
        self.transaction.append(index)
        self.outcome.append(outcome_of(exception, status))
        self.status.append(status)
        self.demand_deviation.append(demand_deviation(response))
        self.user.append(context.get("user", -1))

    def on_think(self, start: float, user: int, deviation: float) -> None:
        """A think that starts at ``start`` (wall epoch) for ``user``, drawn
        ``deviation`` seconds from its mean."""
        self.think_start.append(start)
        self.think_user.append(user)
        self.think_deviation.append(deviation)

    def save(self, path: Path) -> None:
        np.savez(
            path,
            end=np.frombuffer(self.end),
            sent=np.frombuffer(self.sent),
            scheduled=np.frombuffer(self.scheduled),
            response=np.frombuffer(self.response),
            transaction=np.frombuffer(self.transaction, dtype=np.int32),
            outcome=np.frombuffer(self.outcome, dtype=np.int8),
            status=np.frombuffer(self.status, dtype=np.int32),
            demand_deviation=np.frombuffer(self.demand_deviation),
            user=np.frombuffer(self.user, dtype=np.int32),
            think_start=np.frombuffer(self.think_start),
            think_user=np.frombuffer(self.think_user, dtype=np.int32),
            think_deviation=np.frombuffer(self.think_deviation),
        )


def load_records(paths: list[Path]) -> dict[str, np.ndarray]:
    """All processes' records, concatenated. A file written before records carried
    their send and scheduled times (or by another tool) gets both from its end and
    response: sent at end - response, scheduled when sent."""
    return records_of([dict(np.load(p)) for p in paths])


def records_of(files: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """:func:`load_records` of files already read (each a ``requests-*.npz`` as a dict)."""
    parts = [_with_deviations(_with_send_times(dict(f))) for f in files]
    keys = (
        "end",
        "sent",
        "scheduled",
        "response",
        "transaction",
        "outcome",
        "status",
        "demand_deviation",
        "user",
    )
    if not parts:
        return {k: np.array([]) for k in keys}
    return {k: np.concatenate([p[k] for p in parts]) for k in keys}


THINK_KEYS = ("think_start", "think_user", "think_deviation")


def load_thinks(paths: list[Path]) -> dict[str, np.ndarray]:
    """All processes' think logs (:meth:`RequestRecorder.on_think`), concatenated;
    empty arrays where no file has one (an open workload, an older run)."""
    return thinks_of([dict(np.load(p)) for p in paths])


def thinks_of(files: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """:func:`load_thinks` of files already read (each a ``requests-*.npz`` as a dict)."""
    return {
        key: np.concatenate([f[key] for f in files if key in f] or [np.array([])])
        for key in THINK_KEYS
    }


def _with_send_times(part: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    if "sent" not in part:
        part["sent"] = part["end"] - part["response"]
    if "scheduled" not in part:
        part["scheduled"] = part["sent"]
    return part


def _with_deviations(part: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """An older file's records: unknown deviations NaN, unknown users -1."""
    if "demand_deviation" not in part:
        part["demand_deviation"] = np.full(len(part["end"]), np.nan)
    if "user" not in part:
        part["user"] = np.full(len(part["end"]), -1, dtype=np.int32)
    return part


def demand_deviation(response: object) -> float:
    """The answer's ``DEMAND_DEVIATION_HEADER`` in seconds; NaN when it has none (not an
    emulating mock, a failure) or it is not a number."""
    headers = getattr(response, "headers", None)
    value = headers.get(DEMAND_DEVIATION_HEADER) if headers is not None else None
    try:
        return float(value) if value is not None else math.nan
    except ValueError:
        return math.nan


class ShapeLog:
    """What the shape asked for and what Locust had, every tick (master or local)."""

    def __init__(self) -> None:
        self.wall = array("d")
        self.elapsed = array("d")
        self.target = array("d")
        self.users = array("d")

    def add(self, wall_epoch: float, elapsed: float, target: int, users: int) -> None:
        self.wall.append(wall_epoch)
        self.elapsed.append(elapsed)
        self.target.append(target)
        self.users.append(users)

    def save(self, path: Path) -> None:
        np.savez(
            path,
            wall=np.frombuffer(self.wall),
            elapsed=np.frombuffer(self.elapsed),
            target=np.frombuffer(self.target),
            users=np.frombuffer(self.users),
        )
