"""A finished load test's raw files read back: one reader for every job that needs them.

A load test leaves, under ``<run>/raw/``, every process's per-request records
(``requests-*.npz``), the shape's log (``shape.npz``: at each tick the wall
epoch, the seconds since the shape started, the target and Locust's user
count) and, for a closed workload, each process's log of the users that work
(``activity-*.npz``). Summarising the run, validating a model against it,
comparing its drill and calibrating from it all need the same three facts, so
they are read here and nowhere else:

- the records, concatenated (:func:`loadtests.recorder.load_records`);
- the users: Locust's count is the whole sign-in pool, parked users
  included, so ``users`` is replaced by the users that *work*, summed over
  processes (:func:`working_users`);
- the clock: the wall epoch at which the shape started (:attr:`RawRun.origin`),
  from which the plan's compressed scenario clock runs (:meth:`RawRun.timebase`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from loadtests.recorder import records_of, thinks_of
from peakload.core.plan import Plan
from peakload.measure.observations import Timebase

RAW = "raw"
SHAPE = "shape.npz"


class RawRunError(ValueError):
    """A run directory without the raw files a load test leaves."""


def shape_origin(shape: dict[str, np.ndarray]) -> float:
    """The wall epoch at which the shape's clock started (its ``elapsed`` was 0)."""
    return float(shape["wall"][0] - shape["elapsed"][0])


def working_users(shape: dict[str, np.ndarray], activity: list[Path]) -> dict[str, np.ndarray]:
    """The shape log with ``users`` = the users working at each tick (closed workloads).

    Locust's user count is the whole pool, parked or not; each process logs
    how many of its users work (:class:`loadtests.roster.ActivityLog`), and
    the sum over processes, each at its last sample before the tick, is the
    measured concurrency.
    """
    if not activity:
        return shape
    wall = shape["wall"]
    working = np.zeros(len(wall))
    for path in activity:
        log = np.load(path)
        at = np.searchsorted(log["wall"], wall, side="right") - 1
        working += np.where(at >= 0, log["working"][np.clip(at, 0, None)], 0.0)
    return shape | {"users": working}


@dataclass(frozen=True)
class RawRun:
    """One load test's raw files: ``records`` (end, sent, scheduled, response,
    transaction, outcome, status; times are wall epochs) and ``shape`` (wall,
    elapsed, target, users, ``users`` being the working users)."""

    records: dict[str, np.ndarray]
    shape: dict[str, np.ndarray]
    thinks: dict[str, np.ndarray] = field(default_factory=dict)
    """The closed users' think log (``think_start``, ``think_user``,
    ``think_deviation``; :func:`~loadtests.recorder.load_thinks`), empty arrays when none."""

    @property
    def origin(self) -> float:
        """The wall epoch at which the shape's clock started."""
        return shape_origin(self.shape)

    def timebase(self, plan: Plan) -> Timebase:
        """The plan's compressed scenario clock, started when the shape started."""
        return Timebase(plan.compress, plan.run_start_s, self.origin)


def read_raw(run_dir: str | Path) -> RawRun:
    """The raw files of the load test in ``run_dir``; :class:`RawRunError` (one line)
    when it has none."""
    files = sorted((Path(run_dir) / RAW).glob("requests-*.npz"))
    if not files:
        raise RawRunError(f"{run_dir}: no per-request records ({RAW}/requests-*.npz)")
    read = [dict(np.load(f)) for f in files]  # each file once: its records and its thinks
    return RawRun(records_of(read), read_shape(run_dir), thinks_of(read))


def _shape_log(run_dir: str | Path) -> dict[str, np.ndarray]:
    """The shape's log as written, ``users`` still Locust's whole pool."""
    path = Path(run_dir) / RAW / SHAPE
    if not path.is_file():
        raise RawRunError(f"{run_dir}: no shape log ({RAW}/{SHAPE})")
    return dict(np.load(path))


def read_shape(run_dir: str | Path) -> dict[str, np.ndarray]:
    """The shape's log with the working users (:func:`working_users`)."""
    activity = sorted((Path(run_dir) / RAW).glob("activity-*.npz"))
    return working_users(_shape_log(run_dir), activity)


def run_timebase(run_dir: str | Path, plan: Plan) -> Timebase:
    """The scenario clock of the load test in ``run_dir``, which ran ``plan``: only the
    shape's origin is read (its users, working or not, play no part)."""
    return Timebase(plan.compress, plan.run_start_s, shape_origin(_shape_log(run_dir)))
