"""Identifiability is an answer: a fixed mix is reported, a designed one is not."""

from __future__ import annotations

import numpy as np

from peakload.measure.calibration.identifiability import assess


def test_fixed_mix_leaves_steps_unidentifiable_and_names_the_tied_ones():
    rng = np.random.default_rng(1)
    load = rng.uniform(20, 60, size=300)  # the load moves; the mix does not
    mix = np.array([0.4, 0.4, 0.2])
    completions = rng.poisson(load[:, None] * mix).astype(float)
    verdicts = assess(completions, ["search", "draft", "sign"])
    assert not any(v.identifiable for v in verdicts.values())
    assert "fixed proportion" in verdicts["search"].why
    assert "draft" in verdicts["search"].why


def test_designed_mix_makes_every_demand_identifiable():
    rng = np.random.default_rng(2)
    blocks = np.repeat(rng.dirichlet(np.ones(3), size=15), 20, axis=0)
    completions = rng.poisson(40 * blocks).astype(float)
    verdicts = assess(completions, ["search", "draft", "sign"])
    assert all(v.identifiable for v in verdicts.values()), verdicts


def test_lockstep_waves_are_identifiable():
    rng = np.random.default_rng(3)
    completions = np.zeros((120, 4))
    for w in range(120):
        completions[w, w % 4] = rng.poisson(30)
        completions[w] += rng.poisson(1, size=4)
    verdicts = assess(completions, ["a", "b", "c", "d"])
    assert all(v.identifiable for v in verdicts.values())


def test_a_transaction_that_never_completed_is_not_identifiable():
    completions = np.column_stack([np.arange(1, 51), np.zeros(50)]).astype(float)
    verdicts = assess(completions, ["seen", "never"])
    assert not verdicts["never"].identifiable
    assert "never completed" in verdicts["never"].why
