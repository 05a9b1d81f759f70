"""Mean value analysis (MVA) of closed networks: users who think, then visit stations.

Exact MVA for closed networks of single-server stations and a think time, and
the approximate multi-server form (Seidmann: a c-server station is a queue with
demand D/c plus a delay of D(c-1)/c). Delay centres (infinite servers) and
exact load-dependent multi-server stations join the same recursion
(:class:`MvaStation`); a tier sharing cores is such a load-dependent station
with ``c = instances x min(workers, cores)`` (why: :mod:`simulation.analytic`).
The open stations' formulas are in :mod:`simulation.analytic`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

import numpy as np


class MvaStation(StrEnum):
    """How :func:`mva` treats a station of ``c`` servers.

    >>> MvaStation("delay")
    <MvaStation.DELAY: 'delay'>
    """

    QUEUE = "queue"
    """FIFO servers: exact for c = 1, Seidmann's approximation above."""

    LOAD_DEPENDENT = "load_dependent"
    """Exact: service rate min(n, c) / S with n present, from the marginal
    probabilities of the station's first c - 1 populations (Reiser and Lavenberg's
    load-dependent MVA in its multi-server form). A tier sharing cores, with
    c = instances x min(workers, cores) (:mod:`simulation.analytic`)."""

    DELAY = "delay"
    """An infinite server (a delay centre): residence = demand, no queue."""


@dataclass(frozen=True)
class MvaResult:
    """A closed network's steady state at a given population, from :func:`mva`."""

    throughput: float
    """Requests per second the users complete."""

    response_s: float
    """Response time of a request (s): its residence summed over the stations."""

    station_response_s: list[float]
    """Residence time (s) per request at each station (all its visits)."""

    station_queue: list[float]
    """Mean requests at each station, waiting or in service (the delay part of a
    multi-server station left out)."""

    utilization: list[float]
    """Busy share of each station's servers."""


def mva(
    demands: list[float],
    users: int,
    think_s: float,
    servers: list[int] | None = None,
    kinds: list[MvaStation] | None = None,
) -> MvaResult:
    """Mean value analysis of a closed network with a think-time delay.

    ``demands[k]`` is the service demand per request at station k (visits x
    mean service). With ``servers`` all 1 this is exact MVA; a multi-server
    station uses Seidmann's approximation, unless ``kinds`` says it is
    load-dependent (exact) or a delay (:class:`MvaStation`). A delay's
    utilization is NaN: it has no servers to be busy.

    The exact multi-server recursion, for a station of c servers and demand D::

        R(n) = D / c (1 + Q(n-1) + sum_{j=0}^{c-2} (c-1-j) p(j | n-1))
        p(j | n) = D X(n) / j  p(j-1 | n-1)                 1 <= j <= c-1
        p(0 | n) = 1 - (X(n) D + sum_{j=1}^{c-1} (c-j) p(j | n)) / c
    """
    servers = servers or [1] * len(demands)
    kinds = kinds or [MvaStation.QUEUE] * len(demands)
    delay_kind = [kind is MvaStation.DELAY for kind in kinds]
    exact = [
        kind is MvaStation.LOAD_DEPENDENT and c > 1 for kind, c in zip(kinds, servers, strict=True)
    ]
    queue_demand = [
        0.0 if is_delay else d / c
        for d, c, is_delay in zip(demands, servers, delay_kind, strict=True)
    ]
    delay = [
        d if is_delay else (0.0 if ld else d * (c - 1) / c)
        for d, c, is_delay, ld in zip(demands, servers, delay_kind, exact, strict=True)
    ]
    # p[k][j]: probability of j at load-dependent station k (j < c), at population n - 1;
    # weight[k][j] = c - 1 - j, scale[k][j] = 1 / j (j >= 1), as arrays.
    marginals = {k: np.eye(1, servers[k])[0] for k in range(len(demands)) if exact[k]}
    weight = {k: servers[k] - 1 - np.arange(servers[k]) for k in marginals}
    scale = {k: 1 / np.arange(1, servers[k]) for k in marginals}
    queue = [0.0] * len(demands)
    throughput, response, residence = 0.0, 0.0, [0.0] * len(demands)
    for n in range(1, users + 1):
        residence = [
            qd * (1 + q) + dl for qd, q, dl in zip(queue_demand, queue, delay, strict=True)
        ]
        for k, p in marginals.items():
            correction = float(weight[k] @ p)
            residence[k] = demands[k] / servers[k] * (1 + queue[k] + correction)
        response = sum(residence)
        throughput = n / (think_s + response)
        queue = [throughput * (r - dl) for r, dl in zip(residence, delay, strict=True)]
        for k, p in marginals.items():
            c, d = servers[k], demands[k]
            new = np.empty(c)
            new[1:] = d * throughput * scale[k] * p[:-1]
            rest = (throughput * d + float((weight[k][1:] + 1) @ new[1:])) / c
            new[0] = max(0.0, 1 - rest)
            marginals[k] = new
    utilization = [
        math.nan if is_delay else throughput * d / c
        for d, c, is_delay in zip(demands, servers, delay_kind, strict=True)
    ]
    return MvaResult(throughput, response, residence, queue, utilization)
