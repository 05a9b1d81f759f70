"""sizing.json as a typed document: written from its model, NaN as null, read back
through the same model; a file of another shape is refused where it is read."""

from __future__ import annotations

import json
import math

import pytest
from pydantic import ValidationError

from peakload.app.size.files import read_document, write_document
from peakload.contract.sizing import SizingDocument
from peakload.contract.summary import Metric, Scope, Violation


def _tiers(**instances: int) -> dict:
    return {n: {"instances": k, "workers": 4, "cost": 1.0} for n, k in instances.items()}


def _data(ci95: float) -> dict:
    """A document as :func:`peakload.app.size.files.sizing_document` builds it: a
    one-tier answer whose p95 came from one replication (no half-width: NaN)."""
    point = {"p95_s": 0.8, "p95_s_ci95": ci95, "pass": True, "replications": 1}
    return {
        "scenario": "ci-smoke",
        "peak_concurrency": 60.0,
        "window": ["09:05", "09:15"],
        "current": _tiers(app=2),
        "recommended": {"app": {**_tiers(app=3)["app"], "servers": 12}},
        "cost": {"recommended": 3.0, "current": 2.0},
        "slo": {
            "pass": False,
            "violations": [
                Violation(
                    scope=Scope.OVERALL,
                    metric=Metric.P95,
                    value=1.2,
                    limit=1.0,
                    message="p95 1.2 s over 1 s",
                )
            ],
            "confirmed": {"p95_s": {"estimate": 0.8, "ci95": ci95, "bound": ci95, "limit": 1.0}},
            "tiers": {"app": {"utilization": 0.5, "ci95": ci95, "bound": ci95, "limit": 0.8}},
        },
        "n1": {},
        "capacity_curve": {
            "bottleneck_at": {"app": None},  # no peak saturates it
            "first_bottleneck": "app",
            "max_peak_within_slo": None,
            "points": [{"peak": 60.0, **point, "stopped": "at_maximum"}],
        },
        "sweeps": {"app": [{"instances": 3, **point, "stopped": "accepted"}]},
        "search": {
            "replications": 1,
            "scale": 1.0,
            "n1": False,
            "search_workers": False,
            "warmup_s": None,
            "executor": "1 local process(es)",
            "evaluated": 1,
            "replications_run": 1,
            "short_day": False,
            "wall_s": 2.5,
        },
        "candidates": [],
        "notes": [],
    }


def test_a_document_round_trips_through_its_json_with_nan_as_null(tmp_path):
    document = SizingDocument.model_validate(_data(ci95=math.nan))
    path = write_document(tmp_path, document)
    data = json.loads(path.read_text())
    assert data["slo"]["pass"] is False  # ``pass`` by its contract name
    assert data["slo"]["confirmed"]["p95_s"]["ci95"] is None  # NaN is null in the file
    assert data["slo"]["violations"][0]["metric"] == "p95_s"  # an enum by its value
    assert data["sweeps"]["app"][0]["p95_s_ci95"] is None
    again = read_document(path)
    assert again.slo.confirmed["p95_s"].ci95 is None  # read back: None where it was NaN
    assert again.slo.violations[0].metric is Metric.P95
    assert again.recommended["app"].servers == 12
    assert again.window == ("09:05", "09:15")
    assert again.to_dict() == data


def test_a_file_of_another_shape_is_refused_where_it_is_read(tmp_path):
    data = json.loads(
        write_document(tmp_path, SizingDocument.model_validate(_data(0.1))).read_text()
    )
    del data["recommended"]["app"]["servers"]
    (tmp_path / "sizing.json").write_text(json.dumps(data))
    with pytest.raises(ValidationError, match="servers"):
        read_document(tmp_path / "sizing.json")
    data["recommended"]["app"]["servers"] = 12
    data["slo"]["verdict"] = "PASS"  # a field the contract does not have
    (tmp_path / "sizing.json").write_text(json.dumps(data))
    with pytest.raises(ValidationError, match="verdict"):
        read_document(tmp_path / "sizing.json")
