"""The analytic cross-check printed beside every simulation.

Per tier, at the window's measured arrival rate and transaction mix: Erlang C
with the Allen-Cunneen correction for an open workload, approximate MVA
(Seidmann) for a closed one. Side by side with the simulated figures, so a
planner sees at once whether the simulation and queueing theory agree, and
where they should not (overload, timeouts, refusals, a time-varying load).

The other tier kinds have their own references (:mod:`simulation.analytic`):

- a delay tier is a delay centre: its response is its mean demand, it has no
  wait and no utilization (none is printed for it);
- a tier sharing cores is the birth-death chain of
  :func:`~simulation.analytic.shared_pool_station` when open (utilization is
  CPU over its cores, beside the pool's occupancy), and an exact
  load-dependent station of ``instances x min(workers, cores)`` servers in
  MVA when closed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from peakload.contract.summary import Summary
from peakload.core.distributions import Distribution
from peakload.core.scenario import Scenario, Tier, TierKind
from peakload.core.workload import OpenWorkload
from simulation.analytic import (
    MvaResult,
    MvaStation,
    mgc_station,
    mmck_blocking,
    mva,
    shared_pool_station,
)


@dataclass(frozen=True)
class TierDemand:
    """The per-visit service time at a tier, mixed over the transactions that visit it."""

    visits_per_request: float
    """Visits to the tier per request of the mix (0 to 1: a request visits a tier once)."""

    mean_s: float
    """Mean service time per visit (s)."""

    scv: float
    """Squared coefficient of variation of the service time (1 for exponential)."""

    deferred: TierDemand | None = None
    """The deferred work's visits to the tier, per request of the mix, as a
    :class:`TierDemand` of its own (:class:`~peakload.core.scenario.DeferredWork`);
    None when no transaction of the mix leaves any there."""

    @property
    def per_request_s(self) -> float:
        """Service seconds per request of the mix on a request's path."""
        return self.visits_per_request * self.mean_s

    @property
    def deferred_per_request_s(self) -> float:
        """Service seconds of deferred work per request of the mix (0 without any)."""
        return 0.0 if self.deferred is None else self.deferred.per_request_s

    @property
    def busy_per_request_s(self) -> float:
        """Service seconds per request of the mix, the deferred work's included: what
        the tier's utilization is made of (the utilization law's demand)."""
        return self.per_request_s + self.deferred_per_request_s

    def all_visits(self) -> TierDemand:
        """The requests' visits and the deferred ones as one stream of visits: their
        visits per request, and the mixture's mean and scv (what a tier that serves
        both in one line sees)."""
        later = self.deferred
        if later is None or later.visits_per_request == 0:
            return self
        parts = (self, later)
        visits = sum(p.visits_per_request for p in parts)
        mean = sum(p.per_request_s for p in parts) / visits
        second = sum(p.visits_per_request * p.mean_s**2 * (1 + p.scv) for p in parts) / visits
        return TierDemand(visits, mean, second / mean**2 - 1 if mean > 0 else 0.0)


def _mixed(weighted: list[tuple[float, Distribution]], total: float) -> TierDemand | None:
    """Visits of ``(count, demand)`` pairs per ``total`` requests, as one
    :class:`TierDemand`; None when nothing visits."""
    weight = sum(count for count, _ in weighted)
    if weight == 0:
        return None
    mean = sum(count * dist.mean for count, dist in weighted) / weight
    second = sum(count * dist.second_moment for count, dist in weighted) / weight
    scv = second / mean**2 - 1 if mean > 0 else 0.0
    return TierDemand(weight / total if total else 0.0, mean, scv)


def tier_demands(scenario: Scenario, mix: dict[str, float]) -> dict[str, TierDemand]:
    """Each tier's visits per request and service time, mixed by ``mix``, with the
    deferred work the mix leaves there (:attr:`TierDemand.deferred`).

    ``mix`` maps transaction names to their counts (or shares); a tier no
    transaction in the mix visits gets zeros.
    """
    total = sum(mix.values())
    demands = {}
    for tier in scenario.tiers:
        visits: list[tuple[float, Distribution]] = []
        later: list[tuple[float, Distribution]] = []
        for name, count in mix.items():
            if count <= 0:
                continue
            txn = scenario.transaction(name)
            dist = txn.demand.get(tier.name)
            if dist is not None:
                visits.append((count, dist))
            later.extend((count, w.demand) for w in txn.deferred if w.tier == tier.name)
        own = _mixed(visits, total) or TierDemand(0.0, 0.0, 0.0)
        demands[tier.name] = replace(own, deferred=_mixed(later, total))
    return demands


def crosscheck(scenario: Scenario, window: Summary) -> dict[str, Any]:
    """The analytic figures beside ``window``'s simulated ones (one run's summary);
    none when the window measured no request (nothing to set them beside)."""
    overall = window.overall
    if overall is None:
        return {"method": "none: the window measured no request", "tiers": {}}
    mix = {name: float(t.count) for name, t in window.transactions.items()}
    if sum(mix.values()) == 0:
        mix = scenario.step_shares()
    demands = tier_demands(scenario, mix)
    tiers = {}
    workload = scenario.workload
    if isinstance(workload, OpenWorkload):
        method = "Erlang C (M/G/c, Allen-Cunneen) per tier at the measured visit rate"
        for tier in scenario.tiers:
            d = demands[tier.name].all_visits()  # the tier's visits, deferred ones and all
            measured = window.tiers[tier.name]
            rate = measured.throughput_rps  # carried: the visits the tier served
            if tier.is_delay or tier.cores is not None:
                tiers[tier.name] = _other_open(tier, d, rate, measured.refused_fraction)
                continue
            est = mgc_station(rate, d.mean_s, tier.servers, d.scv)
            figures = {
                "utilization": est.utilization,
                "mean_wait_s": est.mean_wait_s if est.stable else None,
                "mean_response_s": est.mean_response_s if est.stable else None,
            }
            if tier.queue_limit is not None and d.mean_s > 0:
                offered = rate / (1 - measured.refused_fraction)
                figures["refused_fraction"] = mmck_blocking(
                    offered, d.mean_s, tier.servers, tier.servers + tier.queue_limit
                )
            tiers[tier.name] = figures
        if any(t.is_delay or t.cores is not None for t in scenario.tiers):
            method += "; delays as delay centres, tiers sharing cores as their birth-death chain"
        system = None
    else:
        method = "approximate MVA (Seidmann multi-server) at the window's mean concurrency"
        think = workload.think_time
        users = round(overall.mean_concurrency)
        if any(t.kind is not TierKind.QUEUE or t.cores is not None for t in scenario.tiers):
            method += "; delay centres, and tiers sharing cores as exact load-dependent stations"
        network = closed_network(scenario, demands, users, think.mean)
        result = network.result
        if any(network.deferred_share):
            method += "; deferred work as an open load that slows each tier's servers"
        for k, spec in enumerate(scenario.tiers):
            tiers[spec.name] = _closed_figures(spec, demands[spec.name], result, k)
        system = {"throughput_rps": result.throughput, "mean_s": result.response_s}
    side_by_side = {
        name: {
            metric: {"analytic": value, "simulated": getattr(window.tiers[name], metric)}
            for metric, value in figures.items()
        }
        for name, figures in tiers.items()
    }
    out = {"method": method, "tiers": side_by_side}
    if system is not None:
        out["system"] = {
            "throughput_rps": {
                "analytic": system["throughput_rps"],
                "simulated": overall.ok_rps,
            },
            "mean_s": {"analytic": system["mean_s"], "simulated": overall.mean_s},
        }
    return out


@dataclass(frozen=True)
class ClosedNetwork:
    """A closed workload's MVA with the deferred work in it (:func:`closed_network`)."""

    result: MvaResult
    """The requests' network, each tier's service slowed by its deferred work."""

    deferred_share: list[float]
    """Per tier (the scenario's order), the share of its servers (or cores) the
    deferred work keeps busy."""


def closed_network(
    scenario: Scenario, demands: dict[str, TierDemand], users: int, think_s: float
) -> ClosedNetwork:
    """MVA of ``users`` who think ``think_s`` between requests mixed as ``demands``.

    A tier sharing cores serves requests at ``1 - background`` of its cores'
    speed. Deferred work (:class:`~peakload.core.scenario.DeferredWork`) is
    load no request waits for, arriving at the requests' own rate: an open
    class beside the closed one. As in a mixed network's MVA (Lazowska et al.,
    *Quantitative System Performance*, ch. 7), the requests see each tier's
    servers slowed by the share ``u`` the open class keeps busy: demand ``D``
    becomes ``D / (speed - u)``, exact for one processor-sharing server with
    Poisson arrivals and an approximation otherwise. ``u = X d / servers``
    depends on the throughput ``X`` it slows, so the two are iterated to a
    fixed point (damped; a few dozen rounds at most).

    Against the simulator (tests/simulation/test_deferred.py; 4 replications of
    6 hours): one core shared by processor sharing, and a FIFO server whose
    deferred work is as long as its requests' visits, agree within the runs'
    noise. Where the product form breaks the requests' mean response comes out
    high: by 4 % for a FIFO server whose deferred work is half its requests'
    visits, by 7-10 % for two cores shared by four workers (the same runs at
    those settings).
    """
    tiers = scenario.tiers
    path = [demands[t.name].per_request_s for t in tiers]
    later = [demands[t.name].deferred_per_request_s for t in tiers]
    capacity = [float(t.busy_capacity) for t in tiers]
    speed = [t.request_speed for t in tiers]
    servers = [mva_servers(t) for t in tiers]
    kinds = [mva_kind(t) for t in tiers]
    share = [0.0] * len(tiers)
    for _ in range(200):
        service = [d / (v - u) for d, v, u in zip(path, speed, share, strict=True)]
        result = mva(service, users, think_s, servers, kinds)
        new = [
            min(result.throughput * d / c, 0.999 * v) if c else 0.0
            for d, c, v in zip(later, capacity, speed, strict=True)
        ]
        if max((abs(a - b) for a, b in zip(new, share, strict=True)), default=0.0) < 1e-9:
            break
        share = [(a + b) / 2 for a, b in zip(new, share, strict=True)]
    return ClosedNetwork(result, share)


def _closed_figures(
    spec: Tier, demand: TierDemand, result: MvaResult, k: int
) -> dict[str, float | None]:
    """Tier ``k``'s figures from the closed network: its utilization with the
    deferred work's share in it, and the mean response and wait of every visit it
    serves, the deferred ones included: under processor sharing each visit is
    slowed in proportion to its demand, in a FIFO line each waits as long."""
    visits = demand.visits_per_request
    response = result.station_response_s[k] / visits if visits else 0.0
    wait = max(0.0, response - demand.mean_s)
    if spec.is_delay:
        return {"mean_wait_s": wait, "mean_response_s": response}
    every = demand.all_visits()
    busy = result.throughput * demand.busy_per_request_s / spec.busy_capacity
    if spec.cores is not None:  # CPU over the cores, not busy workers
        slowdown = response / demand.mean_s if visits and demand.mean_s > 0 else 1.0
        # The wait for a worker is not separable from the slower service under PS.
        return {"utilization": spec.background + busy, "mean_response_s": every.mean_s * slowdown}
    return {"utilization": busy, "mean_wait_s": wait, "mean_response_s": wait + every.mean_s}


def mva_kind(tier: Tier) -> MvaStation:
    """How MVA treats ``tier``: a delay centre, an exact load-dependent station (a
    tier sharing cores), or FIFO servers."""
    if tier.is_delay:
        return MvaStation.DELAY
    if tier.cores is not None:
        return MvaStation.LOAD_DEPENDENT
    return MvaStation.QUEUE


def mva_servers(tier: Tier) -> int:
    """The servers MVA gives ``tier``: instances x min(workers, cores) for a tier
    sharing cores (the requests served at full speed at once), none for a delay."""
    if tier.is_delay:
        return 1
    if tier.cores is not None:
        return tier.instances * min(tier.workers, tier.cores)
    return tier.servers


def _other_open(
    tier: Tier, demand: TierDemand, rate: float, refused_fraction: float
) -> dict[str, float | None]:
    """The open reference of a delay tier or a tier sharing cores."""
    if tier.is_delay:
        return {"mean_wait_s": 0.0, "mean_response_s": demand.mean_s}
    assert tier.cores is not None
    offered = rate / (1 - refused_fraction) if refused_fraction < 1 else rate
    est = shared_pool_station(
        offered,
        demand.mean_s,
        tier.instances,
        tier.workers,
        tier.cores,
        tier.queue_limit,
        tier.background,
    )
    figures: dict[str, float | None] = {
        "utilization": est.utilization,
        "pool_occupancy": est.pool_occupancy if est.stable else None,
        "mean_wait_s": est.mean_wait_s if est.stable else None,
        "mean_response_s": est.mean_response_s if est.stable else None,
    }
    if tier.queue_limit is not None:
        figures["refused_fraction"] = est.refused_fraction
    return figures
