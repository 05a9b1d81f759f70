import copy
import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peakload.contract.summary import Summary
from simulation.replications import combine, combine_figures


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


# Properties: combining replications on identical inputs changes nothing but adds
# half-widths of zero; the order of the replications does not matter.

BASELINE = Path(__file__).resolve().parents[2] / "results/baselines/sim-ci-smoke/summary.json"

figure = st.one_of(
    st.floats(-1e9, 1e9, allow_nan=False),
    st.just(math.nan),  # a figure with no data in the window
    st.integers(0, 10**9),  # a count, or a configuration figure (servers)
    st.booleans(),
    st.sampled_from(["10:00", "ci-smoke", "M/M/c"]),
)
figures = st.recursive(
    st.dictionaries(st.text("abcdefg_", min_size=1, max_size=8), figure, max_size=6),
    lambda children: st.dictionaries(
        st.text("abcdefg_", min_size=1, max_size=8), children, max_size=4
    ),
    max_leaves=20,
)


def assert_same_figures(combined, original) -> None:
    """Every figure of ``original`` in ``combined`` unchanged (floats to rounding), and
    each float estimate beside a half-width of zero when it was combined."""
    for key, value in original.items():
        if isinstance(value, dict):
            assert_same_figures(combined[key], value)
        elif isinstance(value, float) and math.isnan(value):
            assert math.isnan(combined[key])
        elif isinstance(value, float):
            assert combined[key] == pytest.approx(value, rel=1e-12, abs=1e-300)
        else:
            assert combined[key] == value and type(combined[key]) is type(value)


def ci95s(figures: dict) -> dict:
    out = {}
    for key, value in figures.items():
        if isinstance(value, dict):
            out |= {f"{key}.{k}": v for k, v in ci95s(value).items()}
        elif key.endswith("_ci95"):
            out[key] = value
    return out


@given(figures, st.integers(1, 8))
def test_identical_replications_combine_to_the_same_figures(one, n):
    combined = combine_figures([copy.deepcopy(one) for _ in range(n)])
    assert_same_figures(combined, one)
    for key, half in ci95s(combined).items():
        assert n >= 2, key  # a single run carries no half-width
        assert math.isnan(half) or half == pytest.approx(0.0, abs=1e-6), key


@given(st.lists(st.floats(-1e6, 1e6), min_size=2, max_size=8), st.randoms())
def test_the_order_of_the_replications_does_not_matter(values, random):
    reps = [{"overall": {"p95_s": v, "servers": 4}} for v in values]
    shuffled = reps[:]
    random.shuffle(shuffled)
    a, b = combine_figures(reps)["overall"], combine_figures(shuffled)["overall"]
    assert a["p95_s"] == pytest.approx(b["p95_s"], rel=1e-9, abs=1e-9)
    assert a["p95_s_ci95"] == pytest.approx(b["p95_s_ci95"], rel=1e-9, abs=1e-9)
    assert min(values) - 1e-9 <= a["p95_s"] <= max(values) + 1e-9
    assert a["servers"] == 4


@settings(max_examples=20, deadline=None)
@given(st.integers(2, 6))
def test_a_real_summary_combined_with_itself_is_itself(n):
    """The committed ci-smoke baseline, as the simulator wrote it, n times over."""
    one = Summary.model_validate_json(BASELINE.read_text())
    combined = combine([one.model_copy(deep=True) for _ in range(n)])
    assert_same_figures(combined.to_dict(), one.to_dict())
    assert combined.overall.ci95("p95_s") == pytest.approx(0.0, abs=1e-9)
    assert combined.tiers["db"].ci95("utilization") == pytest.approx(0.0, abs=1e-9)
