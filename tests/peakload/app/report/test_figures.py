"""The report's figures as data: what each draws, before any browser renders it."""

from peakload.app.report.figures import paired_intervals


def test_an_interval_with_two_sides_draws_each_and_one_half_width_draws_both():
    figure = paired_intervals(
        ["1.3"],
        ("predicted", [10.0], [14.0], [6.0]),  # near saturation: longer above
        ("measured", [25.0], [1.0]),
        "mean response",
        "ms",
    )
    predicted, measured = figure.data
    assert predicted.error_y.array == (14.0,) and predicted.error_y.arrayminus == (6.0,)
    assert measured.error_y.array == (1.0,) and measured.error_y.arrayminus == (1.0,)
    assert predicted.error_y.symmetric is False
