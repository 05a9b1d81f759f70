"""Work a served request leaves for later, as the simulator runs it.

A transaction's ``deferred`` work (:class:`peakload.core.scenario.DeferredWork`)
joins its tier ``after_s`` seconds after the request's last tier served it, as a
visit of its own: it queues for a server like a request's visit, holds it for a
demand drawn from its own stream, and leaves. Nobody waits for it, so it is in
the tier's utilization and slows the requests it meets, but in no response.

It starts when the server has finished the request, whether or not its client
was still listening (a request that timed out was still served), and not for
a request a full queue refused. A deferred visit a full queue refuses is lost,
and counted among the tier's refusals. Every visit a tier records, its
throughput and its mean response include the deferred ones.

>>> from simpy import Environment
>>> from simulation.tier import Tier
>>> env = Environment()
>>> app = Tier(env, "app", servers=1, queue_limit=None, minutes=1)
>>> later = DeferredVisit(app, service=0.5)
>>> Timeout(env, 5.0).callbacks.append(later.start)
>>> env.run(until=5.2); app.busy
1
>>> env.run(until=6.0); app.busy
0
"""

from __future__ import annotations

from dataclasses import dataclass

from simpy import Environment
from simpy.events import Timeout

from peakload.core.sampling import SampleStream
from simulation.stations import Station


@dataclass(frozen=True)
class DeferredHop:
    """One piece of a transaction's deferred work: when, where and how long."""

    after_s: float
    """Seconds after the request was served."""

    station: Station
    """The tier it joins."""

    stream: SampleStream
    """Its demands there (s)."""


class DeferredVisit:
    """One deferred demand on its way to a tier; the tier calls :meth:`served`."""

    __slots__ = ("service", "station")

    def __init__(self, station: Station, service: float):
        self.station = station
        self.service = service

    def start(self, event: Timeout) -> None:
        """Its time has come: join the tier (a refusal loses it; the tier counts it)."""
        self.station.arrive(self, self.service)

    def served(self, event: Timeout) -> None:
        """The tier served it: free the server."""
        self.station.release()


def leave_for_later(env: Environment, work: tuple[DeferredHop, ...]) -> None:
    """Schedule a served request's deferred ``work``: each piece joins its tier
    ``after_s`` from now, with a demand drawn now from its stream."""
    for hop in work:
        visit = DeferredVisit(hop.station, hop.stream.next())
        if hop.after_s > 0:
            Timeout(env, hop.after_s).callbacks.append(visit.start)
        else:
            visit.start(None)  # type: ignore[arg-type]  # at once: no event to wait on
