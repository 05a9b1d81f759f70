"""The model of a load test as run (simulate --as-run): the plan's setup and population."""

from pathlib import Path

import numpy as np
import pytest

from peakload.core.plan import Plan
from peakload.measure.stats import Outcome
from simulation.as_run import simulate_plan
from simulation.plan_model import PlanModel
from simulation.plan_user import MOVES, UserState
from tests.simulation.kept import Kept, run_kept

SMOKE = str(Path(__file__).resolve().parents[2] / "scenarios" / "ci-smoke.toml")


def run(plan: Plan, seed: int = 1) -> tuple[PlanModel, Kept]:
    model = PlanModel(plan, np.random.SeedSequence(seed))
    return model, run_kept(model)


@pytest.mark.parametrize("compress", [1.0, 10.0])
def test_active_users_are_the_plans_target_every_tick(compress):
    plan = Plan(SMOKE, compress=compress, user_scale=0.5, sign_in_rate=20.0)
    model, records = run(plan)
    wall = records.sample_time - model.origin_s
    expected = np.array([plan.active_users(w) for w in wall])
    assert np.array_equal(records.concurrency, expected)
    assert records.concurrency.max() == 30  # 60 users x 0.5
    assert len(model.plan_users) == plan.pool_users == 30


def test_the_pool_signs_in_during_setup_before_the_clock():
    plan = Plan(SMOKE, compress=10.0, sign_in_rate=20.0)  # 60 users: 3 s of setup
    model, records = run(plan)
    assert model.origin_s == pytest.approx(3.0)
    login = records.transaction_names.index("login")
    logins = records.transaction == login
    assert np.count_nonzero(logins) == 60  # each user once, none after
    assert records.end[logins].max() < model.origin_s + 0.5
    # One sign-in every 1/20 s, in rank order.
    assert np.allclose(np.sort(records.start[logins]), np.arange(60) / 20.0)
    assert np.all(records.outcome[logins] == Outcome.OK)
    # Nobody works before the clock: every other request starts after wall second 0.
    assert records.start[~logins].min() >= model.origin_s


def test_users_join_mid_flow_so_no_first_step_burst():
    """At the ramp's start, a first-step-only model would send only first steps
    (search_budget_codes, list_payments, submit_dossier, ...); mid-flow joins send
    the stationary mix at once, get_payment (a last step) included."""
    plan = Plan(SMOKE, compress=10.0, sign_in_rate=200.0)
    model, records = run(plan)
    names = records.transaction_names
    early = (records.start >= model.origin_s) & (records.start < model.origin_s + 10.0)
    sent = {names[i] for i in np.unique(records.transaction[early])}
    assert {"get_payment", "sign_payment", "get_dossier"} <= sent


def test_a_first_step_entry_starts_every_user_at_a_flows_first_step(tmp_path):
    """With ``entry = "first_step"`` (calibrate --plan's tours) the users' first
    requests are first steps only, all in the clock's first instant."""
    text = (
        Path(SMOKE)
        .read_text()
        .replace('kind = "closed"', 'kind = "closed"\nentry = "first_step"')
        .replace('["09:00", 0], ["09:03", 60]', '["09:00", 60]')  # all at work from the start
    )
    scenario = tmp_path / "first.toml"
    scenario.write_text(text)
    model, records = run(Plan(str(scenario), compress=10.0, sign_in_rate=200.0))
    names = records.transaction_names
    at_once = (records.start >= model.origin_s) & (records.start <= model.origin_s + 1e-9)
    # every user signed in by then (a few sign-ins queue past the setup): 50 of 60 at least
    assert 50 <= np.count_nonzero(at_once) <= 60
    sent = {names[i] for i in records.transaction[at_once]}
    firsts = {flow.steps[0] for flow in model.scenario.flow_list}
    assert sent <= firsts and len(sent) >= 3


def test_surplus_users_park_and_stop_sending():
    plan = Plan(SMOKE, compress=10.0, sign_in_rate=200.0)  # ramps 60 -> 0 from 09:17
    model, records = run(plan)
    final = model.active_count
    assert final < 10 and final == records.concurrency[-1]
    parked = model.plan_users[final:]
    assert not any(u.active for u in parked)
    assert not any(u.state is UserState.THINKING for u in parked)  # parked at once while thinking
    assert all(u.active and u.signed_in for u in model.plan_users[:final])
    # The request rate follows the active users down (each sends one per ~2 s think):
    # over the last 10 wall seconds, about their mean count / 2 per second, not the
    # 30 per second of the whole pool.
    since = model.end_s - 10.0
    rate = np.count_nonzero(records.start >= since) / 10.0
    active = records.concurrency[records.sample_time >= since].mean()
    assert rate < 1.5 * active / 2.0 + 1.0


def test_as_run_summary_is_keyed_on_the_scenario_clock():
    plan = Plan(SMOKE, compress=10.0, window=("09:05", "09:15"))
    result = simulate_plan(plan, replications=1)
    summary = result.summary.to_dict()
    assert summary["window"] == ["09:05", "09:15"]
    assert summary["window_s"] == [9 * 3600 + 300, 9 * 3600 + 900]
    # 60 users thinking 2 s: about 29 requests per wall second, 60 s of wall window.
    assert summary["overall"]["throughput_rps"] == pytest.approx(29.3, rel=0.1)
    assert summary["overall"]["requests"] == pytest.approx(29.3 * 60, rel=0.1)
    assert summary["overall"]["peak_concurrency"] == 60
    assert summary["transactions"]["login"]["count"] == 0  # signed in before the window
    series = result.timeseries
    assert series["time_s"][0] == 9 * 3600 and np.all(np.diff(series["time_s"]) == 60)
    rows = (series["time_s"] >= 9 * 3600 + 300) & (series["time_s"] < 9 * 3600 + 900)
    assert np.allclose(series["concurrency"][rows], 60)


def test_user_scale_keeps_the_request_rate_and_the_scenario_users():
    full = simulate_plan(Plan(SMOKE, compress=10.0), replications=1).summary.to_dict()
    half = simulate_plan(
        Plan(SMOKE, compress=10.0, user_scale=0.5), replications=1
    ).summary.to_dict()
    assert half["overall"]["peak_concurrency"] == full["overall"]["peak_concurrency"] == 60
    assert half["overall"]["virtual_users_peak"] == 30
    assert half["overall"]["throughput_rps"] == pytest.approx(
        full["overall"]["throughput_rps"], rel=0.08
    )


def test_a_reactivated_user_resumes_where_it_parked():
    plan = Plan(SMOKE, compress=10.0, sign_in_rate=200.0)
    model = PlanModel(plan, np.random.SeedSequence(3))
    model.source.start()  # what run() starts, run here step by step
    model.env.process(model._tick())
    model.env.run(until=model.origin_s + 30.0)
    assert model.active_count == 60
    user = model.plan_users[0]
    user.park()
    model.env.run(until=model.env.now + 10.0)  # its request in flight, if any, answers
    assert user.state is UserState.IDLE
    place = (user.steps, user.step)
    user.activate()
    assert user.state is UserState.THINKING and (user.steps, user.step) == place


def test_an_open_workload_runs_its_rate_on_wall_time(tmp_path):
    text = Path(SMOKE).read_text()
    start = text.index("[workload]")
    end = text.index("[[flows]]")
    workload = '[workload]\nkind = "open"\nrate = [["09:00", 20.0], ["09:20", 20.0]]\n\n'
    path = tmp_path / "open.toml"
    path.write_text(text[:start] + workload + text[end:])
    plan = Plan(str(path), compress=10.0, user_scale=0.5, window=("09:05", "09:15"))
    assert plan.setup_s == 0
    summary = simulate_plan(plan, replications=1).summary.to_dict()
    # 20 requests/s x 0.5, per wall second, over the 60 wall seconds of the window.
    assert summary["overall"]["throughput_rps"] == pytest.approx(10.0, rel=0.15)
    assert "09:05" <= summary["overall"]["peak_time"] <= "09:15"


def test_every_user_state_is_reachable_and_no_move_is_undeclared():
    """A run that signs in, works, parks and resumes moves users only as MOVES allows
    (``_move`` asserts it on every move), and every state has somewhere to go."""
    plan = Plan(SMOKE, compress=10.0, sign_in_rate=200.0)  # ramps up, then 60 -> 0
    model, _ = run(plan)
    states = {u.state for u in model.plan_users}
    assert UserState.IDLE in states  # the parked ones
    assert all(MOVES[state] for state in UserState)
    assert all(u.signed_in for u in model.plan_users)


SLOW_STEPS = str(
    Path(__file__).resolve().parents[1] / "loadtests" / "scenarios" / "slow-steps.toml"
)


@pytest.mark.parametrize("user_scale", [1.0, 0.25])
def test_user_scale_scales_the_cycle_so_slow_steps_keep_the_rate(user_scale):
    # 60 users, a 2 s think, 0.5 s steps, no queue: 60 / 2.5 = 24 requests a second. At
    # user scale 0.25, 15 users each live a 0.625 s cycle (a 0.125 s think after each
    # 0.5 s step); a think scaled alone (0.5 s) would give a 1.0 s cycle: 15 a second.
    plan = Plan(SLOW_STEPS, compress=10.0, user_scale=user_scale)
    summary = simulate_plan(plan, replications=1).summary.to_dict()
    assert summary["overall"]["virtual_users_peak"] == 60 * user_scale
    assert summary["overall"]["throughput_rps"] == pytest.approx(24.0, rel=0.01)
    assert summary["overall"]["mean_s"] == pytest.approx(0.5, rel=0.01)


def test_a_scaled_think_makes_the_cycle_user_scale_times_the_real_one():
    plan = Plan(SLOW_STEPS, user_scale=0.25)
    assert plan.scaled_think(2.0, 0.5) == pytest.approx(0.125)  # 0.625 = 0.25 x 2.5
    assert plan.scaled_think(2.0, 0.5) + 0.5 == pytest.approx(0.25 * (2.0 + 0.5))
    assert plan.scaled_think(0.1, 2.0) == 0.0  # a step longer than the cycle: no think
    assert Plan(SLOW_STEPS).scaled_think(2.0, 0.5) == 2.0  # unscaled: the drawn think
