"""The typed summary: old files load, new ones round-trip, wrong ones are named."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from peakload.app.run_dir import write_summary
from peakload.contract.summary import (
    CONTRACT_VERSION,
    Metric,
    RunKind,
    Scope,
    Summary,
    SummaryError,
    read_summary,
)

BASELINES = Path(__file__).resolve().parents[2] / "results" / "baselines"
V1 = Path(__file__).resolve().parent / "data" / "contract_v1"
"""The baselines as they were written before contract_version existed (kept as data)."""


@pytest.mark.parametrize("name", ["sim-ci-smoke", "sim-april", "loadtest-ci-smoke", "suite"])
def test_baselines_written_before_the_version_field_load_as_version_1(name):
    summary = read_summary(V1 / name)
    assert summary.contract_version == 1
    raw = json.loads((V1 / name / "summary.json").read_text())
    assert summary.kind == RunKind(raw["kind"])
    if summary.kind is RunKind.BENCHMARK:
        assert summary.overall is None and summary.benchmarks["simulator"]["ratio"] > 0
        return
    assert summary.overall.p95_s == raw["overall"]["p95_s"]
    assert summary.slo.passed is raw["slo"]["pass"]
    tier = next(iter(summary.tiers.values()))
    assert isinstance(tier.servers, int)


def test_replication_half_widths_are_kept_and_read():
    summary = read_summary(BASELINES / "sim-april")
    raw = json.loads((BASELINES / "sim-april" / "summary.json").read_text())
    assert summary.overall.ci95("p95_s") == raw["overall"]["p95_s_ci95"] > 0
    assert summary.tiers["app"].ci95("utilization") == raw["tiers"]["app"]["utilization_ci95"]
    assert summary.overall.ci95("peak_time") == 0.0  # a text has no half-width
    assert summary.to_dict()["overall"]["p95_s_ci95"] == raw["overall"]["p95_s_ci95"]


def test_a_written_summary_reads_back_the_same(tmp_path):
    original = read_summary(BASELINES / "sim-ci-smoke")
    original.contract_version = CONTRACT_VERSION
    original.overall.p99_s = math.nan  # no data: null on disk, NaN again in memory
    write_summary(tmp_path, original)
    assert json.loads((tmp_path / "summary.json").read_text())["overall"]["p99_s"] is None
    again = read_summary(tmp_path)
    assert again.contract_version == CONTRACT_VERSION
    assert math.isnan(again.overall.p99_s)
    assert again.transactions == original.transactions and again.tiers == original.tiers


def test_version_1_tier_scopes_are_split():
    summary = Summary.model_validate(
        json.loads((BASELINES / "sim-ci-smoke" / "summary.json").read_text())
        | {
            "slo": {
                "pass": False,
                "violations": [
                    {
                        "scope": "tier app",
                        "metric": "utilization",
                        "value": 0.9,
                        "limit": 0.75,
                        "message": "tier app utilization 0.9 > 0.75",
                    }
                ],
                "at_risk": [],
            }
        }
    )
    (violation,) = summary.slo.violations
    assert (violation.scope, violation.tier, violation.metric) == (
        Scope.TIER,
        "app",
        Metric.UTILIZATION,
    )


def test_unreadable_summaries_get_one_line_naming_the_file(tmp_path):
    newer = tmp_path / "newer.json"
    newer.write_text(json.dumps({"kind": "simulation", "scenario": "x", "contract_version": 99}))
    with pytest.raises(SummaryError, match=r"newer.json: .*contract_version 99 is newer"):
        read_summary(newer)
    empty = tmp_path / "empty.json"
    empty.write_text("{}")
    with pytest.raises(SummaryError, match=r"empty.json: not a summary: no 'kind'"):
        read_summary(empty)
    with pytest.raises(SummaryError, match="no such file"):
        read_summary(tmp_path / "nowhere.json")
