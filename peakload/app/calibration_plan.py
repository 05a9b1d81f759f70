"""``calibrate --plan``: load tests designed so that every demand is identifiable.

A load test that follows the scenario's mix cannot split a flow's busy time
among its steps: the steps always complete in the same proportion (see
:mod:`peakload.measure.calibration.identifiability`). The design here makes
the proportions move instead, by *lockstep tours*:

- one flow, the *tour*, runs every step of every flow of the model once, in
  the model's order (so each step finds the state its flow left: a draft to
  sign, an order to submit);
- think time is deterministic and every user starts in the first second, so
  the users move through the tour together: a wave of sign-ins, then a wave
  of searches, of drafts, of signatures ... Each few-second window is
  dominated by one or two steps, and the regression sees each step's demand
  almost alone;
- users are as many as the prior says the slowest tier clears in about half a
  think time, and never more than the smallest queue limit, so no request is
  refused part-way through its tiers (a refusal would leave busy time without
  a completion).

The design needs users that start the tour at its first step, together: the
tour's workload says ``entry = "first_step"``. (A load test's users otherwise
join mid-flow, from the stationary state of a user already at work, which
would spread them over the tour, fix the windows' mix again and leave the
demands unidentifiable.)

The derived scenario is written under the calibration's directory
(``plan/<scenario>-tour.toml``) and run as an ordinary load test, against
the mock (serving ``--serve-scenario`` when given) or ``--host``.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import tomli_w

from peakload.app.errors import JobError
from peakload.app.loadtest import LoadTestOptions, loadtest, scenario_requests
from peakload.core.clock import format_clock
from peakload.core.scenario import LOGIN, Scenario
from peakload.core.stationary import FlowEntry

THINK_S = 2.0
"""Deterministic think time of the tour: the spacing of the waves."""
MAX_USERS = 20
MIN_USERS = 5
START_S = 9 * 3600.0


def tour(model: Scenario) -> list[str]:
    """Every step of every flow, flows in the model's order."""
    return [step for flow in model.flow_list for step in flow.steps if step != LOGIN]


def tour_users(model: Scenario, think_s: float = THINK_S) -> int:
    """Users whose wave the prior's slowest (transaction, tier) clears in half a think
    time, capped by the smallest queue limit (so a wave is never refused)."""
    users = MAX_USERS
    for txn in model.transactions:
        for tier_name, demand in txn.demand.items():
            tier = model.tier(tier_name)
            if demand.mean > 0:
                users = min(users, math.floor(0.5 * think_s * tier.servers / demand.mean))
    for tier in model.tiers:
        if tier.queue_limit is not None:
            users = min(users, tier.queue_limit + tier.servers - 1)
    return max(MIN_USERS, users)


def tour_scenario(model_path: Path, model: Scenario, wall_s: float) -> dict[str, Any]:
    """The model's file with the workload replaced by the lockstep tour."""
    data = tomllib.loads(model_path.read_text())
    if data["scenario"].get("requests"):  # the request map stays the model's
        data["scenario"]["requests"] = str(
            (model_path.parent / data["scenario"]["requests"]).resolve()
        )
    users = tour_users(model)
    end = START_S + math.ceil(wall_s)
    start, stop = format_clock(START_S, with_seconds=True), format_clock(end, with_seconds=True)
    data["scenario"].update(
        {
            "description": f"calibrate --plan: lockstep tour of {model.name}'s steps",
            "start": start,
            "end": stop,
            "window": [start, stop],
        }
    )
    workload = data["workload"]
    workload.update(
        {
            "kind": "closed",
            "concurrency": [[start, users], [stop, users]],
            "think_time": {"dist": "deterministic", "value": THINK_S},
            "entry": FlowEntry.FIRST_STEP.value,
        }
    )
    workload.pop("rate", None)
    for txn in data["transactions"]:
        txn.pop("weight", None)
    data["flows"] = [{"name": "tour", "weight": 1.0, "steps": tour(model)}]
    data.pop("failures", None)
    return data


def run_plan(
    options,
    model: Scenario,
    run_dir: Path,
    progress: Callable[[str], None] | None = None,
) -> list[Path]:
    """Write the designed scenario, run it, and return the run directories."""
    if options.host and options.serve_scenario_path:
        raise JobError("--serve-scenario needs the mock this starts; it cannot go with --host")
    plan_dir = run_dir / "plan"
    plan_dir.mkdir(parents=True, exist_ok=True)
    model_path = Path(options.scenario_path)
    path = plan_dir / f"{model_path.stem}-tour.toml"
    path.write_text(tomli_w.dumps(tour_scenario(model_path, model, options.plan_wall_s)))
    if progress is not None:
        progress(
            f"plan: {path.name}, {tour_users(model)} users in lockstep through "
            f"{len(tour(model))} steps, {options.plan_wall_s:g} s"
        )
    done = loadtest(
        LoadTestOptions(
            scenario_path=path,
            host=options.host,
            serve_scenario_path=options.serve_scenario_path,
            requests_path=options.requests_path or scenario_requests(model_path, model),
            compress=1.0,
            out=plan_dir,
            plots=options.plots,
            busy_map_path=options.busy_map_path,
        )
    )
    if progress is not None:
        progress(f"plan: measured {done.run_dir}")
    return [done.run_dir]
