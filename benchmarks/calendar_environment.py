"""Would a calendar queue instead of SimPy's heap flatten an attempt's cost at 100x? No.

SimPy keeps its pending events in a binary heap (``heapq`` on a list of
``(time, priority, id, event)`` entries): each event pays a push and a pop,
``log2`` of the events pending in comparisons. At the April peak some 40
events wait; at a hundred times the population and the servers, 1,140 (the
requests in service). An attempt then costs 1.4 to 1.6 times as much, and
cProfile puts the largest growth on ``heappop`` and SimPy's ``step``
(``python -m benchmarks.event_list_growth --profile``, docs/speed.md).

:class:`CalendarEnvironment` is SimPy's environment with the same entries in a
calendar queue (R. Brown, CACM 31(10), 1988), as :mod:`simulation.wakeups`
keeps the thinking users' wake-ups: an entry is appended to the bucket of
``width`` seconds its time falls in; when the current bucket's events are
done, the next bucket is sorted once and read in order; an entry due within
the bucket being read is inserted into it in order. Pushing is an append and
popping is reading the next entry of a sorted list, whatever the events
pending.

**The same order as SimPy's heap.** Entries are the heap's tuples, sorted by
the same keys (time, then priority, then the id SimPy gives each event as it
is scheduled), and buckets follow time, so a seeded run gives the same results
on either (tests/benchmarks/test_calendar_environment.py).

This script runs the April peak in state (``benchmarks.event_list_growth``'s
stretches) at 1x on SimPy's heap and at the factor on both, in fresh child
processes, alternating, the calendar's buckets sized to hold about
:data:`EVENTS_PER_BUCKET` events at the peak's expected rate. On 6 December, two
runs of four rounds, CPU µs per attempt (medians): 1x on the heap 9.0 and 8.65;
100x on the heap 14.0 and 12.08, on the calendar 13.6 and 12.73. Not faster
beyond the machine's noise, so the simulator keeps SimPy's own environment:
what grows at 100x is reaching events and objects made a while ago among many
more, which a calendar's buckets do as much as a heap's entries.

Usage: python -m benchmarks.calendar_environment [--factor 100] [--rounds 4]
"""

from __future__ import annotations

import argparse
import json
import statistics
from bisect import insort
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from simpy import Environment
from simpy.core import EmptySchedule, Infinity, SimTime, StopSimulation
from simpy.events import NORMAL, Event, EventPriority

import simulation.model as model_module
from benchmarks.event_list_growth import peak_attempt_us
from benchmarks.scale import APRIL, in_fresh_process, scaled
from peakload.core.scenario import Scenario
from peakload.core.scenario_file import load_scenario
from peakload.core.workload import ClosedWorkload

EVENTS_PER_BUCKET = 64.0
"""About how many events a bucket holds at the expected rate (at the 1x April peak
about 200 events a second, at 100x 20,000)."""

Entry = tuple[float, int, int, Event]
"""An event as SimPy's heap holds it: (time, priority, id, event)."""


class CalendarEnvironment(Environment):
    """A SimPy :class:`~simpy.core.Environment` whose events wait in buckets of ``width``
    seconds instead of one heap; everything else is SimPy's."""

    def __init__(self, initial_time: SimTime = 0, width: float = 0.01):
        super().__init__(initial_time)
        self._width = width
        self._buckets: dict[int, list[Entry]] = {}
        """Entries of the buckets after the current one, by bucket number, unsorted."""
        self._bucket = int(initial_time // width)
        """The bucket being read; an entry due in it or before goes into :attr:`_reading`."""
        self._reading: list[Entry] = []
        """The current bucket's entries, sorted; those before :attr:`_next` are done."""
        self._next = 0

    def schedule(self, event: Event, priority: EventPriority = NORMAL, delay: SimTime = 0) -> None:
        """Schedule ``event`` ``delay`` seconds from now, as SimPy's heap would."""
        time = self._now + delay
        entry = (time, priority, next(self._eid), event)
        bucket = int(time // self._width)
        if bucket <= self._bucket:
            insort(self._reading, entry, self._next)
            return
        held = self._buckets.get(bucket)
        if held is None:
            self._buckets[bucket] = [entry]
        else:
            held.append(entry)

    def _turn(self) -> None:
        """Read the next bucket that holds events (raise EmptySchedule if none does)."""
        buckets = self._buckets
        if not buckets:
            raise EmptySchedule
        bucket = self._bucket + 1
        for _ in range(64):  # a busy day: the next bucket or one soon after
            if bucket in buckets:
                break
            bucket += 1
        else:  # a quiet stretch: jump to the next bucket that holds anything
            bucket = min(buckets)
        self._bucket = bucket
        reading = buckets.pop(bucket)
        reading.sort()
        self._reading = reading
        self._next = 0

    def peek(self) -> SimTime:
        """The time of the next event, or :data:`~simpy.core.Infinity` if none is left."""
        if self._next < len(self._reading):
            return self._reading[self._next][0]
        if not self._buckets:
            return Infinity
        return min(self._buckets[min(self._buckets)])[0]

    def step(self) -> None:
        """Process the next event, as :meth:`simpy.core.Environment.step` does."""
        at = self._next
        if at == len(self._reading):
            self._turn()
            at = 0
        self._now, _, _, event = self._reading[at]
        self._next = at + 1
        callbacks: Any
        callbacks, event.callbacks = event.callbacks, None  # type: ignore[assignment]
        try:
            for callback in callbacks:
                callback(event)
        except StopSimulation:
            # As SimPy: the rest of the callbacks run first when the run resumes.
            event.callbacks = callbacks[callbacks.index(callback) + 1 :]
            self.schedule(event, EventPriority(-1))
            raise
        if not event._ok and not hasattr(event, "_defused"):
            exc = type(event._value)(*event._value.args)
            exc.__cause__ = event._value
            raise exc


def expected_events_per_s(scenario: Scenario) -> float:
    """About how many SimPy events a second the scenario's peak makes: its requests a
    second (users over their mean think, or the arrival rate), each a wake-up or an
    arrival and a service at every tier it visits. 0 when a closed workload does not
    think (its rate is not known before the run)."""
    workload = scenario.workload
    if isinstance(workload, ClosedWorkload):
        think = workload.think_time.mean
        if think <= 0:
            return 0.0
        rate = workload.profile.peak / think
    else:
        rate = workload.profile.peak
    by_name = {t.name: t for t in scenario.transactions}
    visits = sum(
        share * len(scenario.route(by_name[name])) for name, share in scenario.step_shares().items()
    )
    return rate * (1 + visits)


@contextmanager
def on_calendar(events_per_s: float) -> Iterator[None]:
    """Models built inside run on a :class:`CalendarEnvironment` whose buckets hold about
    :data:`EVENTS_PER_BUCKET` events at ``events_per_s``."""
    width = EVENTS_PER_BUCKET / events_per_s
    saved = model_module.Environment

    def calendar(initial_time: SimTime = 0) -> Environment:
        return CalendarEnvironment(initial_time, width)

    model_module.Environment = calendar  # type: ignore[misc,assignment]
    try:
        yield
    finally:
        model_module.Environment = saved  # type: ignore[misc]


def child(factor: int, event_list: str) -> float:
    """peakload's CPU µs per attempt at the peak at ``factor``, on ``heap`` or ``calendar``,
    in a fresh process."""
    args = ("--child", event_list, "--factor", str(factor))
    return float(in_fresh_process("benchmarks.calendar_environment", *args))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--factor", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--child", choices=("heap", "calendar"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "heap":
        print(json.dumps(peak_attempt_us(args.factor)))
        return
    if args.child == "calendar":
        rate = expected_events_per_s(scaled(load_scenario(APRIL), args.factor))
        with on_calendar(rate):
            print(json.dumps(peak_attempt_us(args.factor)))
        return
    runs: dict[str, list[float]] = {"1x heap": [], "heap": [], "calendar": []}
    for _ in range(args.rounds):
        runs["1x heap"].append(child(1, "heap"))
        runs["heap"].append(child(args.factor, "heap"))
        runs["calendar"].append(child(args.factor, "calendar"))
    print(f"CPU µs per attempt at the April peak, {args.rounds} rounds alternating:")
    for name, each in runs.items():
        label = name if name.startswith("1x") else f"{args.factor}x {name}"
        print(
            f"  {label:<14} median {statistics.median(each):6.2f}  "
            + ", ".join(f"{v:.2f}" for v in each)
        )


if __name__ == "__main__":
    main()
