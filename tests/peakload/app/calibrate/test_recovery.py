"""Recovery end to end: ``calibrate --plan`` with its default flags against a mock
serving a truth the model does not know (ci-smoke with app, db and signature demands
scaled 0.5-2.5x per transaction), for a seeded truth. The default tour runs to its
15-minute cap (its +-15 % precision is not reached on ci-smoke's small demands), so
``make test-long`` checks one truth (seed 11) with the tour's first round alone
(every phase once on one mock: 30 s measured and about 6 s of start and stop
each, some 7 minutes), where the bars below already hold;
``benchmarks/calibration_tour.py --seeds 11 12 13`` measures the default flags on three
truths.

The issue's bar: each tier's mean demand per request (weighted by the day's
step mix) within 8 % of the truth; every demand of a transaction carrying at
least 5 % of requests within 20 %; all of them marked identifiable; and the
calibration fit for prediction (exit 0).

Two things stand between an estimate and the nominal truth, and the test
keeps them apart:

- the estimator's own error: the tier means are checked against what the mock
  *delivered* (the busy seconds it accrued per visit, which differ from the
  truth's means by the sampling of each visit's service time) within 8 %;
- the sampling: the mock draws each visit's service time, so the mean it
  delivered to ``n`` visits is off the nominal by ``cv / sqrt(n)``. Against the
  nominal truth the bar is the issue's, widened to three standard deviations
  where the tour is too short to hold it: the sampling's and the estimate's own
  (its 95 % interval) combined as independent errors.

The message prints every figure.
"""

from __future__ import annotations

import pytest

from peakload.app.calibrate.job import calibrate
from peakload.app.calibrate.options import CalibrateOptions
from peakload.core.scenario_file import load_scenario
from tests.peakload.app.calibrate.recovery import emulation_excess, recovery, sampling_sd, step_mix
from tests.peakload.app.calibrate.truth import CI_SMOKE, write_truth

pytestmark = pytest.mark.load  # real traffic (how make test-long runs it: the Makefile)

# The tour's first round alone: every phase once (30 s each, in the default 2 s windows),
# none rerun: 564 s when each phase started its own mock and wrote report.html, 435 s
# with one mock for the tour (load average 5 to 11 both times); a 600 s budget ran two or
# three phases more (574 s in CI, with a mock per phase).
# Shorter phases in 1 s windows were tried and refused: on a loaded machine the busy-time
# samples came up to 4 s apart and a phase kept fewer than the 10 windows calibrate needs.


@pytest.mark.slow
@pytest.mark.long  # a 7-minute tour (make test-long)
@pytest.mark.beside  # judges busy time, not waits: CI runs it at nice 19 beside make test
def test_plan_recovers_a_truth_the_model_does_not_know(tmp_path, seed=11):
    truth = tmp_path / "truth.toml"
    write_truth(truth, seed)
    done = calibrate(
        CalibrateOptions(
            CI_SMOKE,
            plan=True,
            serve_scenario_path=truth,
            out=tmp_path,
            plots=False,
            precision=float("inf"),  # one round: every phase once, none rerun
        )
    )
    tiers, major = recovery(done.run_dir / "calibration.json", truth, CI_SMOKE)
    excess = emulation_excess(done.runs, truth)
    model = load_scenario(CI_SMOKE)
    mix = step_mix(model)
    routes = {t.name: set(t.demand) for t in load_scenario(truth).transactions}
    lines = [
        f"{r.name}: truth {r.truth * 1000:.2f} ms, estimate {r.estimate * 1000:.2f} ms, "
        f"error {r.error:+.1%}"
        for r in tiers + major
    ]
    lines.append(
        "mock's busy time per visit beyond the truth (emulation overshoot): "
        + ", ".join(f"{tier} {ms * 1000:+.2f} ms" for tier, ms in excess.items())
    )
    delivered = {}  # the tier's mean demand per request plus the overshoot per request
    for r in tiers:
        visits = sum(share for name, share in mix.items() if r.name in routes[name])
        given = r.truth + visits * excess[r.name]
        delivered[r.name] = (r.estimate - given) / given
    lines.append(
        "tier means against what the mock delivered: "
        + ", ".join(f"{tier} {error:+.1%}" for tier, error in delivered.items())
    )
    sampling = sampling_sd(done.runs, truth, CI_SMOKE)
    # independent sources of error: the run's sample of the truth, the regression's spread
    sd = {r.name: (sampling[r.name] ** 2 + r.sd**2) ** 0.5 for r in tiers + major}
    lines.append(
        "sd (sampling | estimate's interval): "
        + ", ".join(f"{r.name} {sampling[r.name]:.1%} | {r.sd:.1%}" for r in tiers + major)
    )
    print("\n".join(lines))
    assert done.report.fit_for_prediction, done.report.inconclusive
    design = done.report.design
    assert design is not None and {p.isolates for p in design.phases} >= set(step_mix(model))
    calibrated = load_scenario(done.calibrated_path)
    assert calibrated.tiers[-1].is_delay
    for name in {r.name.split(".")[0] for r in major}:  # measured; near 0 is written as 0
        outside = done.report.outside[name]
        assert outside.ci95[0] <= outside.estimate <= outside.ci95[1], name
        written = calibrated.transaction(name).demand["outside"].mean
        assert written == round(max(outside.estimate, 0.0), 7), name
    assert all(r.identifiable for r in tiers + major), lines
    assert all(abs(error) <= 0.08 for error in delivered.values()), lines
    assert all(abs(r.error) <= max(0.08, 3 * sd[r.name]) for r in tiers), lines
    assert all(abs(r.error) <= max(0.20, 3 * sd[r.name]) for r in major), lines
