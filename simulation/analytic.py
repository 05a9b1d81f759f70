"""Closed-form queueing results the simulator is checked against.

- Erlang C for M/M/c waiting, with the Allen-Cunneen factor (ca^2 + cs^2) / 2
  for general service (exact for M/M/c; for c = 1 it is Pollaczek-Khinchine).
- M/M/c/K blocking probability.
- The M/M/c sojourn-time distribution (for percentile SLOs).
- Exact MVA for closed networks of single-server stations and a think time,
  and the approximate multi-server form (Seidmann: a c-server station is a
  queue with demand D/c plus a delay of D(c-1)/c).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import optimize


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
    demands: list[float], users: int, think_s: float, servers: list[int] | None = None
) -> MvaResult:
    """Mean value analysis of a closed network with a think-time delay.

    ``demands[k]`` is the service demand per request at station k (visits x
    mean service). With ``servers`` all 1 this is exact MVA; a multi-server
    station uses Seidmann's approximation.
    """
    servers = servers or [1] * len(demands)
    queue_demand = [d / c for d, c in zip(demands, servers, strict=True)]
    delay = [d * (c - 1) / c for d, c in zip(demands, servers, strict=True)]
    queue = [0.0] * len(demands)
    throughput, response, residence = 0.0, 0.0, [0.0] * len(demands)
    for n in range(1, users + 1):
        residence = [
            qd * (1 + q) + dl for qd, q, dl in zip(queue_demand, queue, delay, strict=True)
        ]
        response = sum(residence)
        throughput = n / (think_s + response)
        queue = [throughput * (r - dl) for r, dl in zip(residence, delay, strict=True)]
    utilization = [throughput * d / c for d, c in zip(demands, servers, strict=True)]
    return MvaResult(throughput, response, residence, queue, utilization)
