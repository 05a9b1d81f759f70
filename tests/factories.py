"""Small scenarios built in code, for tests that compare the model with theory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from peakload.cli import main
from peakload.contract.summary import CONTRACT_VERSION, Summary
from peakload.core.scenario import Scenario
from peakload.core.scenario_file import scenario_from_dict


def exponential(mean: float) -> dict[str, Any]:
    return {"dist": "exponential", "mean": mean}


def station_scenario(
    tiers: list[dict[str, Any]],
    demand: dict[str, dict[str, Any]],
    *,
    rate: float | None = None,
    users: int | None = None,
    think: dict[str, Any] | None = None,
    start: str = "00:00",
    end: str = "24:00",
    window: list[str] | None = None,
    timeout_s: float = 1e6,
    retries: int = 0,
    seed: int = 1,
    deferred: list[dict[str, Any]] | None = None,
) -> Scenario:
    """One transaction ``job`` visiting ``tiers`` with ``demand``: open at ``rate`` or
    closed with ``users`` thinking ``think`` between requests (a steady workload),
    leaving ``deferred`` work if given."""
    if rate is not None:
        workload = {"kind": "open", "rate": [[start, rate]]}
    else:
        workload = {"kind": "closed", "concurrency": [[start, users]], "think_time": think}
    workload |= {"timeout_s": timeout_s, "retries": retries}
    scenario = {"name": "theory", "seed": seed, "start": start, "end": end}
    if window:
        scenario["window"] = window
    return scenario_from_dict(
        {
            "scenario": scenario,
            "workload": workload,
            "transactions": [
                {"name": "job", "weight": 1, "demand": demand, "deferred": deferred or []}
            ],
            "tiers": tiers,
        }
    )


CONTRACT_OVERALL = (
    "throughput_rps",
    "mean_s",
    "p50_s",
    "p95_s",
    "p99_s",
    "error_rate",
    "peak_concurrency",
    "peak_time",
)
CONTRACT_TIER = ("utilization", "mean_wait_s", "mean_response_s", "max_queue")


def assert_contract(summary: dict[str, Any], kind: str, tiers: set[str]) -> None:
    """The output contract (docs/outputs.md): the keys every summary, of any kind, carries,
    as written to ``summary.json``, and the typed model reads it back."""
    model = Summary.model_validate(summary)
    assert model.contract_version == CONTRACT_VERSION
    assert model.overall is not None and model.slo is not None
    assert summary["kind"] == kind
    assert {"scenario", "window", "overall", "transactions", "tiers", "slo"} <= set(summary)
    for key in CONTRACT_OVERALL:
        assert key in summary["overall"], key
    assert set(summary["tiers"]) == tiers
    for tier in summary["tiers"].values():
        assert set(CONTRACT_TIER) <= set(tier)
    assert {"pass", "violations"} <= set(summary["slo"])


def refused_in_one_line(path: Path, text: str, capsys: Any) -> str:
    """``peakload check`` on ``text`` written to ``path``: it must exit 2 with exactly
    one error line, which is returned."""
    path.write_text(text)
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return err[0]
