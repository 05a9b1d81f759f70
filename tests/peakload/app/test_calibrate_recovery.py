"""Recovery end to end: ``calibrate --plan`` against a mock serving a truth the model
does not know (ci-smoke with app, db and signature demands scaled 0.5-2.5x).

The issue's bar: each tier's mean demand per request (weighted by the day's
step mix) within 8 % of the truth; every demand of a transaction carrying at
least 5 % of requests within 20 %; all of them marked identifiable.
"""

from __future__ import annotations

import pytest

from peakload.app.calibrate import CalibrateOptions, calibrate
from tests.peakload.app.recovery import recovery
from tests.peakload.app.truth import CI_SMOKE, write_truth


@pytest.mark.slow
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
    lines = [
        f"{r.name}: truth {r.truth * 1000:.2f} ms, estimate {r.estimate * 1000:.2f} ms, "
        f"error {r.error:+.1%}"
        for r in tiers + major
    ]
    print("\n".join(lines))
    assert all(r.identifiable for r in tiers + major), lines
    assert all(abs(r.error) <= 0.08 for r in tiers), lines
    assert all(abs(r.error) <= 0.20 for r in major), lines
