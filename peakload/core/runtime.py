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
def fewer_collections(gen0: int = 50_000) -> Iterator[None]:
    """Within the block, the collector skips what was alive at its start and runs less often.

    A simulated day holds one generator, one pending event and a few records
    per user: at 10x the April population that is millions of long-lived
    objects, and every full collection walked them all. Measured on the April
    day (one replication, CPU seconds): collections took 2.0 of 11.6 s at 1x
    and 9.9 of 39.3 s at 3x, growing faster than the work; within this block
    0.01 and 0.27 s, and the run 7.8 and 29.2 s. Young garbage (the events each
    request creates and drops) is still collected, every ``gen0`` allocations.
    The thresholds and the frozen objects are given back on leaving.
    """
    before = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(max(before[0], gen0), before[1], max(before[2], 20))
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()
