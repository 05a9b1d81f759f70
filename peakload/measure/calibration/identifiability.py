"""Which demands the windows can tell apart, and why not the others.

A tier's busy time is regressed on the completions of the transactions
visiting it. Each demand is pinned down only by variation of its own
transaction's completions that the others do not share. Two kinds of
variation are in a load test's windows:

- *designed* variation: the load rises and falls, runs differ in mix, users
  in lockstep send one step after another; it grows with the windows' counts;
- *chance*: even at a fixed mix, a window holds a few more searches and a few
  fewer drafts than the next; for counts it is Poisson-like, its variance
  about the count's mean.

An estimate resting on chance alone is an accident, not a measurement: with a
fixed mix (one flow's steps always in the same proportion) the windows fix
only the mix-weighted sum of the demands. So the test is: scale each
transaction's completions by the square root of its mean count, so that
chance has variance about 1 in every direction, and take the eigenvectors of
the windows' second-moment matrix. Directions with eigenvalues within a factor
:data:`SIGNAL_FACTOR` of the chance level (the Marchenko-Pastur edge
(1 + sqrt(T/W))^2 for T transactions in W windows) carry chance only. A
demand is identifiable when its transaction's axis lies, all but
:data:`MAX_CHANCE_SHARE` of it, in the other (designed) directions; otherwise
the chance directions name the transactions it is tied to, and only their
combination is known.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SIGNAL_FACTOR = 2.0
MAX_CHANCE_SHARE = 0.1
LOADING = 0.15


@dataclass(frozen=True)
class Identifiability:
    identifiable: bool
    why: str | None = None


def chance_level(transactions: int, windows: int) -> float:
    """Largest eigenvalue chance alone gives, times :data:`SIGNAL_FACTOR`."""
    return float(SIGNAL_FACTOR * (1 + np.sqrt(transactions / max(windows, 1))) ** 2)


def assess(completions: np.ndarray, names: list[str]) -> dict[str, Identifiability]:
    """Per transaction (a column of ``completions``, windows x transactions)."""
    windows = completions.shape[0]
    mean = completions.mean(axis=0) if windows else np.zeros(len(names))
    verdicts = {
        name: Identifiability(False, "never completed in the runs' windows")
        for name, m in zip(names, mean, strict=True)
        if m <= 0
    }
    seen = [i for i, m in enumerate(mean) if m > 0]
    if not seen:
        return verdicts
    scaled = completions[:, seen] / np.sqrt(mean[seen])
    moment = scaled.T @ scaled / windows
    values, vectors = np.linalg.eigh(moment)
    chance = vectors[:, values < chance_level(len(seen), windows)]
    for j, i in enumerate(seen):
        component = chance @ chance[j]  # the part of this axis only chance moves
        share = float(component @ component)
        if share <= MAX_CHANCE_SHARE:
            verdicts[names[i]] = Identifiability(True)
            continue
        tied = [names[seen[m]] for m in np.flatnonzero(np.abs(component) > LOADING) if m != j]
        with_whom = f" with {', '.join(tied)}" if tied else ""
        verdicts[names[i]] = Identifiability(
            False,
            f"{share:.0%} of its completions' variation is chance: it runs in fixed "
            f"proportion{with_whom} in these runs, so only their combined demand is known; "
            "vary the mix or run the steps apart (calibrate --plan)",
        )
    return verdicts
