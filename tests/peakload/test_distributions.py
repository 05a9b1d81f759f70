import numpy as np
import pytest
from pydantic import TypeAdapter

from peakload.core.distributions import Distribution

ADAPTER = TypeAdapter(Distribution)

CASES = [
    ({"dist": "exponential", "mean": 0.5}, 0.5, 0.25),
    ({"dist": "deterministic", "value": 0.2}, 0.2, 0.0),
    ({"dist": "lognormal", "mean": 0.06, "cv": 1.5}, 0.06, (0.06 * 1.5) ** 2),
    ({"dist": "gamma", "mean": 2.0, "cv": 0.5}, 2.0, 1.0),
    ({"dist": "uniform", "low": 1.0, "high": 3.0}, 2.0, 4 / 12),
    ({"dist": "empirical", "values": [1.0, 2.0, 6.0]}, 3.0, 14 / 3),
]


@pytest.mark.parametrize(("spec", "mean", "variance"), CASES)
def test_analytic_moments_and_sampling_agree(spec, mean, variance):
    dist = ADAPTER.validate_python(spec)
    assert dist.mean == pytest.approx(mean)
    assert dist.variance == pytest.approx(variance)
    draws = dist.sample_n(np.random.default_rng(7), 400_000)
    assert draws.min() >= 0
    # Sample mean within 4 standard errors; sample variance within 5 % (lognormal cv 1.5
    # has a heavy tail: its sample variance converges slowly, so only the mean is checked).
    assert abs(draws.mean() - mean) <= 4 * np.sqrt(variance / len(draws)) + 1e-12
    if spec["dist"] != "lognormal":
        assert draws.var() == pytest.approx(variance, rel=0.05, abs=1e-12)


def test_single_sample_is_a_float_from_the_given_generator():
    dist = ADAPTER.validate_python({"dist": "exponential", "mean": 1.0})
    a = dist.sample(np.random.default_rng(3))
    b = dist.sample(np.random.default_rng(3))
    assert isinstance(a, float) and a == b


def test_label_names_the_parameters():
    dist = ADAPTER.validate_python({"dist": "lognormal", "mean": 0.06, "cv": 1.5})
    assert dist.label() == "lognormal(mean=0.06, cv=1.5)"


@pytest.mark.parametrize(
    "spec",
    [
        {"dist": "exponential", "mean": -1},
        {"dist": "uniform", "low": 3, "high": 1},
        {"dist": "empirical", "values": []},
        {"dist": "gamma", "mean": 1.0},
        {"dist": "weibull", "mean": 1.0},
    ],
)
def test_bad_parameters_are_rejected(spec):
    with pytest.raises(ValueError):
        ADAPTER.validate_python(spec)
