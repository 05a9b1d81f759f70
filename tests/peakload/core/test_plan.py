from pathlib import Path

import pytest

from peakload.core.clock import parse_clock
from peakload.core.plan import Plan

SCENARIOS = Path(__file__).resolve().parents[3] / "scenarios"
APRIL = str(SCENARIOS / "kbnn-2020-04-peak.toml")


def test_compress_divides_the_clock_and_keeps_the_profile():
    plan = Plan(APRIL, compress=20, window=("09:00", "11:00"))
    assert plan.run_start_s == parse_clock("07:00")  # lead-in from the day's start
    assert plan.run_end_s == parse_clock("11:00")
    assert plan.wall_duration_s == pytest.approx(4 * 3600 / 20)
    ten = plan.wall_at(parse_clock("10:00"))
    assert plan.clock_at(ten) == parse_clock("10:00")
    assert plan.target_users(ten) == 13_000
    assert plan.measure_window_s == (parse_clock("09:00"), parse_clock("11:00"))


def test_user_scale_shrinks_users_and_the_plan_round_trips():
    plan = Plan(APRIL, compress=60, user_scale=0.1, lead_in="08:00", duration_s=100, seed=3)
    assert plan.target_users(plan.wall_at(parse_clock("10:00"))) == 1_300
    assert plan.wall_duration_s == 100
    again = Plan.from_json(plan.to_env())
    assert again == plan and again.run_seed == 3


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"compress": 0}, "--compress must be > 0"),
        ({"user_scale": -1}, "--user-scale must be > 0"),
        ({"window": ("06:00", "08:00")}, "lies outside the scenario"),
        ({"lead_in": "12:00", "window": ("09:00", "11:00")}, "nothing to run"),
    ],
)
def test_unusable_plans_say_why(changes, message):
    with pytest.raises(ValueError, match=message):
        Plan(APRIL, **changes)


def test_pool_signs_in_the_most_users_ever_active_before_the_clock():
    plan = Plan(str(APRIL), compress=20, window=("09:00", "11:00"), lead_in="07:30")
    assert plan.pool_users == 13_000  # the 10:00 peak
    assert plan.setup_s == pytest.approx(13_000 / plan.sign_in_rate)
    assert plan.active_users(-1.0) == 0  # parked while the pool signs in
    assert plan.active_users(plan.wall_at(parse_clock("09:00"))) == 10_000


def test_pool_covers_only_the_part_of_the_day_that_runs():
    plan = Plan(str(APRIL), compress=20, window=("09:00", "09:30"), lead_in="07:30")
    assert 10_000 < plan.pool_users < 13_000
