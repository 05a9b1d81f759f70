"""The validation table's cells: a prediction's ± is the side it was judged with."""

from peakload.app.validate.table import cells
from peakload.measure.validation import Estimate, MetricKind
from tests.peakload.measure.validation.builders import row


def test_a_prediction_shows_the_half_width_on_the_measurements_side():
    # draws reaching 6 ms below a 10 ms mean and 14 ms above it
    lopsided = Estimate(0.010, 0.0).with_input(0.010, 0.006, 0.014)
    above = cells(row(MetricKind.MEAN, lopsided, Estimate(0.025, 0.001)))
    below = cells(row(MetricKind.MEAN, lopsided, Estimate(0.007, 0.001)))
    assert above[1] == "10.0 ms ±14.0", above
    assert below[1] == "10.0 ms ±6.0", below
