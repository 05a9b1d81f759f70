"""Busy time of a real system: a Prometheus text endpoint or an exported CSV per tier."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from loadtests import busy_sources
from peakload.cli import main

pytestmark = [pytest.mark.load, pytest.mark.untimed]  # files and an exit code

SMOKE = Path(__file__).resolve().parents[2] / "scenarios" / "ci-smoke.toml"
TIERS = ["gateway", "app", "signature", "db"]

METRICS = """# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.
# TYPE process_cpu_seconds_total counter
process_cpu_seconds_total{job="app",instance="a1"} 12.5
process_cpu_seconds_total{job="app",instance="a2"} 7.5
process_cpu_seconds_total{job="db",instance="d1"} 100.0
"""


def _mapping(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "busy.toml"
    path.write_text(text)
    return path


def test_prometheus_metric_is_summed_over_matching_series_and_endpoints(tmp_path):
    metrics = tmp_path / "metrics.txt"
    metrics.write_text(METRICS)
    url = metrics.as_uri()
    mapping = busy_sources.load_busy_map(
        _mapping(
            tmp_path,
            f'[tiers.app]\nprometheus = ["{url}", "{url}"]\n'
            'metric = "process_cpu_seconds_total"\nlabels = { job = "app" }\n',
        ),
        TIERS,
    )
    assert busy_sources.sample_prometheus(mapping.prometheus) == {"app": {"busy_seconds": 40.0}}


def test_a_metric_missing_from_the_endpoint_gives_no_sample(tmp_path):
    metrics = tmp_path / "metrics.txt"
    metrics.write_text(METRICS)
    mapping = busy_sources.load_busy_map(
        _mapping(
            tmp_path, f'[tiers.db]\nprometheus = "{metrics.as_uri()}"\nmetric = "db_busy_seconds"\n'
        ),
        TIERS,
    )
    assert busy_sources.sample_prometheus(mapping.prometheus) == {}


def test_csv_counter_and_rate_become_cumulative_busy_seconds(tmp_path):
    (tmp_path / "db.csv").write_text("timestamp,cpu\n1000,5.0\n1001,5.5\n1002,6.5\n")
    (tmp_path / "app.csv").write_text(
        "time,busy\n1970-01-01T00:16:40+00:00,0.0\n1970-01-01T00:16:41+00:00,2.0\n"
        "1970-01-01T00:16:42+00:00,4.0\n"
    )
    mapping = busy_sources.load_busy_map(
        _mapping(
            tmp_path,
            '[tiers.db]\ncsv = "db.csv"\ntime_column = "timestamp"\nvalue_column = "cpu"\n'
            '[tiers.app]\ncsv = "app.csv"\nvalue_column = "busy"\nkind = "rate"\n',
        ),
        TIERS,
    )
    wall, counter = busy_sources.read_csv("db", mapping.csv["db"])
    assert list(wall) == [1000, 1001, 1002] and list(counter) == [5.0, 5.5, 6.5]
    wall, counter = busy_sources.read_csv("app", mapping.csv["app"])
    assert list(wall) == [1000, 1001, 1002] and list(counter) == [0.0, 2.0, 6.0]
    samples = busy_sources.csv_samples(mapping.csv, [999.0, 1000.5, 1001.5])
    assert samples[0] == {}  # before the export starts: nothing, not a guess
    assert samples[1]["db"]["busy_seconds"] == pytest.approx(5.25)
    assert samples[2]["app"]["busy_seconds"] == pytest.approx(4.0)
    assert np.isfinite(samples[2]["db"]["busy_seconds"])


def test_an_unknown_tier_names_the_key(tmp_path):
    path = _mapping(tmp_path, '[tiers.hsm]\ncsv = "x.csv"\nvalue_column = "v"\n')
    with pytest.raises(busy_sources.BusyMapError, match=r"tiers\.hsm: unknown tier 'hsm'"):
        busy_sources.load_busy_map(path, TIERS)


def test_a_source_without_its_metric_names_the_key(tmp_path):
    path = _mapping(tmp_path, '[tiers.app]\nprometheus = "http://127.0.0.1:9/metrics"\n')
    with pytest.raises(busy_sources.BusyMapError, match=r"tiers\.app"):
        busy_sources.load_busy_map(path, TIERS)


def test_loadtest_with_an_unknown_tier_in_the_mapping_exits_2(tmp_path, capsys):
    path = _mapping(tmp_path, '[tiers.hsm]\ncsv = "x.csv"\nvalue_column = "v"\n')
    code = main(
        [
            "loadtest",
            "--scenario",
            str(SMOKE),
            "--busy-time",
            str(path),
            "--quiet",
            "--out",
            str(tmp_path / "out"),
        ]
    )
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1 and "tiers.hsm" in err
