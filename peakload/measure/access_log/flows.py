"""Flows from transitions: the step sequences users repeat, with their weights.

The log gives a first-order Markov chain: how often transaction ``b``
follows ``a`` within a session (``^`` stands for a session's start). A flow
is a run of *forward links*: ``a -> b`` is a link when ``b`` follows ``a`` at
least :data:`LINK_SHARE` of the times ``a`` is followed by anything, and
``a`` was followed by something at least :data:`LINK_MIN_SEEN` times (four
sightings of a rare transaction, all followed by the same step, are not a
flow's evidence). A flow
starts at a transaction that is not the target of a link and follows links
until a transaction with none (a step can end several flows, as a status
check ends both "payment" and "review"). A flow's weight is how often its
first step occurs. A session that begins mid-flow (a log that starts while
users work, or a load test's users joining at random steps) accounts for the
rest of that flow, not a flow start. Occurrences of a transaction that the
flows do not account for (more than :data:`LEFTOVER_SHARE` of them) become a
one-step flow.

``login`` is the sign-in: a user does it once, at the start, so it is left
out of flows (the scenario's users sign in when they start).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from peakload.measure.access_log.sessions import START

LINK_SHARE = 0.9
LEFTOVER_SHARE = 0.05
LINK_MIN_SEEN = 20
SIGN_IN = "login"


@dataclass(frozen=True)
class DerivedFlow:
    """A flow: its steps in order and how many times it started in the log."""

    name: str
    steps: tuple[str, ...]
    count: int


def _links(transitions: Counter[tuple[str, str]]) -> dict[str, str]:
    out: dict[str, Counter[str]] = {}
    for (source, target), n in transitions.items():
        if source in (START, SIGN_IN) or target == SIGN_IN:
            continue
        out.setdefault(source, Counter())[target] += n
    links: dict[str, str] = {}
    for source, targets in out.items():
        target, n = targets.most_common(1)[0]
        seen = sum(targets.values())
        if target != source and seen >= LINK_MIN_SEEN and n >= LINK_SHARE * seen:
            links[source] = target
    return links


def _name(steps: tuple[str, ...], taken: set[str]) -> str:
    base = steps[0] if len(steps) == 1 else f"{steps[0]}_to_{steps[-1]}"
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}_{n}"
    taken.add(name)
    return name


def derive_flows(transitions: Counter[tuple[str, str]], mix: Counter[str]) -> list[DerivedFlow]:
    """The flows the transitions imply, most frequent first."""
    links = _links(transitions)
    targets = set(links.values())
    names = [t for t in mix if t != SIGN_IN]
    chains: list[tuple[tuple[str, ...], int]] = []
    for first in sorted(t for t in names if t not in targets):
        walk, seen = [first], {first}
        while walk[-1] in links and links[walk[-1]] not in seen:
            walk.append(links[walk[-1]])
            seen.add(walk[-1])
        chains.append((tuple(walk), mix[first]))
    explained: Counter[str] = Counter()
    # A session that begins (after its sign-in, if any) at a link target joined a flow
    # already under way: the steps from there to the flow's end are that flow's, not
    # flows of their own. Each such entry is credited once, to the first flow it fits.
    # A sign-in is an entry only when it opened the session (not a token renewed mid-flow):
    # the steps after sign-ins count in the share of sign-ins that opened one.
    signed_in = sum(n for (source, _), n in transitions.items() if source == SIGN_IN)
    opened = transitions[(START, SIGN_IN)] / signed_in if signed_in else 0.0
    entries = Counter(
        {t: transitions[(START, t)] + round(opened * transitions[(SIGN_IN, t)]) for t in targets}
    )
    for steps, count in chains:
        for step in steps:
            explained[step] += count
        for k in range(1, len(steps)):
            joined, entries[steps[k]] = entries[steps[k]], 0
            for step in steps[k:]:
                explained[step] += joined
    for name in names:
        leftover = mix[name] - explained[name]
        if leftover > LEFTOVER_SHARE * mix[name]:
            chains.append(((name,), leftover))
    taken: set[str] = set()
    chains.sort(key=lambda chain: -chain[1])
    return [DerivedFlow(_name(steps, taken), steps, count) for steps, count in chains if count > 0]
