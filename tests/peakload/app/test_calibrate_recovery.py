"""Recovery end to end: ``calibrate --plan`` against a mock serving a truth the model
does not know (ci-smoke with app, db and signature demands scaled 0.5-2.5x).

The issue's bar: each tier's mean demand per request (weighted by the day's
step mix) within 8 % of the truth; every demand of a transaction carrying at
least 5 % of requests within 20 %; all of them marked identifiable.

The mock holds a slot longer than the demand it sampled (timer overshoot and
event-loop lag: measured +3 to +11 ms per visit on this 2-core machine under
other engineers' load), so busy time, and any estimate from it, carries that
overshoot. The test first checks the estimator against what the mock
delivered (truth plus the overshoot it measured itself, per tier), then the
issue's bar against the nominal truth; the message prints both.
"""

from __future__ import annotations

import pytest

from peakload.app.calibrate import CalibrateOptions, calibrate
from peakload.core.scenario_file import load_scenario
from tests.peakload.app.recovery import emulation_excess, recovery, step_mix
from tests.peakload.app.truth import CI_SMOKE, write_truth


@pytest.mark.slow
@pytest.mark.xfail(
    reason="issue 11 open: --plan's lockstep design assumed users start at a flow's first "
    "step; load-test users now join mid-flow (issue 10), so the design runs are no longer "
    "in step and per-demand recovery misses 20 %; the estimator itself recovers synthetic "
    "truths (test_calibrate.py, tests/peakload/measure/calibration)",
    strict=False,
)
def test_plan_recovers_a_truth_the_model_does_not_know(tmp_path):
    truth = tmp_path / "truth.toml"
    write_truth(truth)
    done = calibrate(
        CalibrateOptions(
            CI_SMOKE,
            plan=True,
            serve_scenario_path=truth,
            out=tmp_path,
            interval_s=2.0,
            plots=False,
        )
    )
    tiers, major = recovery(done.run_dir / "calibration.json", truth, CI_SMOKE)
    excess = emulation_excess(done.runs[0], truth)
    mix = step_mix(load_scenario(CI_SMOKE))
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
    print("\n".join(lines))
    assert all(r.identifiable for r in tiers + major), lines
    assert all(abs(error) <= 0.08 for error in delivered.values()), lines
    assert all(abs(r.error) <= 0.08 for r in tiers), lines
    assert all(abs(r.error) <= 0.20 for r in major), lines
