import pytest

from simulation.replications import combine_figures, half_width


def test_half_width_uses_student_t():
    assert half_width([1.0, 2.0, 3.0]) == pytest.approx(4.302653 / 3**0.5, rel=1e-5)
    assert half_width([5.0]) == 0.0


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
