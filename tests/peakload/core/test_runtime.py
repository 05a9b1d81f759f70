"""The simulator's collector settings are given back when the block ends, and a
replication's garbage is freed when it ends."""

import gc
import pickle
import weakref

import pytest

from peakload.core.runtime import collected_on_leaving, without_collections


class Node:
    """An object the collector tracks."""


@pytest.fixture(autouse=True)
def collector_as_a_fresh_process_has_it():
    """Nothing frozen and the collector on: a server's lifespan run earlier in this
    process (its calm_gc) must not decide what these tests see."""
    gc.unfreeze()
    gc.enable()
    yield
    gc.unfreeze()
    gc.enable()


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
    kept = Node()
    gc.freeze()
    try:
        with without_collections():
            Node()
        assert gc.get_freeze_count() > 0
        assert not any(o is kept for o in gc.get_objects())  # the permanent generation
    finally:
        gc.unfreeze()
    assert any(o is kept for o in gc.get_objects())


def test_what_a_replication_leaves_in_cycles_is_freed_on_leaving():
    with collected_on_leaving():
        assert not gc.isenabled()
        node = Node()
        node.me = node  # a cycle: reference counting alone never frees it
        gone = weakref.ref(node)
        del node
        assert gone() is not None
    assert gone() is None
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0


def test_what_a_replication_returns_outlives_the_collection():
    @collected_on_leaving()
    def replication() -> Node:
        result = Node()
        result.me = result
        return result

    kept = replication()
    assert kept.me is kept
    assert gc.get_freeze_count() == 0


def test_a_nested_run_leaves_its_garbage_to_the_replications_collection():
    with collected_on_leaving():
        with without_collections():
            node = Node()
            node.me = node
            gone = weakref.ref(node)
            del node
        assert not gc.isenabled()
    assert gone() is None


def test_under_a_caller_that_froze_the_callers_garbage_is_freed_too():
    gc.freeze()
    try:
        with collected_on_leaving():
            node = Node()
            node.me = node
            gone = weakref.ref(node)
            del node
            with collected_on_leaving():  # freezing here would hide the outer's cycle
                pass
        assert gone() is None
        assert gc.get_freeze_count() > 0  # the caller's stay frozen
    finally:
        gc.unfreeze()


def test_a_collected_replication_still_pickles_to_a_worker():
    restored = pickle.loads(pickle.dumps(collected_replication))
    assert restored(2) == 4


@collected_on_leaving()
def collected_replication(x: int) -> int:
    return x * 2
