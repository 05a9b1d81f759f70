"""One request's journey: the tiers it visits, its deadline, its outcome.

A :class:`Request` is one *attempt* a client sends: it visits the tiers of its
transaction's :class:`Route` in order, holding a server of each for a sampled
service time (a tier with no free server queues it, a full queue refuses it),
and reports back exactly once:

- ``OK`` when it leaves the last tier;
- ``REFUSED`` at once when a tier's queue is full;
- ``TIMEOUT`` when ``timeout_s`` passes first. The client stops listening,
  but the request keeps its place and the servers still do the work, as a
  real server does for a client that hung up.

Each attempt is recorded (transaction, start, end, outcome) when it reports;
what happens next (a retry, the next step, giving up) is the :class:`Client`'s
decision.

Requests are driven by callbacks on SimPy ``Timeout`` events, not by a
generator process each: an attempt that meets no queue costs one event per
tier it visits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from simpy.events import Timeout

from peakload.core.sampling import SampleStream
from peakload.measure.stats import Outcome
from simulation.deferred import DeferredHop, leave_for_later
from simulation.stations import Station

if TYPE_CHECKING:
    from simulation.model import Model


@dataclass(frozen=True)
class Route:
    """A transaction as the simulator runs it: its index and the tiers it visits."""

    index: int
    """The transaction's position in the scenario's ``[[transactions]]``, as recorded."""

    name: str
    """The transaction's name."""

    hops: tuple[tuple[Station, SampleStream], ...]
    """Each tier visited, in order, with the stream of this transaction's service
    times there (seconds)."""

    deferred: tuple[DeferredHop, ...] = ()
    """Work each served request leaves for later (:mod:`simulation.deferred`)."""


# Plain ints on the hot path; Outcome names them for everyone else.
_OK, _TIMEOUT, _REFUSED = int(Outcome.OK), int(Outcome.TIMEOUT), int(Outcome.REFUSED)


class Request:
    """One attempt travelling through its tiers; reports back to its client once.

    Creating a request starts its clock and its deadline; :meth:`proceed` sends
    it to its first tier.
    """

    __slots__ = ("client", "closed", "deadline", "hop", "hops", "model", "route", "start")

    def __init__(self, model: Model, client: Client, route: Route):
        self.model = model
        self.client = client
        """Who sent the attempt and hears its outcome."""
        self.route = route
        self.hops = route.hops
        # The clock is read as SimPy's private Environment._now, here and in tier.py,
        # deadlines.py and clients.py, not as the public property env.now: the
        # property cost 2-5 % of simulator CPU time (best of 9-15 alternating runs
        # of benchmarks/simpy_now.py), over the 3 % we allow. pyproject therefore
        # pins simpy to the range the tests cover (>=4.1,<4.2); check _now exists
        # before widening it.
        self.start = now = model.env._now
        """Simulated time (s after midnight) the attempt was sent."""
        self.deadline = now + model.timeout_s
        """Simulated time at which the client stops waiting."""
        self.hop = 0
        """Index in ``hops`` of the tier the attempt is at (or queued for)."""
        self.closed = False
        """True once the outcome is reported; a timed-out attempt keeps its place
        in the tiers, but nobody listens any more."""
        model.deadlines.watch(self)

    def proceed(self) -> None:
        """Go on to the next tier, or report ``OK`` after the last one."""
        hops = self.hops
        if self.hop == len(hops):
            if self.route.deferred:
                leave_for_later(self.model.env, self.route.deferred)
            self._close(_OK)
            return
        tier, stream = hops[self.hop]
        if not tier.arrive(self, stream.next()):
            self._close(_REFUSED)

    def served(self, event: Timeout) -> None:
        """The current tier finished its service: free the server, go on."""
        self.hops[self.hop][0].release()
        self.hop += 1
        self.proceed()

    def expire(self) -> None:
        """The client gave up waiting; the server still finishes the work."""
        self._close(_TIMEOUT)

    def _close(self, outcome: int) -> None:
        if self.closed:  # abandoned earlier: the server finishes, nobody listens
            return
        self.closed = True
        model = self.model
        if outcome == _OK and model.env._now >= self.deadline:
            # An answer at the very float of the deadline (fixed service times can
            # make one) comes as the client gives up: a time-out, whichever of the
            # two events SimPy happens to take first.
            outcome = _TIMEOUT
        model.record(self.route.index, self.start, model.env._now, outcome)
        self.client.responded(self.route, outcome == _OK)


class Client:
    """Whoever sends requests: a closed-workload user or an open-workload arrival."""

    __slots__ = ()

    def responded(self, route: Route, ok: bool) -> None:
        """Hear the outcome of an attempt on ``route``: ``ok`` or failed (refused,
        timed out); decide what to send next."""
        raise NotImplementedError
