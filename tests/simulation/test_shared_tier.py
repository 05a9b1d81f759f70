"""Processor sharing by hand: small schedules whose departures can be worked out on paper.

Each test starts visits at set moments on a :class:`SharedTier` in a bare SimPy
environment and checks when each leaves, what it waited, and the CPU the tier
spent, against the arithmetic written beside it.
"""

from __future__ import annotations

import numpy as np
import pytest
from simpy import Environment
from simpy.events import Timeout

from simulation.shared_tier import SharedTier


class Visit:
    """A visitor that notes when it was served and frees its worker, as a request does."""

    def __init__(self, tier: SharedTier, name: str):
        self.tier = tier
        self.name = name
        self.left: float | None = None

    def served(self, event: Timeout) -> None:
        self.left = self.tier.env.now
        self.tier.release()


def schedule(
    arrivals: list[tuple[float, float]],
    instances: int = 1,
    workers: int = 10,
    cores: int = 1,
    queue_limit: int | None = None,
    until: float = 100.0,
    background: float = 0.0,
) -> tuple[SharedTier, list[Visit], list[bool]]:
    """Visits of (arrival time, demand) run to ``until``; the tier, the visits and
    whether each was accepted."""
    env = Environment()
    tier = SharedTier(
        env, "cpu", instances, workers, cores, queue_limit, minutes=10, background=background
    )
    visits = [Visit(tier, f"v{i}") for i in range(len(arrivals))]
    accepted: list[bool] = []

    def send(visit: Visit, demand: float, event: Timeout) -> None:
        accepted.append(tier.arrive(visit, demand))

    for visit, (at, demand) in zip(visits, arrivals, strict=True):
        env.timeout(at).callbacks.append(lambda e, v=visit, d=demand: send(v, d, e))
    env.run(until=until)
    return tier, visits, accepted


def records(tier: SharedTier):
    return tier.intervals(np.zeros(0), np.zeros(0))


def test_two_visits_share_one_core_and_finish_when_their_work_is_done():
    # A (1 s) alone from 0 to 0.5: 0.5 s of work. Then A and B at half speed: A's last
    # 0.5 s takes 1 s, A leaves at 1.5; B got 0.5 s by then, alone again: leaves at 2.0.
    tier, (a, b), _ = schedule([(0.0, 1.0), (0.5, 1.0)])
    assert a.left == pytest.approx(1.5)
    assert b.left == pytest.approx(2.0)
    visits = records(tier)
    assert list(visits.waits) == [0.0, 0.0]
    assert visits.services == pytest.approx([1.5, 1.5])
    # One core busy from 0 to 2: the 2 CPU seconds of demand, nothing more.
    assert visits.cpu.spent(np.array([0.0, 1.0, 2.0, 50.0])) == pytest.approx([0, 1, 2, 2])


def test_a_background_slows_every_request_and_keeps_the_core_partly_busy():
    # background 0.2: requests run at 0.8 of the core. A (0.8 s of CPU) alone from 0 to
    # 0.5 gets 0.4; then A and B (0.4 s) at 0.4 each: B's 0.4 s takes 1 s, A's last 0.4
    # as well, so both leave at 1.5.
    tier, (a, b), _ = schedule([(0.0, 0.8), (0.5, 0.4)], background=0.2, until=10.0)
    assert a.left == pytest.approx(1.5)
    assert b.left == pytest.approx(1.5)
    # The core: 0.8 busy on requests to 1.5 (their 1.2 CPU seconds), 0.2 on the
    # background all along: 1.2 + 0.2 x 10 = 3.2 CPU seconds by t = 10.
    spent = records(tier).cpu.spent(np.array([0.0, 1.5, 10.0]))
    assert spent == pytest.approx([0.0, 1.5, 3.2])


def test_requests_beyond_the_cores_slow_everyone_in_service_equally():
    # 2 cores, 4 visits at once (1, 1, 2, 2 s): speed 2/4 each. The 1 s ones finish at
    # t = 2; the other two, 1 s left each, then run alone on a core each: leave at 3.
    tier, visits, _ = schedule([(0.0, 1.0), (0.0, 1.0), (0.0, 2.0), (0.0, 2.0)], cores=2)
    assert [v.left for v in visits] == pytest.approx([2.0, 2.0, 3.0, 3.0])
    spent = records(tier).cpu.spent(np.array([3.0]))
    assert spent == pytest.approx([6.0])  # both cores busy throughout: the 6 s of demand


def test_past_the_workers_a_request_waits_for_one_in_arrival_order():
    # 2 workers on 2 cores: two 1 s visits run at full speed; the third waits for the
    # first worker free (t = 1) and runs alone to 2; the fourth, arriving at 0.5, waits
    # for the second worker (t = 1) and leaves at 2 too.
    tier, visits, _ = schedule([(0.0, 1.0), (0.0, 1.0), (0.0, 1.0), (0.5, 1.0)], workers=2, cores=2)
    assert [v.left for v in visits] == pytest.approx([1.0, 1.0, 2.0, 2.0])
    assert list(records(tier).waits) == pytest.approx([0.0, 0.0, 1.0, 0.5])
    assert tier.max_queue_by_minute[0] == 2


def test_a_full_line_refuses():
    tier, _, accepted = schedule([(0.0, 1.0), (0.0, 1.0), (0.0, 1.0)], workers=1, queue_limit=1)
    assert accepted == [True, True, False]
    assert list(records(tier).refusals) == [0.0]


def test_instances_are_separate_machines_and_a_request_goes_to_the_least_busy():
    # Two instances of one core: visits at 0 go to the first and second, the third to
    # the first again (ties to the first). On instance 0 the two share a core:
    # the 1 s visit leaves at 2, the 3 s one at 2 + 2 = 4. The second machine's own
    # visit (1 s) runs alone: no core is lent across machines.
    tier, visits, _ = schedule([(0.0, 3.0), (0.0, 1.0), (0.0, 1.0)], instances=2, cores=1)
    assert [v.left for v in visits] == pytest.approx([4.0, 1.0, 2.0])
    cpu = records(tier).cpu
    assert cpu.cores == 2
    assert cpu.spent(np.array([4.0])) == pytest.approx([5.0])


def test_a_failed_instance_takes_no_new_request_and_finishes_its_own():
    env = Environment()
    tier = SharedTier(env, "cpu", 2, 1, 1, None, minutes=10)
    first, second, third = (Visit(tier, n) for n in "abc")
    tier.arrive(first, 2.0)  # on instance 0
    tier.resize(1)  # instance 1 fails: one worker left
    tier.arrive(second, 1.0)  # instance 0 is busy, 1 is down: waits
    env.timeout(3.0).callbacks.append(lambda e: tier.resize(2))  # instance 1 back at 3
    env.timeout(3.5).callbacks.append(lambda e: tier.arrive(third, 1.0))
    env.run(until=10)
    assert first.left == pytest.approx(2.0)
    assert second.left == pytest.approx(3.0)  # took instance 0 when the first left
    assert third.left == pytest.approx(4.5)  # instance 1, back up, was free
    assert tier.servers == 2


def test_a_visit_still_running_at_the_end_is_given_the_rest_of_its_work():
    tier, (visit,), _ = schedule([(0.0, 10.0)], until=4.0)
    assert visit.left is None
    assert records(tier).services == pytest.approx([10.0])


def test_pool_occupancy_and_cpu_utilization_are_reported_apart():
    # 4 workers on 1 core, two 1 s visits at once: both in service for 2 s (speed 1/2),
    # the core busy 2 s. Over [0, 4]: CPU 2 / (1 core x 4 s) = 50 %, the pool
    # 2 visits x 2 s / (4 workers x 4 s) = 25 %.
    from peakload.measure.observations import Timebase

    tier, _, _ = schedule([(0.0, 1.0), (0.0, 1.0)], workers=4, cores=1)
    stats = records(tier).stats((0.0, 4.0), Timebase())
    assert stats.utilization == pytest.approx(0.5)
    assert stats.pool_occupancy == pytest.approx(0.25)
    assert stats.mean_response_s == pytest.approx(2.0)
