"""The simulator's collector settings are given back when the block ends."""

import gc

from peakload.core.runtime import fewer_collections


def test_fewer_collections_restores_thresholds_and_unfreezes():
    before = gc.get_threshold()
    frozen_before = gc.get_freeze_count()
    with fewer_collections(gen0=123_456):
        assert gc.get_threshold()[0] == max(before[0], 123_456)
        assert gc.get_freeze_count() > frozen_before
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_fewer_collections_still_collects_young_cycles():
    class Node:
        def __init__(self):
            self.me = self

    assert gc.isenabled()
    with fewer_collections(gen0=1_000):
        made = 3 * gc.get_threshold()[0]  # whatever other callers raised it to
        collected = sum(stats["collected"] for stats in gc.get_stats())
        for _ in range(made):
            Node()
        after = sum(stats["collected"] for stats in gc.get_stats())
    assert after - collected >= made // 2
