"""One number formatter for the terminal, report.html and a comparison's Markdown."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from peakload.app.compare.files import markdown
from peakload.app.numbers import change, ms, num, pct, with_ci
from peakload.contract.summary import Stats
from peakload.measure.compare import Row, Tolerance


@pytest.mark.parametrize(
    ("value", "digits", "text"),
    [
        (1730.4, 3, "1,730"),  # never 1.73e+03
        (1234.56, 5, "1,234.6"),
        (0.14793, 3, "0.148"),
        (0.14793, 4, "0.1479"),
        (4.7e-05, 3, "0.000047"),  # never 4.7e-05, never rounded away
        (-0.00123, 3, "-0.00123"),
        (999.96, 3, "1,000"),
        (12_345, 3, "12,345"),  # a count in full
        (np.int64(7), 3, "7"),
        (0, 3, "0"),
        (-0.0, 3, "0"),
        (None, 3, "-"),
        (math.nan, 3, "-"),
        (math.inf, 3, "-"),
    ],
)
def test_figures_read_in_significant_digits_without_e_notation(value, digits, text):
    assert num(value, digits) == text


@given(st.floats(-1e12, 1e12, allow_nan=False), st.integers(2, 6))
def test_a_formatted_figure_reads_back_within_its_digits(value, digits):
    text = num(value, digits)
    assert "e" not in text
    back = float(text.replace(",", ""))
    assert back == pytest.approx(value, rel=10 ** (1 - digits), abs=1e-300)


def test_a_figure_and_its_half_width_read_alike_from_the_model_and_its_json():
    stats = Stats.model_validate({"p95_s": 0.14793, "p95_s_ci95": 0.0123, "mean_s": 0.05})
    as_json = stats.model_dump()
    for values in (stats, as_json):
        assert ms(values, "p95_s") == "148 ± 12"
        assert ms(values, "mean_s") == "50"  # one run: no half-width
        assert with_ci(values, "absent") == "-"
    assert pct(0.01234) == "1.23%" and pct(None) == "-"


def test_a_comparison_reads_its_figures_with_the_same_rule():
    row = Row("overall.p95_s", 0.000512, 0.0006144, Tolerance(0.1, 0.0), "tolerance", "regression")
    assert change(row) == "+20.0%"
    text = markdown([row], "gate")
    assert "| `overall.p95_s` | 0.000512 | 0.0006144 | +20.0% |" in text
    gone = Row("overall.p95_s", 0.1, math.nan, Tolerance(0.1, 0.0), "tolerance", "regression")
    assert change(gone) == "-"
