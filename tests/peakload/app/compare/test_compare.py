"""peakload compare: identical runs pass, a real regression fails and is named."""

from __future__ import annotations

import copy
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from peakload.cli import main
from peakload.measure.compare import compare, quantile_interval

SUMMARY = {
    "kind": "loadtest",
    "scenario": "ci-smoke",
    "overall": {
        "requests": 18_000,
        "throughput_rps": 30.0,
        "ok_rps": 30.0,
        "mean_s": 0.05,
        "p50_s": 0.035,
        "p95_s": 0.18,
        "p99_s": 0.32,
        "error_rate": 0.0,
        "timeouts": 0,
        "refusals": 0,
        "peak_concurrency": 60.0,
        "peak_time": "09:10",
        "mean_concurrency": 60.0,
    },
    "transactions": {
        "sign_payment": {
            "count": 50,
            "mean_s": 0.2,
            "p50_s": 0.15,
            "p95_s": 0.36,
            "p99_s": 0.5,
            "errors": 0,
            "error_rate": 0.0,
        }
    },
    "tiers": {
        "app": {
            "servers": 4,
            "utilization": 0.18,
            "throughput_rps": 30.0,
            "mean_wait_s": 0.001,
            "mean_response_s": 0.024,
            "max_queue": 2,
            "refusals": 0,
            "refused_fraction": 0.0,
        }
    },
}


def write_run(directory: Path, summary: dict, latencies: np.ndarray | None = None) -> Path:
    directory.mkdir(parents=True)
    (directory / "summary.json").write_text(json.dumps(summary))
    if latencies is not None:
        np.save(directory / "latencies.npy", latencies)
    return directory


def latency_sample(seed: int, scale: float = 1.0, n: int = 5_000) -> np.ndarray:
    return np.random.default_rng(seed).lognormal(np.log(0.035 * scale), 0.9, n)


def test_identical_summaries_pass(tmp_path, capsys):
    a = write_run(tmp_path / "a", SUMMARY)
    b = write_run(tmp_path / "b", SUMMARY)
    assert main(["compare", str(a), str(b)]) == 0
    assert "no regression" in capsys.readouterr().out


def test_a_20_percent_p95_regression_fails_and_is_named(tmp_path):
    worse = copy.deepcopy(SUMMARY)
    worse["overall"]["p95_s"] = 0.18 * 1.2
    a = write_run(tmp_path / "a", SUMMARY | {"kind": "simulation"})
    b = write_run(tmp_path / "b", worse | {"kind": "simulation"})
    md, xml = tmp_path / "report.md", tmp_path / "junit.xml"
    assert main(["compare", str(a), str(b), "--markdown", str(md), "--junit", str(xml)]) == 1
    text = md.read_text()
    assert "**FAIL**: 1 regression(s)" in text and "`overall.p95_s`" in text and "+20.0%" in text
    suite = ET.parse(xml).getroot().find("testsuite")
    assert suite.get("failures") == "1"
    failed = [c for c in suite.iter("testcase") if c.find("failure") is not None]
    assert [c.get("name") for c in failed] == ["overall.p95_s"]
    assert "tolerance" in failed[0].find("failure").get("message")


def test_noise_within_tolerance_passes_and_real_shifts_do_not(tmp_path):
    noisy = copy.deepcopy(SUMMARY)
    noisy["overall"]["p95_s"] = 0.18 * 1.15  # inside a load test's 25 % latency band
    noisy["overall"]["throughput_rps"] = 29.0
    rows = compare(SUMMARY, noisy)
    assert not any(r.failed for r in rows)
    # Beyond the band, but the latencies say it is the same distribution: noise.
    shifted = copy.deepcopy(SUMMARY)
    shifted["overall"]["p95_s"] = 0.18 * 1.4
    same = compare(SUMMARY, shifted, None, latency_sample(1), latency_sample(2))
    p95 = next(r for r in same if r.metric == "overall.p95_s")
    assert p95.verdict == "pass" and p95.test.startswith("Mann-Whitney")
    # A true 40 % shift in the samples is not noise.
    real = compare(SUMMARY, shifted, None, latency_sample(1), latency_sample(2, 1.4))
    assert next(r for r in real if r.metric == "overall.p95_s").failed


def test_replication_intervals_decide_when_they_overlap(tmp_path):
    base = copy.deepcopy(SUMMARY) | {"kind": "simulation"}
    base["overall"] |= {"p95_s": 1.00, "p95_s_ci95": 0.10}
    cur = copy.deepcopy(base)
    cur["overall"] |= {"p95_s": 1.12, "p95_s_ci95": 0.10}
    row = next(r for r in compare(base, cur) if r.metric == "overall.p95_s")
    assert row.test == "confidence intervals" and row.verdict == "pass"
    cur["overall"] |= {"p95_s": 1.30}
    assert next(r for r in compare(base, cur) if r.metric == "overall.p95_s").failed


def test_a_simulated_and_a_measured_summary_compare_without_error(tmp_path):
    from peakload.app.simulate.job import SimulateOptions, simulate

    root = Path(__file__).resolve().parents[4]
    sim_run = simulate(
        SimulateOptions(root / "scenarios" / "ci-smoke.toml", out=tmp_path / "sim", plots=False)
    ).run_dir
    measured = json.loads((sim_run / "summary.json").read_text()) | {"kind": "loadtest"}
    measured["overall"]["p95_s"] *= 1.1
    load_run = write_run(tmp_path / "load", measured)
    assert main(["compare", str(sim_run), str(load_run)]) == 0


def test_tolerance_file_overrides_and_bad_input_exits_2(tmp_path, capsys):
    worse = copy.deepcopy(SUMMARY)
    worse["overall"]["p95_s"] = 0.18 * 1.2
    a = write_run(tmp_path / "a", SUMMARY | {"kind": "simulation"})
    b = write_run(tmp_path / "b", worse | {"kind": "simulation"})
    loose = tmp_path / "tol.toml"
    loose.write_text('[metrics."overall.p95_s"]\nrel = 0.30\n')
    assert main(["compare", str(a), str(b), "--tolerance", str(loose)]) == 0
    assert main(["compare", str(a), str(tmp_path / "nowhere")]) == 2
    assert "no such file" in capsys.readouterr().err
    (tmp_path / "bad.json").write_text("{}")
    assert main(["compare", str(a), str(tmp_path / "bad.json")]) == 2


@pytest.mark.parametrize("metric", ["overall.throughput_rps"])
def test_throughput_falling_is_the_regression(metric):
    lower = copy.deepcopy(SUMMARY)
    lower["overall"]["throughput_rps"] = 20.0
    higher = copy.deepcopy(SUMMARY)
    higher["overall"]["throughput_rps"] = 40.0
    assert next(r for r in compare(SUMMARY, lower) if r.metric == metric).failed
    assert next(r for r in compare(SUMMARY, higher) if r.metric == metric).verdict == "improvement"


def test_the_current_run_is_judged_under_the_baseline_scenarios_slo(tmp_path):
    from peakload.app.compare.job import CompareOptions
    from peakload.app.compare.job import compare as compare_job

    baseline = Path(__file__).resolve().parents[4] / "results" / "baselines" / "sim-ci-smoke"
    same = compare_job(CompareOptions(baseline, baseline))
    assert same.verdict is not None and same.verdict.passed
    strict = tmp_path / "strict"
    strict.mkdir()
    (strict / "summary.json").write_text((baseline / "summary.json").read_text())
    (strict / "scenario.toml").write_text(
        (baseline / "scenario.toml").read_text().replace("p95_s = 1.0", "p95_s = 0.001")
    )
    tight = compare_job(CompareOptions(strict, baseline))
    assert not tight.failed  # the same figures: no regression, but a broken limit
    assert not tight.verdict.passed
    assert tight.verdict.violations[0].message.startswith("overall p95_s")


def test_a_sketched_percentile_agrees_with_its_exact_baseline_within_the_bound():
    baseline = copy.deepcopy(SUMMARY) | {"kind": "simulation"}
    within = copy.deepcopy(baseline) | {"quantile_error": 0.005}
    within["overall"]["p95_s"] = 0.18 * 1.004  # a sketch may read 0.5 % high
    beyond = copy.deepcopy(within)
    beyond["overall"]["p95_s"] = 0.18 * 1.02
    verdicts = {
        name: {r.metric: r.verdict for r in compare(baseline, current)}["overall.p95_s"]
        for name, current in (("within", within), ("beyond", beyond))
    }
    assert verdicts == {"within": "pass", "beyond": "regression"}


def _transaction_run(p95_s: float) -> dict:
    run = copy.deepcopy(SUMMARY)
    run["transactions"]["sign_payment"] |= {"count": 120, "p95_s": p95_s}
    return run


def test_a_transactions_percentile_is_judged_by_its_order_statistics(tmp_path):
    # 120 requests from one distribution, twice: the second run's p95 (its 6th largest)
    # came out 50 % above the first's, past the 25 % band, and is noise. (Of 40 such
    # pairs, 4 moved by more than 35 %.)
    def sample(seed: int, scale: float = 1.0, n: int = 120) -> np.ndarray:
        return np.random.default_rng(seed).lognormal(np.log(0.05 * scale), 0.7, n)

    before, after = sample(1), sample(101)
    p95 = (float(np.quantile(before, 0.95)), float(np.quantile(after, 0.95)))
    assert p95[1] > 1.45 * p95[0]
    base, cur = _transaction_run(p95[0]), _transaction_run(p95[1])
    alone = next(r for r in compare(base, cur) if r.metric == "transactions.sign_payment.p95_s")
    assert alone.failed and alone.test == "tolerance"
    noise = compare(base, cur, None, None, None, {"sign_payment": before}, {"sign_payment": after})
    row = next(r for r in noise if r.metric == "transactions.sign_payment.p95_s")
    assert row.test == "order statistics" and row.verdict == "pass", row
    # 2,000 requests a run, the second 50 % slower: the intervals part, a regression.
    before, after = sample(1, n=2000), sample(101, 1.5, n=2000)
    base = _transaction_run(float(np.quantile(before, 0.95)))
    cur = _transaction_run(float(np.quantile(after, 0.95)))
    real = compare(base, cur, None, None, None, {"sign_payment": before}, {"sign_payment": after})
    assert next(r for r in real if r.metric == "transactions.sign_payment.p95_s").failed
    # the files a load test writes carry them to `peakload compare`
    a = write_run(tmp_path / "a", _transaction_run(p95[0]))
    b = write_run(tmp_path / "b", _transaction_run(p95[1]))
    np.savez(a / "transaction_latencies.npz", sign_payment=sample(1))
    np.savez(b / "transaction_latencies.npz", sign_payment=sample(101))
    assert main(["compare", str(a), str(b)]) == 0


def test_the_interval_of_a_quantile_holds_it_as_often_as_it_says():
    # the lognormal's true p95, and how often 120 draws' interval holds it
    true_p95 = float(np.exp(np.log(0.05) + 0.7 * 1.6448536))
    rng = np.random.default_rng(5)
    held = 0
    for _ in range(2000):
        low, high = quantile_interval(rng.lognormal(np.log(0.05), 0.7, 120), 0.95)
        held += low <= true_p95 <= high
    assert 0.94 <= held / 2000 <= 0.985, held  # at least 95 %, discrete ranks err wide
