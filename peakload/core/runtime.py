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


def release_gc() -> None:
    """Give what :func:`calm_gc` froze back to the collector: at a server's shutdown, so
    that a process that goes on (a test's, running the server's lifespan) is not left
    with the server's objects out of the collector's sight for good."""
    gc.unfreeze()


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

    On leaving, every tracked object, the block's among them, is moved to the
    oldest generation (freeze, then unfreeze), so the first collection after a
    run does not walk the whole day's users and events at once. When the caller had
    frozen objects (:func:`calm_gc`, :func:`collected_on_leaving`) the block's
    are left where they are: freezing them too would hide the run's garbage
    from the caller's own collection.
    """
    enabled, frozen = gc.isenabled(), gc.get_freeze_count()
    gc.disable()
    try:
        yield
    finally:
        if not frozen:
            gc.freeze()
            gc.unfreeze()
        if enabled:
            gc.enable()


@contextmanager
def collected_on_leaving() -> Iterator[None]:
    """Within the block the collector sees only what the block makes, and on leaving
    it frees the block's garbage in one collection: as a context or a decorator.

    For one replication of a simulated day, repeated many times in a process. The
    day itself makes no cycles, but the :class:`~simulation.model.Model` that ran
    it is one web of references (its users, tiers and random streams point back at
    it), so it is garbage that only the collector frees. Left to the collector, a
    replication's model sits in the oldest generation, which is collected rarely:
    validate's 400 short replications of one plateau held 2.7 GB until the process
    ended. A full collection after each one frees them but walks every module the
    program imported too (0.11 s each, 400 replications 27 s to 73 s). So on
    entering, everything alive is frozen out of the collector's sight, and the one
    collection on leaving walks only the replication's own objects: its cost
    follows the run's size, as the run's does
    (``tests/simulation/test_runner.py`` checks that each model is freed).

    When the caller had frozen objects (:func:`calm_gc`, or an outer block), nothing
    more is frozen: the collection on leaving then walks what the caller left in
    sight as well, as the caller's own collection would, and frees the block's
    garbage with it. When nothing was, what was alive before the block is given
    back to the collector on leaving. The collector's state is the process's: two
    threads in such blocks at once end with it as it was, but one may switch it
    back on while the other still runs (time, not correctness).
    """
    enabled, frozen = gc.isenabled(), gc.get_freeze_count()
    if not frozen:
        gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.collect()
        if not frozen:
            gc.unfreeze()
        if enabled:
            gc.enable()
