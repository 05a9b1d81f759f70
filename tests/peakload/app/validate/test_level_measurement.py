"""A level measured from a real load test of the mock: the think control and the draws'
control read from what the generator and the mock actually wrote, not from fakes."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import pytest

from peakload.app.loadtest.job import LoadTestOptions, loadtest
from peakload.app.validate.level_measurement import Segment, measure
from peakload.measure.validation import measured_estimates

SMOKE = Path(__file__).resolve().parents[4] / "scenarios" / "ci-smoke.toml"
STALL_S = 0.01
"""The mean response's batch half-width past which the machine, not the draws, sets
the utilizations' spread: ci-smoke's db holds 4 to 12 ms, the app 8 to 50."""


@pytest.mark.load
@pytest.mark.untimed
def test_a_load_tests_thinks_and_draws_narrow_its_throughput_and_utilizations(tmp_path):
    # 60 s of wall: about 25 cycles of each user in the window, where the think
    # control halves the interval (a shorter window has too few; think_control.py)
    run = loadtest(LoadTestOptions(SMOKE, compress=20.0, out=tmp_path))
    measured = measure([Segment(run, run.plan)])
    summary = measured.summary
    assert measured.think is not None
    (window,) = measured.think.windows
    assert window.users == 60  # ci-smoke's users, every one active in the window
    assert window.cycle_s == pytest.approx(2.0 + 0.03, rel=0.15)  # a 2 s think and a step
    plain = measured_estimates(summary, [], measured.batches, measured.tiers)
    controlled = measured_estimates(
        summary, [], measured.batches, measured.tiers, measured.think, measured.busy
    )
    throughput = "overall.throughput_rps"
    # The thinks' luck moves the count by about its own Poisson noise, 1 / sqrt(n)
    # relative: the two differ by no more than four of those
    requests = summary["overall"]["requests"]
    near = 4 / math.sqrt(requests)
    assert controlled[throughput].value == pytest.approx(plain[throughput].value, rel=near)
    # The control takes the thinks' spread out: what is left of the users' part is
    # under half the plain interval (0.22-0.24 of it here, alone or four at once).
    # The server's share, added from the mean response's batch half-width, is the
    # machine's: one CI, busier than this one, slowed responses by about 0.1 s
    # from batch to batch, and the whole came out 1.45 against 1.56 plain: the
    # narrower, by less than a stall's luck would keep (STALL_S below).
    users = measured.think.estimate(0.0)[1]
    assert users < plain[throughput].ci95 / 2
    stalled = plain["overall.mean_s"].ci95 > STALL_S
    assert stalled or controlled[throughput].ci95 < plain[throughput].ci95
    assert set(measured.busy) == {"gateway", "app", "signature", "db"}
    # every answer the emulating mock gave said the demand its request drew
    assert measured.drawn_share == pytest.approx(1.0, abs=0.01)
    for tier in measured.busy:
        metric = f"tiers.{tier}.utilization"
        assert controlled[metric].value == pytest.approx(plain[metric].value, rel=0.15)
        assert math.isfinite(controlled[metric].ci95)
    # Where the draws make the busy time's spread, taking them out narrows it. The
    # gateway's not always: the mock counts the event loop's lag past each hold as
    # busy time, and no draw explains it. A lag that comes and goes with the
    # machine's other work (CI runs this beside three other tests on two cores) is
    # a few per cent of the 8-50 ms holds of app, signature and db, but can be half
    # of the gateway's 2 ms. The gateway's half-width: 0.00024 controlled against
    # 0.00067 plain alone, 0.00019-0.00020 against 0.00076-0.00084 four at once
    # here, 0.00084 against 0.00073 in one CI. A machine that stalls the loop for
    # longer than the holds themselves (the CI above moved the mean response by
    # ~0.1 s from batch to batch; 1.6-1.9 ms here) adds the stall to every hold in
    # flight, and no claim about the draws' share of the spread is made there.
    if stalled:
        warnings.warn(
            f"the machine stalled (mean response ±{plain['overall.mean_s'].ci95:.3f} s "
            "batch to batch): the controls' narrowing of the throughput and the "
            "utilizations not checked",
            stacklevel=1,
        )
    for tier in ("app", "signature", "db"):
        metric = f"tiers.{tier}.utilization"
        assert stalled or controlled[metric].ci95 < plain[metric].ci95
