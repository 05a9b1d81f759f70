"""The simulator's collector setting is given back when the block ends."""

import gc

import pytest

from peakload.core.runtime import without_collections


class Node:
    """An object the collector tracks."""


def test_without_collections_switches_the_collector_off_and_back_on():
    assert gc.isenabled()
    with without_collections():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_without_collections_leaves_a_disabled_collector_disabled():
    gc.disable()
    try:
        with without_collections():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_without_collections_gives_the_collector_back_after_an_error():
    with pytest.raises(RuntimeError), without_collections():
        raise RuntimeError("the run failed")
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0


def test_what_the_block_left_alive_is_old_not_young():
    with without_collections():
        kept = Node()
    assert gc.get_freeze_count() == 0
    assert any(o is kept for o in gc.get_objects(generation=2))
    assert not any(o is kept for o in gc.get_objects(generation=0))


def test_what_a_caller_had_frozen_stays_frozen():
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with without_collections():
            Node()
        assert gc.get_freeze_count() >= frozen
    finally:
        gc.unfreeze()
