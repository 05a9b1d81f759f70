"""The derived scenario as TOML data: the workload the logs show, and the system copied
from ``--base`` or, without one, a placeholder tier that never queues."""

from __future__ import annotations

from typing import Any

from peakload.core.clock import format_clock
from peakload.core.scenario import Scenario
from peakload.measure.access_log.derived import DerivedWorkload
from peakload.measure.access_log.flows import SIGN_IN

PLACEHOLDER_WORKERS = 100_000


def _clock(seconds: float) -> str:
    return format_clock(seconds, with_seconds=seconds % 60 != 0)


def _demands(workload: DerivedWorkload, base: Scenario | None, names: list[str]) -> list[dict]:
    transactions = []
    for name in names:
        entry: dict[str, Any] = {"name": name}
        if base is not None and any(t.name == name for t in base.transactions):
            known = base.transaction(name).model_dump(by_alias=True, exclude_none=True)
            entry["demand"] = known["demand"]
            if known["deferred"]:  # the work it leaves for later, as the base has it
                entry["deferred"] = known["deferred"]
        else:
            tier = base.tiers[0].name if base is not None else "app"
            mean = max(workload.transactions[name].mean_s, 1e-6)
            entry["demand"] = {tier: {"dist": "exponential", "mean": float(f"{mean:.4g}")}}
        transactions.append(entry)
    return transactions


def scenario_data(workload: DerivedWorkload, base: Scenario | None, name: str) -> dict[str, Any]:
    """The scenario as TOML data: derived workload, base (or placeholder) system."""
    profile = workload.profile
    steps = [s for flow in workload.flows for s in flow.steps]
    names = list(dict.fromkeys(([SIGN_IN] if SIGN_IN in workload.transactions else []) + steps))
    base_workload = base.workload if base is not None else None
    data: dict[str, Any] = {
        "scenario": {
            "name": name,
            "description": f"Derived from {len(workload.sources)} access log(s): "
            f"{workload.requests:,} requests, {workload.sessions:,} sessions.",
            "seed": base.scenario.seed if base is not None else 1,
            "start": _clock(workload.start_s),
            "end": _clock(workload.end_s),
            "window": [
                _clock(workload.window_s[0]),
                _clock(min(workload.window_s[1], workload.end_s)),
            ],
        },
        "workload": {
            "kind": "closed",
            "concurrency": [
                [_clock(t), round(float(v))]
                for t, v in zip(profile.times, profile.values, strict=True)
            ],
            "think_time": workload.think_time.dist,
            "timeout_s": getattr(base_workload, "timeout_s", 30.0),
            "retries": getattr(base_workload, "retries", 1),
        },
        "flows": [
            {"name": f.name, "weight": f.count, "steps": list(f.steps)} for f in workload.flows
        ],
        "transactions": _demands(workload, base, names),
    }
    if base is not None:
        data["tiers"] = [t.model_dump(by_alias=True, exclude_none=True) for t in base.tiers]
        data["slo"] = base.slo.model_dump(by_alias=True, exclude_none=True)
    else:
        data["tiers"] = [{"name": "app", "instances": 1, "workers": PLACEHOLDER_WORKERS}]
    return data
