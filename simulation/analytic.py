"""Closed-form queueing results the simulator is checked against.

- Erlang C for M/M/c waiting, with the Allen-Cunneen factor (ca^2 + cs^2) / 2
  for general service (exact for M/M/c; for c = 1 it is Pollaczek-Khinchine).
- M/M/c/K blocking probability.
- The M/M/c sojourn-time distribution (for percentile SLOs).
- Mean value analysis of closed networks (:func:`simulation.mva.mva`, in a
  module of its own; imported here too, so the formulas are found in one place).
- A thread pool on shared cores (a tier with ``cores``), open: the
  birth-death chain of :func:`shared_pool_station`.

**A tier sharing cores, and why M/M/c is its reference.** An instance runs up
to ``workers`` requests at once, each at speed ``min(1, cores / n)`` (processor
sharing), the rest wait in FIFO order. With exponential demands of mean S the
work is memoryless, so with ``n`` requests at the tier they complete at rate
``min(n, workers, cores) / S`` whatever the order of service: the number at
the tier is the birth-death chain of an M/M/c queue with
``c = min(workers, cores)`` servers (and capacity ``workers + queue_limit``).
Its *mean* figures (requests present, hence by Little's law mean response,
utilization, blocking) are therefore M/M/c's exactly; its response-time
*distribution* is not (PS serves everyone a little, FCFS the first fully:
at c = 1 the PS response has variance (2 + rho) / ((2 - rho)(1 - rho)^2 mu^2)
against FCFS's 1 / ((1 - rho)^2 mu^2)), so percentiles are checked against
the simulation only. With ``workers`` at least the requests that can be
present the station is a symmetric (M/G/c-PS) queue, insensitive to the
demand's distribution beyond its mean; with a smaller pool and demands that
are not exponential the figures are an approximation. Several instances are
separate machines in the simulator (a request stays on the one it was sent
to); here they are pooled, ``c = instances x min(workers, cores)``, which is
exact for one instance and for a load spread evenly, and otherwise a little
optimistic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import optimize

from simulation.mva import MvaResult, MvaStation, mva

__all__ = [
    "MvaResult",
    "MvaStation",
    "SharedPoolEstimate",
    "StationEstimate",
    "erlang_c",
    "mgc_station",
    "mmc_sojourn_cdf",
    "mmc_sojourn_percentile",
    "mmck_blocking",
    "mva",
    "pollaczek_khinchine_wait",
    "shared_pool_station",
]


def erlang_c(servers: int, offered_load: float) -> float:
    """Probability that an arrival waits in M/M/c, with offered load a = lambda * S."""
    c, a = servers, offered_load
    if a <= 0:
        return 0.0
    if a >= c:
        return 1.0
    # Erlang B by its stable recursion, then C = B / (1 - rho (1 - B)).
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    rho = a / c
    return b / (1 - rho * (1 - b))


@dataclass(frozen=True)
class StationEstimate:
    """One open station's steady state, as :func:`mgc_station` estimates it."""

    utilization: float
    """Busy share of the servers, rho = rate x service / servers (may exceed 1)."""

    mean_wait_s: float
    """Mean time in the queue (s); infinite when unstable."""

    mean_response_s: float
    """Mean wait plus mean service (s)."""

    stable: bool
    """False when rho >= 1: the queue grows without bound, no steady state."""


def mgc_station(
    rate: float, mean_service: float, servers: int, service_scv: float = 1.0
) -> StationEstimate:
    """Open M/G/c estimate: Erlang C waiting scaled by (1 + cs^2) / 2 (Allen-Cunneen).

    ``rate`` in arrivals per second, ``mean_service`` in seconds, ``service_scv``
    the squared coefficient of variation of service (1: exponential, exact).
    """
    a = rate * mean_service
    rho = a / servers
    if rho >= 1:
        return StationEstimate(rho, math.inf, math.inf, False)
    wait_mmc = erlang_c(servers, a) * mean_service / (servers * (1 - rho))
    wait = wait_mmc * (1 + service_scv) / 2
    return StationEstimate(rho, wait, wait + mean_service, True)


def pollaczek_khinchine_wait(rate: float, mean_service: float, second_moment: float) -> float:
    """Mean wait in M/G/1: lambda E[S^2] / (2 (1 - rho))."""
    rho = rate * mean_service
    if rho >= 1:
        return math.inf
    return rate * second_moment / (2 * (1 - rho))


def mmck_blocking(rate: float, mean_service: float, servers: int, capacity: int) -> float:
    """Probability an arrival finds M/M/c/K full (K = servers + waiting places)."""
    a = rate * mean_service
    c, k = servers, capacity
    # Unnormalised state probabilities p_n, computed in log space for large c.
    logs = []
    for n in range(k + 1):
        if n <= c:
            logs.append(
                n * math.log(a) - math.lgamma(n + 1) if a > 0 else (0.0 if n == 0 else -math.inf)
            )
        else:
            logs.append(c * math.log(a) - math.lgamma(c + 1) + (n - c) * math.log(a / c))
    top = max(logs)
    weights = [math.exp(x - top) for x in logs]
    return weights[-1] / sum(weights)


def mmc_sojourn_cdf(t: float, rate: float, mean_service: float, servers: int) -> float:
    """P(response <= t) in FCFS M/M/c: service plus an exponential wait with mass C at 0+."""
    mu = 1 / mean_service
    c = servers
    a = rate * mean_service
    if a >= c:
        return 0.0
    pw = erlang_c(c, a)
    theta = c * mu - rate  # rate of the conditional waiting time
    service_cdf = 1 - math.exp(-mu * t)
    if abs(theta - mu) < 1e-12:
        conv = 1 - math.exp(-mu * t) * (1 + mu * t)
    else:
        conv = 1 - (theta * math.exp(-mu * t) - mu * math.exp(-theta * t)) / (theta - mu)
    return (1 - pw) * service_cdf + pw * conv


def mmc_sojourn_percentile(q: float, rate: float, mean_service: float, servers: int) -> float:
    """The q-quantile (0 < q < 1) of the M/M/c FCFS response time."""
    if rate * mean_service >= servers:
        return math.inf
    hi = mean_service
    while mmc_sojourn_cdf(hi, rate, mean_service, servers) < q:
        hi *= 2
    return optimize.brentq(lambda t: mmc_sojourn_cdf(t, rate, mean_service, servers) - q, 0, hi)


@dataclass(frozen=True)
class SharedPoolEstimate:
    """One open tier of threads on shared cores, from :func:`shared_pool_station`."""

    utilization: float
    """CPU busy over the tier's cores: rate x demand / (instances x cores)."""

    pool_occupancy: float
    """Busy share of the workers: requests in service / (instances x workers)."""

    mean_wait_s: float
    """Mean time waiting for a worker (s); infinite when unstable."""

    mean_response_s: float
    """Mean wait plus time in service (s), the latter longer than the demand when
    more requests run than there are cores."""

    refused_fraction: float
    """Share of arrivals that find the line full (0 without ``queue_limit``)."""

    stable: bool
    """False when the offered load reaches the pool's capacity without a queue limit."""


def shared_pool_station(
    rate: float,
    mean_demand: float,
    instances: int,
    workers: int,
    cores: int,
    queue_limit: int | None = None,
    background: float = 0.0,
) -> SharedPoolEstimate:
    """Open arrivals at ``rate`` to ``instances`` pools of ``workers`` threads sharing
    ``cores`` cores each by processor sharing, a FIFO line beyond (module docstring).

    The birth-death chain on the requests at the tier, n: arrivals at ``rate``
    while n < instances x workers + queue_limit, completions at
    ``min(n, c) (1 - background) / mean_demand`` with ``c = instances x
    min(workers, cores)``: a ``background`` share of every core goes to work no
    request asks for, so a demand of CPU seconds takes ``1 / (1 - background)``
    times as long, and the utilization is ``background`` plus the requests' CPU
    over the cores. Exact for exponential demands on one instance; its means are
    those of M/M/c(/K), its waiting is for a worker (n above instances x workers),
    not for a core.
    """
    pool = instances * workers
    c = instances * min(workers, cores)
    cpu = mean_demand
    mean_demand = cpu / (1.0 - background)  # wall seconds of service at a core's share
    a = rate * mean_demand  # offered load: cores' worth of work arriving per second
    utilization = background + rate * cpu / (instances * cores)
    limit = None if queue_limit is None else pool + queue_limit
    if rate <= 0 or mean_demand <= 0:
        return SharedPoolEstimate(background, 0.0, 0.0, max(mean_demand, 0.0), 0.0, True)
    if limit is None and a >= c:
        return SharedPoolEstimate(utilization, 1.0, math.inf, math.inf, 0.0, False)
    # Unnormalised log p_n up to the pool (and to the limit, when there is one); past
    # both the pool and c the completion rate is constant, so an unbounded tail is
    # geometric with ratio r = a / c and summed in closed form.
    top = pool if limit is None else limit
    logs = []
    log_p = 0.0
    for n in range(top + 1):
        if n:
            log_p += math.log(a) - math.log(min(n, c))
        logs.append(log_p)
    peak = max(logs)
    weights = [math.exp(x - peak) for x in logs]
    mass = sum(weights)
    present = sum(n * w for n, w in enumerate(weights))
    waiting = sum((n - pool) * w for n, w in enumerate(weights) if n > pool)
    in_service = sum(min(n, pool) * w for n, w in enumerate(weights))
    if limit is None:
        r = a / c  # < 1 here: pool >= c, so past the pool every step has ratio r
        tail = weights[pool]
        mass += tail * r / (1 - r)
        extra = tail * r / (1 - r) ** 2  # sum over k >= 1 of k r^k
        present += pool * tail * r / (1 - r) + extra
        waiting += extra
        in_service += pool * tail * r / (1 - r)
    blocked = weights[-1] / mass if limit is not None else 0.0
    accepted = rate * (1 - blocked)
    return SharedPoolEstimate(
        utilization=background + accepted * cpu / (instances * cores),
        pool_occupancy=in_service / mass / pool,
        mean_wait_s=waiting / mass / accepted,
        mean_response_s=present / mass / accepted,
        refused_fraction=blocked,
        stable=True,
    )
