"""Process settings for holding ~16,000 mostly idle connections in one process,
and for simulating a day of them.

Measured on a 2-core machine running the mock and the load generator side
by side (docs/loadtests.md: one machine, 16,000 users): with the default
soft limit of 1,024 file descriptors 18 % of requests failed at 13,000 users;
full garbage collections paused a process 300-640 ms every 10-12 s at
13,000-16,000 users, which set the p99. Both server and load generator call
these.
"""

from __future__ import annotations

import gc
import resource
from collections.abc import Iterator
from contextlib import contextmanager


def raise_fd_limit() -> tuple[int, int]:
    """Raise the soft file-descriptor limit to the hard limit; returns (soft, hard)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 1_048_576)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError):
            return soft, hard
        soft = target
    return soft, hard


def calm_gc() -> None:
    """Move everything alive now out of the collector's sight and collect gen 0 less often.

    Called after start-up and then periodically: long-lived objects (connections,
    users, caches) are frozen so full collections no longer walk them. No
    collection is forced here: that would be the very pause this avoids.
    """
    gc.freeze()
    gen0, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(max(gen0, 50_000), gen1, max(gen2, 20))


@contextmanager
def without_collections() -> Iterator[None]:
    """Within the block the cyclic garbage collector does not run; on leaving it is
    back as it was, and what the block left alive counts as old.

    For a simulated day, which makes no reference cycles: requests, events and
    wake-ups are freed by reference counting as they end (SimPy drops an
    event's callbacks once it fires), so a collection finds nothing to free
    (``tests/simulation/test_model.py`` checks it on closed and open days, with
    time-outs, retries and a failure). It still costs, and more than the work:
    a user's pending wake-up lives a think time (280 s), so the more users the
    more of them a young collection finds alive and walks, and promotes, to be
    walked again by the older ones. The
    April day from 07:00 to 08:15, one core (CPU seconds, µs per attempt):
    with 50,000 allocations between young collections and the start frozen,
    0.2 s (10.8) at 1x, 3.1 s (13.4) at 10x and 47.7 s (20.8) at 100x, of which
    5.3 s in 45 collections that freed nothing; without collections 35.3 s
    (15.4) at 100x, and 1x and 10x within the noise.

    On leaving, the objects made in the block are moved to the oldest
    generation (freeze, then unfreeze), so the first collection after a run
    does not walk the whole day's users and events at once; objects a caller
    had frozen (:func:`calm_gc`) stay frozen, with the block's beside them.
    """
    enabled, frozen = gc.isenabled(), gc.get_freeze_count()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if not frozen:
            gc.unfreeze()
        if enabled:
            gc.enable()
