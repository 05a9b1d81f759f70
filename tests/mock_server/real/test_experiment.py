"""The real-service experiment of docs/real-service.md, scaled down: the stack pinned to
one core, the load generator to another, the model calibrated from the stack's own CPU
seconds by flow-prefix phases, then validated at a held-out level near 70 % busy.

The bounds are the experiment's (``examples/real-service/bounds.toml``: throughput 5 %,
utilization 5 points, mean response 15 %); validate widens each by the row's own noise
(the half-width of prediction less measurement), so the short windows here make the rows
wider, never the bounds. The prediction's half-width includes what the calibrated
demands' intervals make of it (calibration.json beside the model; docs/validate.md): a
170-second tour knows the mix's demand on the core to about +-5 %, i.e. +-3.4 points of
utilization at 70 %, and in one CI run the measurement sat 7.5 points above a prediction
that had been judged as exact. A row that disagrees beyond that fails the test, unless
it is one of the known gaps named at its end (an expected failure, which says so).
"""

from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path

import pytest

from benchmarks.held_out_waits import wait_ratio, waits
from loadtests.real_stack import RealStack
from peakload.cli import main
from peakload.measure.validation import Estimate

# It pins its own stack and generator to the machine's two cores and judges the CPU seconds
# the OS counts, so it runs alone (marked so), in make test-long-alone (about 5 minutes),
# with nothing beside it, not even at idle priority.
pytestmark = [pytest.mark.slow, pytest.mark.load, pytest.mark.long, pytest.mark.alone]

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "real-service"
UNITS = 300
REFERENCE_USERS = 100  # the model's level 1.0
TARGET_UTILIZATION = 0.7  # the held-out level: high, not saturated
WAIT_RATIO = 4.0
"""The most a major transaction may wait at the held-out level, over its
processor-sharing share at the measured utilization (``D U / (1 - U)``, the ratio of
``benchmarks/held_out_waits.py``), and still be the second known gap below. Over
eleven recorded runs of this test and of the procedure (4-6 December, none with a
probe on the stack's core) the search's ratio went from 1.07 to 3.38 (1.67 fitted over
nine), the other majors' up to 2.0 (docs/real-service.md, "The cheapest request
waits more than its share")."""
PLAN_SECONDS = 200
"""The tour's budget: 14 phases of 12 s (about 14 s each with their starts), two runs
more than the fit's 11 demands and background, so calibrate measures the runs' own
variation (``speed_sd``: it needs two runs to spare) and validate carries it into every
prediction, as the full procedure's does. The machine's speed moving between the tour
and the held-out level is then in the prediction's interval, not only in the known gap
below. (170 s gave 12 phases and no spare run: a CI run of 6 December measured the core
83.6 % against 69.5 +- 2.1 % predicted, the interval blind to the machine's 13 % speed
sd the full procedure measured within the hour.)"""
DRIFT_POINTS = 0.12
"""The most the stack's measured utilization may stand above the prediction and still be
the third known gap (docs/real-service.md): the held-out level's CPU per request differs
from the tour's minutes earlier by more than the tour's own interval. Over five CI runs
of this test (2-3 December) measured less predicted went from -9.3 to +10.0 points."""


def drift_stretch(predicted: float, measured: float, background: float) -> float:
    """How much slower the stack's drift alone makes a mean, from the stack's utilization
    ``predicted`` and ``measured``: the machine ran its work ``s`` times slower, ``s`` the
    busy time beyond the ``background`` measured over predicted, and a request on the
    busier core waits as processor sharing has it, ``1 / (1 - U)`` (docs/real-service.md,
    "It is the machine")."""
    speed = (measured - background) / max(predicted - background, 1e-9)
    return speed * (1.0 - predicted) / max(1.0 - measured, 1e-9)


def within_drift(row: dict, stretch: float) -> bool:
    """Whether a mean agrees, by validate's own rule, with its prediction slowed by the
    stack's drift (:func:`drift_stretch`): measured less ``stretch`` times predicted
    within the row's bound plus the noise of that difference, the prediction's upper
    half-width (``Estimate.side``, as validate judges a measurement above it) stretched
    alike. (It took a fixed 1.3 times the stretched prediction before; a CI run of 5
    December, 8.1 points busier than predicted, had the overall mean at 1.53 times its
    prediction against a stretch of 1.51, and single transactions past 1.96 times.)"""
    figure = {key: math.nan if value is None else value for key, value in row.items()}
    predicted = Estimate(
        figure["predicted"],
        figure["predicted_ci95"],
        figure["predicted_input_ci95"],
        figure["predicted_input_below"],
        figure["predicted_input_above"],
    )
    upper, measured_ci95 = predicted.side(upward=True), figure["measured_ci95"]
    noise = math.hypot(
        stretch * (0.0 if math.isnan(upper) else upper),
        0.0 if math.isnan(measured_ci95) else measured_ci95,
    )
    return row["measured"] - stretch * row["predicted"] <= row["bound"] + noise


def held_out_level(calibration: dict) -> float:
    """The level at which the calibrated model puts the stack near 70 % of its core.

    A fixed level cannot do: a request's CPU differs from one machine to another
    (about 3 ms on the machine this was first run on, about 6 ms on another of the same
    kind), so 115 users held the core at 69 % on one and saturated it on the other.
    Here the level follows the calibration: the mix's demand per request D, the work
    it leaves for later L, its time outside the tiers, the think time Z, the core's
    background b; throughput X = (U - b) / (D + L) at the target utilization U, the
    stack's response D / (1 - U) (processor sharing, open approximation), and users
    N = X (Z + response + outside).
    """
    mix = {name: share["model"] for name, share in calibration["mix"].items()}
    demands = calibration["demands"]
    outside_times = calibration.get("outside") or {}

    def stack_demand(name: str) -> float:
        """What the calibrated model carries: the estimate, or the prior where the fit
        put it at the bound."""
        found = demands.get(name, {}).get("stack", {})
        carried = found.get("prior") if found.get("at_bound") else found.get("estimate")
        return float(carried or 0.0)

    def stack_later(name: str) -> float:
        """The work its requests leave for later at the stack, as the model carries it."""
        return sum(
            float(piece["prior"] if piece["method"] == "prior" else piece["estimate"])
            for piece in (calibration.get("deferred") or {}).get(name, [])
            if piece["tier"] == "stack"
        )

    demand = sum(share * stack_demand(name) for name, share in mix.items())
    later = sum(share * stack_later(name) for name, share in mix.items())
    outside = sum(
        share * float(outside_times.get(name, {}).get("estimate") or 0.0)
        for name, share in mix.items()
    )
    think = float(calibration["think_time_s"]["model"])
    background = float(calibration["fit"]["stack"].get("background") or 0.0)
    # the background's share is taken, and the deferred work keeps the core busy too
    throughput = (TARGET_UTILIZATION - background) / (demand + later)
    users = throughput * (think + demand / (1 - TARGET_UTILIZATION) + outside)
    return round(users / REFERENCE_USERS, 2)


def cores() -> tuple[int, int]:
    """(the stack's core, the load generator's): two distinct CPUs this process may use."""
    allowed = sorted(os.sched_getaffinity(0))
    if len(allowed) < 2:
        allowed = sorted(range(os.cpu_count() or 1))
    if len(allowed) < 2:
        pytest.skip("the experiment pins the stack and the load generator to two cores")
    return allowed[0], allowed[1]


def test_the_calibrated_model_predicts_the_real_stack_at_a_held_out_level(tmp_path):
    stack_core, generator_core = cores()
    affinity = os.sched_getaffinity(0)
    busy = tmp_path / "busy.toml"
    # the context stops the stack however the body ends, a failed wait for it included
    with RealStack(tmp_path / "stack", units=UNITS, core=stack_core) as stack:
        busy.write_text(f'[tiers]\nstack = {{ process = "--port {stack.port}" }}\n')
        try:
            os.sched_setaffinity(0, {generator_core})  # the load generator's core, inherited
            code = main(
                ["calibrate", "--scenario", str(EXAMPLE / "model.toml"), "--plan",
                 "--host", stack.url, "--busy-time", str(busy), "--phase-seconds", "12",
                 "--plan-seconds", str(PLAN_SECONDS), "--interval", "1",
                 "--out", str(tmp_path / "cal"), "--no-plots", "--quiet"]
            )  # fmt: skip
            (cal_dir,) = (tmp_path / "cal").iterdir()
            calibration = json.loads((cal_dir / "calibration.json").read_text())
            assert code in (0, 1), code  # 1: inconclusive, said in calibration.json
            unpinned = left_at_zero(calibration)
            if unpinned:
                pytest.xfail(f"known: the {PLAN_SECONDS} s tour left {unpinned} at 0")
            assert calibration["fit_for_prediction"], calibration["inconclusive"]
            model = cal_dir / "model-calibrated.toml"
            text = model.read_text()
            assert re.search(r'name = "outside"\nkind = "delay"', text), text[-800:]
            code = main(
                ["validate", "--scenario", str(model), "--host", stack.url,
                 "--busy-time", str(busy), "--levels", str(held_out_level(calibration)),
                 "--bounds", str(EXAMPLE / "bounds.toml"), "--min-requests", "3000",
                 "--warmup", "10", "--max-minutes", "2", "--replications", "3",
                 "--out", str(tmp_path / "val"), "--no-plots", "--quiet"]
            )  # fmt: skip
        finally:
            os.sched_setaffinity(0, affinity)
    (val_dir,) = (tmp_path / "val").iterdir()
    doc = json.loads((val_dir / "validation.json").read_text())
    # The calibration beside the model was found, and its demands' intervals are in every
    # prediction's half-width (a short tour knows the mix's demand to a few per cent).
    assert doc["calibration"] == str(cal_dir / "calibration.json"), doc["calibration"]
    known = judge(calibration, doc)
    if known:
        pytest.xfail(known)


def left_at_zero(calibration: dict) -> str | None:
    """The major demands a tour left at the zero bound, each with its 95 % interval, if
    those are all that made the calibration inconclusive; else None.

    The fourth known outcome: a short tour on this machine pins a write's demand by the
    difference between two phases' busy time, and when the machine's speed moved
    between them (13 to 18 % sd phase to phase, docs/real-service.md) the difference
    can come out negative. The fit then puts the demand at 0 with an interval that
    holds its true value, and calibrate rightly calls the calibration inconclusive and
    says to run longer (a CI run of 6 December: ``submit_payment`` at 0 [0, 5.28] ms,
    about 3.4 ms measured a request at a time). Any other reason, or a demand at 0 whose
    interval is 0 too (the model routes it wrongly), is no known outcome and fails."""
    lines = calibration["inconclusive"]
    if not lines or not all("the fit put it at 0" in line for line in lines):
        return None
    found = []
    for line in lines:  # "transaction.tier (14% of requests): the fit put it at 0 ..."
        name, tier = line.split(" (")[0].rsplit(".", 1)
        demand = calibration["demands"][name][tier]
        if not demand["at_bound"] or demand["ci95"][1] <= 0:
            return None
        found.append(f"{name}.{tier} [0, {1000 * demand['ci95'][1]:.2f}] ms")
    return ", ".join(found)


def judge(calibration: dict, doc: dict) -> str | None:
    """The experiment's verdict on a validation ``doc`` (validation.json) of the model
    ``calibration`` (calibration.json) built: None if every row that matters agrees;
    what known gap each disagreement is, if each is one; an AssertionError otherwise.
    (A function of the two files, so recorded runs can be judged again.)"""
    (level,) = doc["levels"]
    rows = {row["metric"]: row for row in level["rows"]}
    utilization = rows["tiers.stack.utilization"]
    assert utilization["predicted_input_ci95"] > 0, utilization
    # The level is where this calibration puts the core near 70 % busy (held_out_level);
    # the simulated closed network and the short calibration's own sampling move the
    # prediction around that (75-83 % predicted, 69-79 % measured in two runs at a
    # fixed level): a high level, not a saturated one, is what is held.
    assert 0.55 <= utilization["predicted"] <= 0.9, utilization
    assert 0.45 <= utilization["measured"] <= 0.9, utilization
    # Throughput, the stack's utilization and the mean of every transaction carrying
    # >= 5 % of requests should agree within the bound plus the row's own noise.
    mattering = {m for m, row in rows.items() if row["matters"]}
    major = {m for m in mattering if m.startswith("transactions.") and m.endswith(".mean_s")}
    assert len(major) >= 5, sorted(mattering)  # the payment flow's steps at least
    assert {"overall.throughput_rps", "tiers.stack.utilization"} <= mattering
    throughput = rows["overall.throughput_rps"]
    assert throughput["verdict"] != "disagree", throughput
    failing = {m: rows[m] for m in mattering if rows[m]["verdict"] == "disagree"}
    if not failing:  # the p95s and the minor transactions are reported, not judged here
        return None
    # The known gaps (docs/real-service.md, "What the model does not capture"):
    # - a demand the short tour overestimated beyond its own interval: the core's
    #   background is fitted now (it made every demand high before, 15 points of
    #   utilization over), but a 170 s tour still leaves the cheapest read,
    #   get_payment, overpredicted in some runs: expenditure control's CPU for each
    #   submitted order (0.47 ms, seconds later, on no request's path) is charged by
    #   the utilization law to the transactions that follow submissions, get_payment
    #   first (docs/real-service.md, "Work a request leaves for later");
    # - the core is not shared alike: near 70 % busy a request waits longer than
    #   processor sharing gives it, the search most (1.67 times its share over nine
    #   runs, the writes 1.04 to 1.22), and a round-robin quantum does not explain it
    #   (it would make the writes wait half their share); a mean slower than predicted
    #   is this gap while its wait is within WAIT_RATIO times its share (the share of its
    #   demand's upper 95 % end, as a poorly known demand allows). (Until reads ran
    #   in the thread pool too, the writes alone waited so, for the GIL behind reads the
    #   event loop ran to their end.) A CI run of 6 December, 72.9 % busy against 69.4 %
    #   predicted, had the search decisively slower than its prediction of 2.2 ms.
    # - the stack's CPU per request at the held-out level is not the tour's of minutes
    #   before: over five CI runs the measured utilization less the predicted went from
    #   -9.3 to +10.0 points, beyond the tour's own interval either way; an
    #   underprediction up to DRIFT_POINTS is this gap, and with it every mean slower,
    #   reads too, each agreeing with what the drift makes of it (within_drift:
    #   a CI run of 5 December measured 79.2 % against 71.6 %, and the search at 1.7
    #   times its prediction, the writes at 1.65 to 1.8, where the drift gives 1.52).
    # Any other disagreement fails: a mean that waits more than WAIT_RATIO times its
    # share, or the stack's utilization underpredicted beyond DRIFT_POINTS.
    slower = {m for m, row in failing.items() if row["predicted"] < row["measured"]}
    busier = utilization["measured"] - utilization["predicted"] > 0.05
    drifted: set[str] = set()
    if busier:  # the drift between the tour and the held-out level, bounded where the
        # utilization itself disagrees: within its interval, which holds the runs' own
        # speed (PLAN_SECONDS), the drift is the prediction's noise, not a gap
        if utilization["verdict"] == "disagree":
            assert utilization["measured"] - utilization["predicted"] <= DRIFT_POINTS, failing
        slower.discard("tiers.stack.utilization")
        # every mean is slower on a slower machine, reads too: each within what the
        # drift makes of it, and its own noise
        background = calibration["fit"]["stack"]["background"] or 0.0
        stretch = drift_stretch(utilization["predicted"], utilization["measured"], background)
        drifted = {m for m in slower if m.endswith(".mean_s")}
        beyond = {m: rows[m] for m in drifted if not within_drift(rows[m], stretch)}
        assert not beyond, (stretch, beyond)
        slower -= drifted
    assert slower <= major, failing
    names = sorted(m.split(".")[1] for m in slower)  # transactions.NAME.mean_s
    estimated = waits(calibration, rows, "stack", names)
    ratios = {name: wait_ratio(*wait) for name, wait in estimated.items()}
    # judged on the largest share the tour allows each (its demand's upper 95 % end): a
    # demand it knows poorly, its estimate near 0, says nothing of the wait over its share
    widest = waits(calibration, rows, "stack", names, upper=True)
    beyond = {name: ratios[name] for name, wait in widest.items() if wait_ratio(*wait) > WAIT_RATIO}
    assert not beyond, (beyond, failing)
    gap = utilization["predicted"] - utilization["measured"]
    over = sorted(m for m, row in failing.items() if row["predicted"] >= row["measured"])
    known = [f"{over} overpredicted (a demand the tour overestimated)"] if over else []
    if ratios:
        waited = ", ".join(f"{name} {ratio:.2f}" for name, ratio in ratios.items())
        known.append(f"underpredicted, waiting beyond processor sharing's share ({waited} times)")
    if busier:
        known.append(
            f"the stack's utilization underpredicted (CPU per request drifted), and with it "
            f"{sorted(drifted)} slower"
        )
    return f"known: at the held-out level {'; '.join(known)}; utilization {100 * gap:+.1f} points"
