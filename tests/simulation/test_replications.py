import math

import pytest

from simulation.replications import combine_figures


def test_combine_averages_estimates_and_keeps_configuration():
    reps = [
        {"overall": {"p95_s": 1.0, "peak_time": "10:00"}, "tiers": {"app": {"servers": 8}}},
        {"overall": {"p95_s": 3.0, "peak_time": "10:01"}, "tiers": {"app": {"servers": 8}}},
    ]
    out = combine_figures(reps)
    assert out["overall"]["p95_s"] == 2.0
    assert out["overall"]["p95_s_ci95"] == pytest.approx(12.7062 * 1.41421 / 2**0.5, rel=1e-4)
    assert out["overall"]["peak_time"] == "10:00"
    assert out["tiers"]["app"] == {"servers": 8}


def test_a_figure_only_one_replication_has_gets_an_unknown_half_width_not_zero():
    reps = [{"overall": {"p95_s": 1.5}}, {"overall": {"p95_s": float("nan")}}]
    out = combine_figures(reps)
    assert out["overall"]["p95_s"] == 1.5
    assert math.isnan(out["overall"]["p95_s_ci95"])  # one value: no spread to estimate
