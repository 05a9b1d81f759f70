"""validation.json as a typed document: rows from the judge, NaN written as null and
read back, ``pass`` by its contract name."""

from __future__ import annotations

import json
import math

from peakload.app.validate.document import write_document
from peakload.contract.validation import LevelRecord, ValidationDocument
from peakload.measure.validation import Estimate, MetricKind, judge_row


def _document(rows, passed: bool) -> ValidationDocument:
    level = LevelRecord(
        level=0.5,
        load=30.0,
        scenario="ci-smoke-level-50.toml",
        plan={"compress": 40.0},
        planned_requests_rps=14.9,
        measured_requests=4012,
        simulation="sim",
        loadtest="load",
        generator_saturated=False,
        passed=passed,
        rows=rows,
    )
    return ValidationDocument(
        passed=passed,
        scenario="ci-smoke.toml",
        serve_scenario=None,
        host="mock (started by peakload)",
        replications=3,
        bounds={"throughput": 0.05},
        rule="agree: |difference| <= bound",
        failing=[],
        failing_rows=[],
        imprecise=[],
        levels=[level],
        drill="skipped: --no-drills",
    )


def test_a_document_round_trips_through_its_json_with_nan_as_null(tmp_path):
    agree = judge_row(
        0.5,
        "overall.throughput_rps",
        MetricKind.THROUGHPUT,
        Estimate(15.0, 0.2),
        Estimate(14.9, 0.3),
        _bounds(),
    )
    unknown = judge_row(
        0.5,
        "tiers.db.mean_response_s",
        MetricKind.MEAN,
        Estimate(0.02, 0.001),
        Estimate(math.nan),
        _bounds(),
    )
    doc = _document([agree.record(), unknown.record()], passed=False)
    data = json.loads(write_document(tmp_path, doc).read_text())
    assert data["pass"] is False and data["levels"][0]["pass"] is False
    assert data["levels"][0]["rows"][1]["measured"] is None  # NaN is null in the file
    assert data["levels"][0]["rows"][0]["verdict"] == "agree"
    again = ValidationDocument.model_validate(data)
    assert again.levels[0].rows[0].predicted == 15.0
    assert again.levels[0].rows[1].measured is None  # read back: None where it was NaN
    assert again.drill == "skipped: --no-drills"


def _bounds():
    from peakload.measure.validation import Bounds

    return Bounds()
