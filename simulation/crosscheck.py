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

from dataclasses import dataclass
from typing import Any

from peakload.contract.summary import Summary
from peakload.core.scenario import Scenario, Tier, TierKind
from peakload.core.workload import OpenWorkload
from simulation.analytic import (
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


def tier_demands(scenario: Scenario, mix: dict[str, float]) -> dict[str, TierDemand]:
    """Each tier's visits per request and service time, mixed by ``mix``.

    ``mix`` maps transaction names to their counts (or shares); a tier no
    transaction in the mix visits gets zeros.
    """
    total = sum(mix.values())
    demands = {}
    for tier in scenario.tiers:
        weight = first = second = 0.0
        for name, count in mix.items():
            dist = scenario.transaction(name).demand.get(tier.name)
            if dist is None or count <= 0:
                continue
            weight += count
            first += count * dist.mean
            second += count * dist.second_moment
        if weight == 0:
            demands[tier.name] = TierDemand(0.0, 0.0, 0.0)
            continue
        mean = first / weight
        scv = second / weight / mean**2 - 1 if mean > 0 else 0.0
        demands[tier.name] = TierDemand(weight / total if total else 0.0, mean, scv)
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
            d = demands[tier.name]
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
        names = [t.name for t in scenario.tiers]
        visit_demand = [demands[n].visits_per_request * demands[n].mean_s for n in names]
        # a tier's background slows its cores: the network sees wall seconds of service
        service = [d / t.request_speed for d, t in zip(visit_demand, scenario.tiers, strict=True)]
        if all(t.kind is TierKind.QUEUE and t.cores is None for t in scenario.tiers):
            result = mva(service, users, think.mean, [t.servers for t in scenario.tiers])
        else:
            method += "; delay centres, and tiers sharing cores as exact load-dependent stations"
            result = mva(
                service,
                users,
                think.mean,
                [mva_servers(t) for t in scenario.tiers],
                [mva_kind(t) for t in scenario.tiers],
            )
        for k, (name, spec) in enumerate(zip(names, scenario.tiers, strict=True)):
            visits = demands[name].visits_per_request
            response = result.station_response_s[k] / visits if visits else 0.0
            figures = {
                "utilization": result.utilization[k],
                "mean_wait_s": max(0.0, response - demands[name].mean_s),
                "mean_response_s": response,
            }
            if spec.is_delay:
                del figures["utilization"]
            elif spec.cores is not None:  # CPU over the cores, not busy workers
                cores = spec.instances * spec.cores
                busy = result.throughput * visit_demand[k] / cores
                figures["utilization"] = spec.background + busy
                # The wait for a worker is not separable from the slower service under PS.
                del figures["mean_wait_s"]
            tiers[name] = figures
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
