"""The analytic cross-check printed beside every simulation.

Per tier, at the window's measured arrival rate and transaction mix: Erlang C
with the Allen-Cunneen correction for an open workload, approximate MVA
(Seidmann) for a closed one. Side by side with the simulated figures, so a
planner sees at once whether the simulation and queueing theory agree, and
where they should not (overload, timeouts, refusals, a time-varying load).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from peakload.contract.summary import Summary
from peakload.core.scenario import Scenario
from peakload.core.workload import OpenWorkload
from simulation.analytic import mgc_station, mmck_blocking, mva


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
        system = None
    else:
        method = "approximate MVA (Seidmann multi-server) at the window's mean concurrency"
        think = workload.think_time
        users = round(overall.mean_concurrency)
        names = [t.name for t in scenario.tiers]
        visit_demand = [demands[n].visits_per_request * demands[n].mean_s for n in names]
        result = mva(visit_demand, users, think.mean, [t.servers for t in scenario.tiers])
        for k, name in enumerate(names):
            visits = demands[name].visits_per_request
            response = result.station_response_s[k] / visits if visits else 0.0
            tiers[name] = {
                "utilization": result.utilization[k],
                "mean_wait_s": max(0.0, response - demands[name].mean_s),
                "mean_response_s": response,
            }
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
