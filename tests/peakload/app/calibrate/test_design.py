"""The designed tour: flow prefixes that identify every demand, sized to load without
saturating."""

from __future__ import annotations

import tomllib

import numpy as np
import pytest
import tomli_w

from peakload.app.calibrate import design
from peakload.app.calibrate.plan import phase_scenario
from peakload.core.scenario import LOGIN
from peakload.core.scenario_file import load_scenario
from simulation.analytic import mva
from tests.peakload.app.calibrate.truth import CI_SMOKE

REAL_SERVICE = CI_SMOKE.parents[1] / "examples" / "real-service" / "model.toml"


def test_prefixes_make_a_design_of_full_rank_over_every_transaction():
    model = load_scenario(CI_SMOKE)
    phases = design.prefixes(model)
    names = [t.name for t in model.transactions if t.name != LOGIN]
    matrix = np.array([[p.steps.count(n) for n in names] for p in phases], dtype=float)
    assert np.linalg.matrix_rank(matrix) == len(names)
    assert {p.isolates for p in phases} == set(names)
    payment = [p for p in phases if p.flow == "payment"]
    assert [p.steps for p in payment][:2] == [
        ("search_budget_codes",),
        ("search_budget_codes", "create_payment"),
    ]
    assert payment[1].previous == payment[0].name and payment[0].previous is None


def test_a_prefix_another_flow_already_ran_is_run_once(tmp_path):
    text = CI_SMOKE.read_text().replace(
        'steps = ["list_payments", "get_payment"]', 'steps = ["search_budget_codes", "get_payment"]'
    )
    model_path = tmp_path / "shared.toml"
    model_path.write_text(text)
    phases = design.prefixes(load_scenario(model_path))
    assert [p.steps for p in phases].count(("search_budget_codes",)) == 1
    review = next(p for p in phases if p.flow == "review")
    assert review.steps == ("search_budget_codes", "get_payment")
    assert review.previous == "payment-1"  # the difference to the shared first step


def test_phases_load_the_busiest_tier_near_the_target_and_none_past_it():
    model = load_scenario(CI_SMOKE)
    demands = design.prior_demands(model)
    tiers = [t for t in model.tiers if not t.is_delay]
    cap = min(
        [design.MAX_USERS]
        + [t.queue_limit + t.servers - 1 for t in tiers if t.queue_limit is not None]
    )
    for prefix in design.prefixes(model):
        sizing = design.size(model, prefix.steps, demands)
        assert design.MIN_USERS <= sizing.users <= cap
        assert max(sizing.utilization.values()) <= design.TARGET_UTILIZATION
        if sizing.users < cap:  # one more user would pass the target
            per_pass = [sum(demands[s].get(t.name, 0.0) for s in prefix.steps) for t in tiers]
            more = mva(
                per_pass,
                sizing.users + 1,
                design.THINK_S * len(prefix.steps),
                [t.servers for t in tiers],
            )
            assert max(more.utilization) > design.TARGET_UTILIZATION, prefix.name


def test_a_tier_with_cores_is_sized_on_its_cores_not_its_workers():
    # examples/real-service: one tier, 40 workers sharing 1 core. 160 users doing 7 ms of
    # CPU per 0.5 s think would keep the core busy past the target: fewer users.
    model = load_scenario(REAL_SERVICE)
    sizing = design.size(model, ("get_statements",), {"get_statements": {"stack": 0.007}})
    assert sizing.users < design.MAX_USERS
    busy = mva([0.007], sizing.users, design.THINK_S, [1]).utilization[0]
    assert sizing.utilization["stack"] == busy
    assert design.TARGET_UTILIZATION - 0.02 < busy <= design.TARGET_UTILIZATION


def test_users_stay_within_the_smallest_queue_limit(tmp_path):
    model_path = tmp_path / "tight.toml"
    model_path.write_text(CI_SMOKE.read_text().replace("queue_limit = 50", "queue_limit = 3"))
    model = load_scenario(model_path)
    sizing = design.size(model, ("search_budget_codes",), design.prior_demands(model))
    assert sizing.users == 3 + model.tier("signature").servers - 1


def test_major_transactions_are_those_with_five_percent_of_the_requests():
    major = design.major_transactions(load_scenario(CI_SMOKE), 0.05)
    assert set(major) == {
        "search_budget_codes",
        "create_payment",
        "sign_payment",
        "submit_payment",
        "get_payment",
        "submit_dossier",
        "get_dossier",
    }
    assert major["get_payment"] == 8 / 43  # payment (6 x 5 steps) and review (2 x 2)


def test_a_phase_scenario_loads_and_runs_only_its_prefix(tmp_path):
    model = load_scenario(CI_SMOKE)
    prefix = design.prefixes(model)[2]
    data = phase_scenario(CI_SMOKE, prefix, users=17, wall_s=30)
    path = tmp_path / "phase.toml"
    path.write_text(tomli_w.dumps(data))
    phase = load_scenario(path)
    assert [f.steps for f in phase.flow_list] == [list(prefix.steps)]
    concurrency = tomllib.loads(path.read_text())["workload"]["concurrency"]
    assert [users for _, users in concurrency] == [4, 4, 17, 17]  # low load first
    assert phase.transaction("sign_payment").demand["signature"].mean == 0.08


def test_deferred_work_counts_in_a_phases_utilization(tmp_path):
    # examples/real-service defers control's 0.47 ms to the payment's submission:
    # 6 ms more there leaves fewer users for the same target, and its share counted
    model = load_scenario(REAL_SERVICE)
    steps = ("search_budget_codes", "create_payment", "sign_payment", "submit_payment")
    demands = design.prior_demands(model)
    plain = design.size(model, steps, demands)
    heavy = tmp_path / "heavy.toml"
    text = REAL_SERVICE.read_text()
    (prior,) = {w.demand.mean for w in model.transaction("submit_payment").deferred}
    heavier = text.replace(f"mean = {prior} }}", f"mean = {prior + 0.006} }}")
    assert heavier != text
    heavy.write_text(heavier)
    sizing = design.size(load_scenario(heavy), steps, demands)
    assert sizing.users < plain.users
    assert max(sizing.utilization.values()) <= design.TARGET_UTILIZATION
    per_pass = sum(demands[s]["stack"] for s in steps)
    alone = mva([per_pass], sizing.users, design.THINK_S * len(steps), [1])
    with_later = alone.utilization[0] + alone.throughput * (prior + 0.006)
    assert sizing.utilization["stack"] == pytest.approx(with_later)
