"""The real-service experiment's reading of a calibration a short tour left inconclusive
(test_experiment.left_at_zero): a known outcome only when every reason is a major demand
the fit put at 0 with an interval that still reaches above it."""

from __future__ import annotations

from tests.mock_server.real.test_experiment import left_at_zero

AT_ZERO = (
    "submit_payment.stack (14% of requests): the fit put it at 0 although the tier was busy: "
    "check that the model routes this transaction through the tier, or run longer "
    "(--plan-seconds)"
)


def calibration(high: float, lines: list[str]) -> dict:
    """A calibration.json reduced to what the reading uses: submit_payment at the zero
    bound with its interval's upper end at ``high`` seconds."""
    demand = {"estimate": 0.0, "ci95": [0.0, high], "at_bound": True}
    return {"inconclusive": lines, "demands": {"submit_payment": {"stack": demand}}}


def test_a_write_left_at_zero_by_the_tour_names_itself_with_its_interval():
    assert left_at_zero(calibration(0.00528, [AT_ZERO])) == "submit_payment.stack [0, 5.28] ms"


def test_a_demand_at_zero_whose_interval_is_zero_too_is_no_known_outcome():
    assert left_at_zero(calibration(0.0, [AT_ZERO])) is None  # routed wrongly, not noise


def test_any_other_reason_beside_it_is_no_known_outcome():
    other = "get_payment.stack (14% of requests): not measured (never completed); ..."
    assert left_at_zero(calibration(0.00528, [AT_ZERO, other])) is None
    assert left_at_zero(calibration(0.00528, [])) is None  # a conclusive calibration
