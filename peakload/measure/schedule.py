"""Latency from the schedule, and whether an open workload's generator kept it.

An open workload fixes when each flow starts, before any answer comes back
(``loadtests/arrivals.py``). Two latencies follow for the flow's first request:

- from the **send time**: what the server and the network took;
- from the **scheduled time**: that plus however late the generator sent it
  (a busy event loop, a pool user still signing in). This is what the user
  who arrived at that moment waited.

A generator that falls behind sends late, and the requests it would have
sent during a stall are the ones that would have waited longest: measured
from the send, they look fast (coordinated omission, Gil Tene's term). So an
open workload's SLO is judged on the latency from the scheduled time; the
send-time figures stand beside it to show how much of it the generator
added. A closed workload has no schedule (a user sends after thinking, and
thinking starts at the answer), so both are the same and it is judged on the
send time.

The arrival log says what was scheduled, what began (and how late) and what
was dropped; :func:`open_saturation` judges the *generator* from it and from
its CPU, never from responses: a system that slows down is a finding about
the system, not a saturated generator.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import numpy as np

from peakload.measure.stats import max_by_bin, percentiles

LATE_START_S = 0.1  # an arrival begun this late was not sent on time
LATE_SHARE = 0.01  # more than this share of starts late: the generator did not keep the clock
UNBEGUN_SHARE = 0.01  # more than this share of due starts never begun (not dropped)
SATURATION_CPU_PCT = 90.0  # Locust warns above this; the generator then limits the rate
SATURATION_SPAN_S = 5  # ... held for this many one-second samples, not a momentary spike


class LatencyBasis(StrEnum):
    """Where a request's latency is measured from."""

    SCHEDULED = "scheduled"
    SENT = "sent"


WHY = {
    LatencyBasis.SCHEDULED: (
        "open workload: arrivals are due on the clock whatever the answers, so latency runs "
        "from each arrival's scheduled time; measured from the send, a generator that fell "
        "behind would hide the waits it caused (coordinated omission)"
    ),
    LatencyBasis.SENT: (
        "closed workload: a user sends when its think time ends, and thinking starts at the "
        "answer, so the send time is the schedule"
    ),
}


def basis(open_workload: bool) -> LatencyBasis:
    return LatencyBasis.SCHEDULED if open_workload else LatencyBasis.SENT


def judged_response(records: dict[str, np.ndarray], on: LatencyBasis) -> np.ndarray:
    """Each record's latency on ``on``: end minus scheduled time, or the response time."""
    if on is LatencyBasis.SCHEDULED and "scheduled" in records:
        return np.asarray(records["end"] - records["scheduled"])
    return records["response"]


def latency_section(
    records: dict[str, np.ndarray], in_window: np.ndarray, on: LatencyBasis
) -> dict[str, Any]:
    """Both latencies of the records in the window, and which one the SLO is judged on."""
    sent = records["response"][in_window]
    scheduled = judged_response(records, LatencyBasis.SCHEDULED)[in_window]
    return {
        "judged_on": on.value,
        "why": WHY[on],
        "from_scheduled": percentiles(scheduled),
        "from_sent": percentiles(sent),
        "late_requests": int(np.count_nonzero(scheduled - sent > LATE_START_S)),
    }


def arrival_section(
    arrivals: dict[str, np.ndarray],
    clock: np.ndarray,
    window: tuple[float, float],
    wall_length_s: float,
    intended_rps: float,
    pool_max: int,
) -> dict[str, Any]:
    """Scheduled, begun and dropped flow starts in the window (``clock`` is each
    arrival's scheduled time on the scenario clock), per wall second."""
    lo, hi = window
    inside = (clock >= lo) & (clock < hi)
    dropped = arrivals["dropped"][inside] == 1
    lag = (arrivals["began"] - arrivals["scheduled"])[inside]
    begun = np.isfinite(lag)
    signing = arrivals["waited_sign_in"][inside] == 1
    on_time_pool = lag[begun & ~signing]  # the generator's own lateness, not a sign-in's
    scheduled = int(np.count_nonzero(inside))
    length = max(wall_length_s, 1e-9)
    late = int(np.count_nonzero(on_time_pool > LATE_START_S))
    processes = int(arrivals.get("processes", 1))
    return {
        "intended_rps": intended_rps,
        "scheduled": scheduled,
        "scheduled_rps": scheduled / length,
        "started": int(np.count_nonzero(begun)),
        "started_rps": int(np.count_nonzero(begun)) / length,
        "dropped": int(np.count_nonzero(dropped)),
        "dropped_fraction": float(np.count_nonzero(dropped)) / scheduled if scheduled else 0.0,
        "never_begun": int(np.count_nonzero(~begun & ~dropped)),
        "started_after_sign_in": int(np.count_nonzero(begun & signing)),
        "late": late,
        "late_fraction": late / len(on_time_pool) if len(on_time_pool) else 0.0,
        "start_lag_mean_s": float(on_time_pool.mean()) if len(on_time_pool) else 0.0,
        "start_lag_p99_s": float(np.percentile(on_time_pool, 99)) if len(on_time_pool) else 0.0,
        "start_lag_max_s": float(on_time_pool.max()) if len(on_time_pool) else 0.0,
        "pool_max": pool_max,
        "pool_users_peak": _summed_peak(arrivals, "pool_users", processes),
        "in_flight_peak": _summed_peak(arrivals, "pool_busy", processes),
    }


def _summed_peak(arrivals: dict[str, np.ndarray], key: str, processes: int) -> int:
    """The largest per-process value, summed over processes (an upper bound on the
    pool's total at any one moment; exact with one process)."""
    values, process = arrivals[key], arrivals["process"]
    return int(sum(values[process == p].max(initial=0) for p in range(processes)))


def open_saturation(section: dict[str, Any], sustained_cpu: float, cpu_warning: bool) -> list[str]:
    """Why the generator did not keep the schedule (empty: it did).

    Judged on scheduled against begun arrivals and on the generator's CPU held
    over :data:`SATURATION_SPAN_S` seconds (:func:`cpu_reason`). A
    start dropped at the pool's cap is reported apart (:func:`dropped_reason`):
    the generator was told to hold no more users, it did not fall behind.
    """
    reasons = []
    if cpu_warning:
        reasons.append("Locust warned that its CPU was above 90 %")
    if (cpu := cpu_reason(sustained_cpu)) is not None:
        reasons.append(cpu)
    if section["late_fraction"] > LATE_SHARE:
        reasons.append(
            f"{section['late_fraction']:.1%} of flow starts began over "
            f"{LATE_START_S * 1000:.0f} ms after their scheduled time "
            f"(p99 {section['start_lag_p99_s'] * 1000:.0f} ms)"
        )
    scheduled = section["scheduled"]
    if scheduled and section["never_begun"] > UNBEGUN_SHARE * scheduled:
        reasons.append(f"{section['never_begun']} of {scheduled} scheduled flow starts never began")
    return reasons


def cpu_reason(sustained_cpu: float) -> str | None:
    """The saturation reason for a generator process that held its core busy, if it did.

    ``sustained_cpu`` is the busiest process's CPU averaged over
    :data:`SATURATION_SPAN_S` consecutive samples
    (:func:`peakload.measure.stats.sustained_peak`).
    """
    if sustained_cpu < SATURATION_CPU_PCT:
        return None
    return f"a generator process held {sustained_cpu:.0f} % of its core for {SATURATION_SPAN_S} s"


def dropped_reason(section: dict[str, Any]) -> str | None:
    if not section["dropped"]:
        return None
    return (
        f"{section['dropped']} of {section['scheduled']} scheduled flow starts dropped "
        f"({section['dropped_fraction']:.1%}): no free user with the pool at its cap of "
        f"{section['pool_max']} (--pool-max); the load offered fell short of the schedule"
    )


def arrival_series(
    arrivals: dict[str, np.ndarray],
    scheduled_clock: np.ndarray,
    sample_clock: np.ndarray,
    edges: np.ndarray,
    wall_widths: np.ndarray,
) -> dict[str, np.ndarray]:
    """Per bin: scheduled and begun flow starts per wall second, dropped starts (a count),
    and the pool's users and flows in flight (largest sample, summed over processes)."""
    bins = len(edges) - 1
    index = np.searchsorted(edges, scheduled_clock, side="right") - 1
    valid = (index >= 0) & (index < bins)

    def count(mask: np.ndarray) -> np.ndarray:
        return np.bincount(index[valid & mask], minlength=bins).astype(float)

    begun = np.isfinite(arrivals["began"])
    columns = {
        "arrivals_scheduled_rps": count(np.ones_like(begun)) / wall_widths,
        "arrivals_started_rps": count(begun) / wall_widths,
        "dropped": count(arrivals["dropped"] == 1),
    }
    processes = int(arrivals.get("processes", 1))
    for key, name in (("pool_users", "pool_users"), ("pool_busy", "in_flight")):
        total = np.zeros(bins)
        for p in range(processes):
            mine = arrivals["process"] == p
            peak = max_by_bin(sample_clock[mine], arrivals[key][mine].astype(float), edges)
            total += np.nan_to_num(peak)
        columns[name] = total
    return columns
