"""A tier with cores: its workers share them by processor sharing, on the schedule.

The pool runs on the real event loop, with its real lag; what it reports is on
its schedule. So each visit is checked exactly against processor sharing worked
out here, independently (remaining work drained event by event), from the
same arrival times and demands. Then the whole app, under Poisson traffic, is
checked against the closed form (M/M/1, M/M/2) within an interval its own
sample gives (benchmarks/mock_processor_sharing.py, which prints the same
comparison over longer runs).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque

import numpy as np
import pytest

from benchmarks.mock_processor_sharing import Estimate, erlang_c_response, measure, one_tier
from mock_server.shared_cores import SharedCoresPool
from mock_server.visit import Overloaded, Visit

pytestmark = [pytest.mark.anyio, pytest.mark.load]

# load: the hand-worked checks judge a tier's times to 2 ms, so they run with the timed
# load tests, on a core of their own, not at idle priority beside them (make test).

# How late the 99th percentile send may be for a miss to count: past it the arrivals were
# held up (2.6 ms on a quiet core) and a run that missed is measured again.
LATE_P99_S = 0.02


def judged(estimate: Estimate, expected_s: float) -> bool:
    """Narrow enough that the check could have failed, and the closed form inside it."""
    return estimate.half_width_s < 0.3 * expected_s and estimate.agrees_with(expected_s)


@pytest.fixture
def anyio_backend():
    return "asyncio"


def processor_sharing(
    arrivals: list[float], demands: list[float], cores: int, workers: int
) -> list[float]:
    """Finish times of one instance: up to ``workers`` in service share ``cores``
    (each at min(1, cores / n)), the rest wait first come first served. A
    completion at the moment of an arrival happens first."""
    finish = [0.0] * len(arrivals)
    remaining: dict[int, float] = {}
    queue: deque[int] = deque()
    now, following = 0.0, 0
    while following < len(arrivals) or remaining:
        speed = min(1.0, cores / len(remaining)) if remaining else 0.0
        soonest = min(remaining.values(), default=np.inf)
        done_at = now + soonest / speed if remaining else np.inf
        arrive_at = arrivals[following] if following < len(arrivals) else np.inf
        step_to = min(done_at, arrive_at)
        for job in remaining:
            remaining[job] -= (step_to - now) * speed
        now = step_to
        if done_at <= arrive_at:
            for job in [j for j, left in remaining.items() if left <= 1e-12]:
                finish[job] = now
                del remaining[job]
            while queue and len(remaining) < workers:
                job = queue.popleft()
                remaining[job] = demands[job]
        else:
            if len(remaining) < workers and not queue:
                remaining[following] = demands[following]
            else:
                queue.append(following)
            following += 1
    return finish


def together(visits: list[Visit]) -> bool:
    """Whether requests sent in one turn of the loop also arrived within a millisecond:
    a loaded machine can stop the process between two of them (4 ms seen in CI), and
    the figures worked out by hand assume they did not."""
    arrived = [v.arrived for v in visits]
    return max(arrived) - min(arrived) < 1e-3


async def poisson_visits(
    pool: SharedCoresPool, rate: float, demands: np.ndarray, rng: np.random.Generator
) -> list[Visit]:
    """Send ``demands`` at the times of a seeded Poisson process (each send at its
    scheduled time, so a late wake-up does not shift the ones after it)."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    times = start + np.cumsum(rng.exponential(1 / rate, len(demands)))
    tasks = []
    for at, demand in zip(times, demands, strict=True):
        await asyncio.sleep(max(0.0, at - loop.time()))
        tasks.append(asyncio.ensure_future(pool.serve(float(demand))))
    return list(await asyncio.gather(*tasks))


def check_against_reference(visits: list[Visit], cores: int, workers: int) -> None:
    arrived = [v.arrived for v in visits]
    assert arrived == sorted(arrived)
    t0 = arrived[0]
    expected = processor_sharing(
        [a - t0 for a in arrived], [v.demand for v in visits], cores, workers
    )
    finished = [v.finished - t0 for v in visits]
    assert finished == pytest.approx(expected, abs=1e-9)


async def test_three_requests_on_one_core_finish_as_processor_sharing_says():
    # Demands 30, 60 and 90 ms at once on one core: each runs at a third of the core
    # until the first is done (90 ms), then at half (second done 60 ms later), then
    # alone: 90, 150 and 180 ms; one core, so the CPU used is the 180 ms of demand.
    pool = SharedCoresPool("app", instances=1, workers=8, cores=1, queue_limit=None)
    visits = await asyncio.gather(*(pool.serve(d) for d in (0.03, 0.06, 0.09)))
    check_against_reference(visits, cores=1, workers=8)  # exact, whenever they arrived
    if together(visits):  # a loaded machine may stop the process between two arrivals
        responses = [v.finished - visits[0].arrived for v in visits]
        assert responses == pytest.approx([0.09, 0.15, 0.18], abs=2e-3)
    assert pool.busy_seconds == pytest.approx(0.18, abs=1e-12)
    assert pool.completions == 3 and pool.busy == 0
    # None waited for a worker; their time beyond their demand was sharing the core.
    at_tier = sum(v.response_s for v in visits)
    assert pool.worker_wait_seconds == pytest.approx(0.0, abs=1e-9)
    assert pool.wait_seconds == pytest.approx(at_tier - 0.18, abs=1e-9)
    assert pool.held_seconds == pytest.approx(at_tier, abs=1e-9)


async def test_a_background_slows_the_core_and_counts_in_its_busy_time():
    # background 0.2: requests get 0.8 of the core, so the 30, 60 and 90 ms demands take
    # as long as 37.5, 75 and 112.5 ms would on a whole core; the CPU reported is theirs
    # (180 ms) plus a fifth of the core since the tier started, as the OS would say.
    pool = SharedCoresPool("app", instances=1, workers=8, cores=1, queue_limit=None,
                           background=0.2)  # fmt: skip
    visits = await asyncio.gather(*(pool.serve(d) for d in (0.03, 0.06, 0.09)))
    t0 = visits[0].arrived
    expected = processor_sharing(
        [v.arrived - t0 for v in visits], [v.demand / 0.8 for v in visits], 1, 8
    )
    assert [v.finished - t0 for v in visits] == pytest.approx(expected, abs=1e-9)
    assert pool.busy_seconds == pytest.approx(0.18, abs=1e-12)  # the requests' own
    before = pool.clock()
    reported = pool.cpu_seconds()
    after = pool.clock()
    low, high = (0.18 + 0.2 * (t - pool.started) for t in (before, after))
    assert low - 1e-12 <= reported <= high + 1e-12


async def test_two_cores_run_two_requests_at_full_speed_and_share_past_that():
    # Two cores: two requests run at full speed, four share them at half speed each.
    pool = SharedCoresPool("app", instances=1, workers=8, cores=2, queue_limit=None)
    pair = await asyncio.gather(*(pool.serve(0.02) for _ in range(2)))
    assert all(v.response_s == pytest.approx(0.02, abs=2e-3) for v in pair)
    four = await asyncio.gather(*(pool.serve(0.02) for _ in range(4)))
    check_against_reference(four, cores=2, workers=8)
    if together(four):
        assert all(v.response_s == pytest.approx(0.04, abs=2e-3) for v in four)


async def test_past_the_workers_requests_wait_their_turn_in_arrival_order():
    # One worker: no sharing at all, first come first served (M/M/1 FCFS in effect).
    pool = SharedCoresPool("app", instances=1, workers=1, cores=4, queue_limit=None)
    visits = await asyncio.gather(*(pool.serve(0.01) for _ in range(5)))
    finished = [v.finished - visits[0].arrived for v in visits]
    assert finished == pytest.approx([0.01, 0.02, 0.03, 0.04, 0.05], abs=2e-3)
    assert pool.max_queue == 4
    # wait = time at the tier less the demand: 0 + 10 + 20 + 30 + 40 ms when they arrive
    # together, all of it for the worker (one at a time, nothing shared); each held its
    # worker 10 ms
    assert pool.wait_seconds == pytest.approx(sum(v.response_s for v in visits) - 0.05, abs=1e-9)
    if together(visits):
        assert pool.wait_seconds == pytest.approx(0.10, abs=2e-3)
    assert pool.worker_wait_seconds == pytest.approx(pool.wait_seconds, abs=1e-9)
    assert pool.held_seconds == pytest.approx(0.05, abs=1e-9)


async def test_a_stalled_loop_does_not_shift_the_schedule():
    # The loop is blocked for 80 ms while three requests share a core: their timers
    # fire late, yet each finishes when processor sharing says, and the request that
    # arrives after the stall finds the tier as the schedule left it.
    pool = SharedCoresPool("app", instances=1, workers=8, cores=1, queue_limit=None)
    first = asyncio.ensure_future(asyncio.gather(*(pool.serve(d) for d in (0.01, 0.02, 0.2))))
    await asyncio.sleep(0)
    time.sleep(0.08)  # blocks the event loop: no timer can fire
    late = await pool.serve(0.01)
    visits = [*await first, late]
    check_against_reference(visits, cores=1, workers=8)
    start = visits[0].arrived
    assert visits[0].finished - start == pytest.approx(0.03, abs=2e-3)  # not at ~0.08
    assert visits[1].finished - start == pytest.approx(0.05, abs=2e-3)
    assert pool.busy_seconds == pytest.approx(0.24, abs=1e-9)


@pytest.mark.parametrize(("cores", "workers"), [(1, 100), (2, 8), (2, 3)])
async def test_every_visit_matches_processor_sharing_under_poisson_load(cores, workers):
    # ~0.75 of the cores busy, exponential demands: queues, sharing and hand-offs at
    # every turn, on the real loop; each finish time is exactly processor sharing's
    # for the arrivals the tier saw.
    rng = np.random.default_rng(20261202 + cores * 10 + workers)
    pool = SharedCoresPool("app", instances=1, workers=workers, cores=cores, queue_limit=None)
    demands = rng.exponential(0.004, 400)
    visits = await poisson_visits(pool, 0.75 * cores / 0.004, demands, rng)
    check_against_reference(visits, cores, workers)
    assert pool.busy_seconds == pytest.approx(demands.sum(), rel=1e-9)
    assert pool.completions == 400 and pool.busy == 0 and not pool.waiting
    responses = np.array([v.response_s for v in visits])
    assert pool.wait_seconds == pytest.approx((responses - demands).sum(), rel=1e-9, abs=1e-9)
    # at the tier = waiting for a worker + holding one
    total = pool.worker_wait_seconds + pool.held_seconds
    assert total == pytest.approx(responses.sum(), rel=1e-9)


async def test_a_request_goes_to_the_instance_with_fewest_in_service():
    # Two instances of one core: two requests run side by side at full speed, on
    # one each, where one instance would have shared its core between them.
    pool = SharedCoresPool("app", instances=2, workers=4, cores=1, queue_limit=None)
    visits = await asyncio.gather(pool.serve(0.02), pool.serve(0.02))
    assert [v.response_s for v in visits] == pytest.approx([0.02, 0.02], abs=2e-3)
    assert pool.cores == 2 and pool.servers == 8


async def test_past_the_queue_limit_a_request_is_refused():
    pool = SharedCoresPool("app", instances=1, workers=2, cores=1, queue_limit=1)
    first = [asyncio.ensure_future(pool.serve(0.05)) for _ in range(3)]  # 2 served, 1 waits
    await asyncio.sleep(0)
    with pytest.raises(Overloaded):
        await pool.serve(0.05)
    await asyncio.gather(*first)
    assert pool.refusals == 1 and pool.completions == 3


async def test_cpu_seconds_grow_while_requests_are_in_service():
    # Read mid-service, the CPU used counts the share the requests have had so far.
    pool = SharedCoresPool("app", instances=1, workers=4, cores=1, queue_limit=None)
    task = asyncio.ensure_future(asyncio.gather(pool.serve(0.2), pool.serve(0.2)))
    await asyncio.sleep(0.05)
    midway = pool.cpu_seconds()
    assert 0.0 < midway < 0.4
    await task
    assert pool.cpu_seconds() == pytest.approx(0.4, abs=1e-9)


async def test_a_drill_stops_admissions_on_lost_instances_and_restores_them():
    pool = SharedCoresPool("app", instances=2, workers=1, cores=1, queue_limit=None)
    pool.resize(1)  # one instance of two lost: one worker left
    assert pool.servers == 1 and pool.lost == 1
    visits = await asyncio.gather(*(pool.serve(0.01) for _ in range(3)))
    finished = sorted(v.finished - visits[0].arrived for v in visits)
    assert finished == pytest.approx([0.01, 0.02, 0.03], abs=2e-3)  # one at a time
    pool.resize(2)
    assert pool.servers == 2 and pool.lost == 0


async def test_a_cancelled_request_leaves_and_hands_its_worker_on():
    # One worker: a 1 s request is cancelled 10 ms in; the one waiting behind it starts
    # then, so the CPU used is the cancelled one's share plus 10 ms: the time from the
    # cancelled one's arrival to the waiting one's end. The two arrive in one turn of
    # the loop, but a loaded machine may stop the process between them (4 ms seen in
    # CI), so that time is bounded by the waiting one's whole time at the tier below and
    # by the time since just before both were sent above.
    pool = SharedCoresPool("app", instances=1, workers=1, cores=1, queue_limit=None)
    sent = pool.clock()
    served = asyncio.ensure_future(pool.serve(1.0))
    waiting = asyncio.ensure_future(pool.serve(0.01))
    await asyncio.sleep(0.01)
    served.cancel()
    with pytest.raises(asyncio.CancelledError):
        await served
    visit = await waiting
    assert pool.completions == 1  # the cancelled one never finished
    assert visit.response_s - 2e-3 <= pool.busy_seconds <= visit.finished - sent + 2e-3
    assert pool.busy == 0 and not pool.waiting


@pytest.mark.slow
@pytest.mark.load
@pytest.mark.parametrize(
    ("cores", "workers", "demand_s"),
    [(1, 100, 0.012), (2, 8, 0.024)],
    ids=["cores1-is-MM1", "cores2-workers8-is-MM2"],
)
async def test_mean_response_under_poisson_traffic_is_the_closed_form(
    tmp_path, cores, workers, demand_s
):
    # 50 req/s through the app's route at 0.6 utilization of the cores, exponential
    # demands: processor sharing on one core has M/M/1's mean response, D / (1 - rho)
    # = 30 ms; eight workers sharing two cores have M/M/2's (the number at the tier is
    # the same birth-death process), 37.5 ms. 40 s measured in 20 batches; the 99.9 %
    # interval comes from the batches (the utilization as control variate), about
    # +/- 20 % here: wide enough to pass on a busy machine, narrow enough to fail a
    # tier that ignored its cores (-36 % for two cores as eight servers) or shared one.
    # The closed form needs the Poisson arrivals to happen: on a quiet core the 99th
    # percentile send is 2.6 ms late (40.0 s, seed 7: 28.75 ms +/- 5.43 against M/M/1's
    # 30). A run that misses while its sends were held up (92.8 ms late at p99 in one CI:
    # 32.56 +/- 9.33, too wide to judge) measured the machine, not the tier, so the same
    # sample is measured again, at most twice; a miss with sends on time fails at once.
    rate = 0.6 * cores / demand_s
    expected = erlang_c_response(rate, demand_s, cores)
    runs: list[Estimate] = []
    for run in range(3):
        db_dir = tmp_path / f"run{run}"
        db_dir.mkdir()
        estimate = await measure(one_tier(demand_s, workers, cores), rate, 40.0, 7, db_dir)
        runs.append(estimate)
        if judged(estimate, expected) or estimate.late_p99_s <= LATE_P99_S:
            break
    assert estimate.completions > 1500
    assert judged(estimate, expected), (
        f"mean response {estimate.mean_s * 1000:.2f} ms +/- {estimate.half_width_s * 1000:.2f}"
        f" against {expected * 1000:.2f} (run {len(runs)}; sends p99 late in each:"
        f" {', '.join(f'{r.late_p99_s * 1000:.1f}' for r in runs)} ms),"
        f" gaps' CV {estimate.gap_cv:.2f} (Poisson 1: above ~1.1 the arrivals were bunched by"
        " CPU contention, see benchmarks/mock_processor_sharing.py)"
    )
