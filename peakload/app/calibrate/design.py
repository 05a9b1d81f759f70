"""The phases of ``calibrate --plan``: load tests whose mix changes, so that every
demand is identifiable by construction.

A load test that follows the model's mix cannot split a flow's busy time
among its steps: they complete in fixed proportion (see
:mod:`peakload.measure.calibration.identifiability`). So the tour runs one
*prefix* of one flow at a time:

- for a flow ``search, create, sign, submit, get`` the phases repeat
  ``search``, then ``search, create``, then ``search, create, sign``, ... up to
  the whole flow. Each phase adds one step to the last; the busy time the
  added step brings is its demand. Over all phases the design matrix (phases x
  transactions) is triangular per flow, so it has full rank: no two
  transactions move together however the demands turn out;
- a prefix, not an arbitrary subset, because a step may act on what the
  earlier steps of its flow made (a draft to sign, an order to submit): a
  prefix is always a sequence a user can run;
- a prefix whose steps another phase already ran (a step shared between flows)
  is run once.

Each phase is *sized*: its users are the most that keep the busiest tier at
about :data:`TARGET_UTILIZATION` under the demands known so far (the model's
own at first, the estimates later), by mean value analysis of the closed
network (:func:`simulation.analytic.mva`); enough busy time to measure, and no
tier saturated. Users are capped by the smallest queue limit, so no request
is refused part-way through its tiers (a refusal leaves busy time without a
completion). Over the phase's first :data:`RAMP_SHARE` only a
:data:`LOW_SHARE` of the users work: those windows run at low load, where the
time outside the tiers is measured (:mod:`peakload.app.calibrate.outside`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from peakload.core.scenario import LOGIN, Scenario
from simulation.analytic import mva

THINK_S = 0.5
"""Mean think time between a phase's steps (exponential): short, so a few users load
the tiers."""
TARGET_UTILIZATION = 0.6
"""The busiest tier's utilization a phase aims at, under the demands it is sized with.
Room to spare: a demand 1.5 times the sizing value still leaves the tier below 0.9."""
MIN_USERS = 2
MAX_USERS = 160
"""The most users a phase runs: at :data:`THINK_S` they send up to 320 requests a second,
which one Locust process on one core keeps pace with (the real-service experiment's
held-out level sends 240). It was 48, and on the real-work stack every phase hit it: the
tour measured the core at 14 to 33 % busy, a third of the held-out level's load, so the
core's background was told from the demands by the mix's changes alone and put the
held-out level 4 to 8 points low (docs/real-service.md)."""
RAMP_SHARE = 0.25
"""Share of a phase's wall time run at low load, before all its users join."""
LOW_SHARE = 0.25
"""Share of a phase's users working over its low-load start."""

WHY = (
    "Each phase repeats a prefix of one flow (its first step, then its first two, ...), "
    "so the busy time a phase adds over the previous prefix is the added step's demand: "
    "the phases-by-transactions design is triangular per flow and has full rank, and no "
    "two transactions complete in fixed proportion over the tour. Prefixes, because a "
    "step may act on what the earlier steps made. Each phase's users are sized by mean "
    "value analysis of the closed network under the demands known so far (the model's "
    f"at first) to load the busiest tier near {TARGET_UTILIZATION:.0%}, capped by the "
    "smallest queue limit; over the first quarter of a phase only a quarter of its "
    "users work, so its first windows measure the time outside the tiers at low load. "
    "Later rounds rerun the phases that isolate the demands whose intervals are still too wide."
)


@dataclass(frozen=True)
class Prefix:
    """One phase's steps, the flow it came from and the step it adds."""

    name: str
    flow: str
    steps: tuple[str, ...]
    isolates: str
    previous: str | None
    """The phase of the same flow one step shorter (None for a first step)."""


@dataclass(frozen=True)
class Sizing:
    users: int
    utilization: dict[str, float]
    """Each tier's, with every user working."""
    over_phase: dict[str, float]
    """Each tier's over the whole phase, its low-load start weighted in
    (:data:`RAMP_SHARE` of it at :data:`LOW_SHARE` of the users): what the phase's
    run measures."""


def low_users(users: int) -> int:
    """The users of the low-load start of a phase of ``users``: a :data:`LOW_SHARE` of
    them, at least one."""
    return max(1, round(users * LOW_SHARE))


def prefixes(model: Scenario) -> list[Prefix]:
    """Every distinct prefix of every flow, flows in the model's order."""
    found: list[Prefix] = []
    seen: dict[tuple, str] = {}
    for flow in model.flow_list:
        steps = [s for s in flow.steps if s != LOGIN]
        previous = None
        for k in range(1, len(steps) + 1):
            prefix = tuple(steps[:k])
            key = tuple(sorted(Counter(prefix).items()))
            if key in seen:
                previous = seen[key]
                continue
            name = f"{flow.name}-{k}"
            seen[key] = name
            found.append(Prefix(name, flow.name, prefix, steps[k - 1], previous))
            previous = name
    return found


def size(
    model: Scenario,
    steps: tuple[str, ...],
    demands: dict[str, dict[str, float]],
    think_s: float = THINK_S,
) -> Sizing:
    """Users for a phase repeating ``steps`` (see the module's doc).

    ``demands[transaction][tier]`` are the mean demands to size with. The
    network's customer is one pass through ``steps``: its demand at a tier is
    the sum of the steps' there, its think time ``think_s`` per step. The steps'
    deferred work (the model's means) keeps a tier busy at the passes' rate
    without delaying them: it is added to the utilization at the throughput
    the passes alone would reach, which it can only lower, so the users are
    never more than the target allows.
    """
    tiers = [t for t in model.tiers if not t.is_delay]
    per_pass = [sum(demands.get(s, {}).get(t.name, 0.0) for s in steps) for t in tiers]
    later = [
        sum(
            float(w.demand.mean)
            for s in steps
            for w in model.transaction(s).deferred
            if w.tier == t.name
        )
        for t in tiers
    ]
    # A tier with cores is busy on its cores, not on its workers (processor sharing of up
    # to `workers` requests on `cores`): its utilization is CPU over instances x cores.
    servers = [t.busy_capacity for t in tiers]
    outside = sum(
        demands.get(s, {}).get(t.name, 0.0) for s in steps for t in model.tiers if t.is_delay
    )
    think = think_s * len(steps) + outside
    cap = MAX_USERS
    for tier in tiers:
        if tier.queue_limit is not None:
            cap = min(cap, tier.queue_limit + tier.servers - 1)

    def busy(n: int) -> list[float]:
        result = mva(per_pass, n, think, servers)
        return [
            u + result.throughput * d / c
            for u, d, c in zip(result.utilization, later, servers, strict=True)
        ]

    users = MIN_USERS
    utilization = busy(users)
    for n in range(MIN_USERS + 1, max(cap, MIN_USERS) + 1):
        at_n = busy(n)
        if max(at_n, default=0.0) > TARGET_UTILIZATION:
            break
        users, utilization = n, at_n
    low = busy(low_users(users))  # as phase_scenario starts it
    over_phase = [
        RAMP_SHARE * a + (1 - RAMP_SHARE) * b for a, b in zip(low, utilization, strict=True)
    ]
    return Sizing(
        users,
        {t.name: float(u) for t, u in zip(tiers, utilization, strict=True)},
        {t.name: float(u) for t, u in zip(tiers, over_phase, strict=True)},
    )


def prior_demands(model: Scenario) -> dict[str, dict[str, float]]:
    """The model's mean demands, the first phases' sizing values."""
    return {t.name: {k: float(d.mean) for k, d in t.demand.items()} for t in model.transactions}


def major_transactions(model: Scenario, share: float) -> dict[str, float]:
    """Transactions carrying at least ``share`` of the model's requests (sign-ins aside,
    as a day of many requests per user makes them a small share), with their share."""
    total = sum(f.weight * len([s for s in f.steps if s != LOGIN]) for f in model.flow_list)
    mix: dict[str, float] = {}
    for flow in model.flow_list:
        for step in flow.steps:
            if step != LOGIN:
                mix[step] = mix.get(step, 0.0) + flow.weight / total
    return {name: s for name, s in mix.items() if s >= share}
