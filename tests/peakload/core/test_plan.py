from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mock_server.drills import ScenarioClock
from peakload.core.clock import format_clock, parse_clock
from peakload.core.plan import Plan
from peakload.measure.observations import Timebase

SCENARIOS = Path(__file__).resolve().parents[3] / "scenarios"
APRIL = str(SCENARIOS / "kbnn-2020-04-peak.toml")
SMOKE = str(SCENARIOS / "ci-smoke.toml")


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


@st.composite
def plans_and_walls(draw) -> tuple[Plan, float, float]:
    """A plan of ci-smoke's day (any compression, any lead-in), a wall epoch at which
    its clock started, and a wall second into its run."""
    compress = draw(st.floats(0.25, 1000.0, allow_nan=False))
    lead_in = draw(st.integers(parse_clock("09:00"), parse_clock("09:19")))
    plan = Plan(SMOKE, compress=compress, lead_in=format_clock(lead_in, with_seconds=True))
    origin = draw(st.floats(1.6e9, 2.0e9))  # a wall epoch of these years
    wall_s = draw(st.floats(0.0, plan.wall_duration_s))
    return plan, origin, wall_s


@settings(max_examples=200, deadline=None)
@given(plans_and_walls())
def test_clock_and_wall_round_trip_and_every_engine_reads_the_same_clock(drawn):
    """The plan (load generator, simulate --as-run), the reducer's timebase and the
    mock's drill clock each map wall to scenario clock: they must agree, both ways."""
    plan, origin, wall_s = drawn
    clock_s = plan.clock_at(wall_s)
    assert plan.run_start_s <= clock_s <= plan.run_end_s + 1e-6
    assert plan.wall_at(clock_s) == pytest.approx(wall_s, abs=1e-9 * max(1.0, wall_s))
    assert plan.clock_at(plan.wall_at(clock_s)) == pytest.approx(clock_s, rel=1e-12)
    # Wall epochs near 2e9 carry ~2.4e-7 s of rounding, which the compression multiplies.
    near = pytest.approx(clock_s, abs=1e-6 * plan.compress)
    timebase = Timebase(compress=plan.compress, start_s=plan.run_start_s, origin=origin)
    assert float(timebase.clock(origin + wall_s)) == near
    assert timebase.wall(clock_s) == pytest.approx(origin + wall_s, abs=1e-6)
    drill = ScenarioClock(start_s=plan.run_start_s, origin=origin, compress=plan.compress)
    assert drill.now(origin + wall_s) == near


@settings(max_examples=100, deadline=None)
@given(plans_and_walls(), st.floats(0.0, 600.0))
def test_the_clock_runs_compress_times_faster_than_the_wall(drawn, later_s):
    plan, _, wall_s = drawn
    advanced = plan.clock_at(wall_s + later_s) - plan.clock_at(wall_s)
    assert advanced == pytest.approx(later_s * plan.compress, rel=1e-9, abs=1e-6)


def test_the_summary_section_puts_wall_seconds_back_on_the_clock_exactly():
    plan = Plan(SMOKE, compress=8, lead_in="09:00:30", window=("09:05", "09:15"), workers=2)
    section = plan.summary_section()
    assert section == {
        "compress": 8,
        "user_scale": 1.0,
        "workers": 2,
        "run": ["09:00:30", "09:15"],  # to the second: a reader adds wall x compress to it
        "wall_duration_s": plan.wall_duration_s,
        "pool_users": 60,
        "sign_in_rate": plan.sign_in_rate,
        "setup_s": plan.setup_s,
        "seed": 42,
    }
    start = parse_clock(section["run"][0])
    assert start + section["wall_duration_s"] * section["compress"] == parse_clock("09:15")
