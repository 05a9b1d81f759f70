"""``validation.json``: what a validation found, typed
(:class:`peakload.contract.validation.ValidationDocument`), with the rule it judged by."""

from __future__ import annotations

import json
from pathlib import Path

from peakload.app.run_dir import jsonable
from peakload.app.validate.plateau import shortest_window
from peakload.app.validate.run import ValidateOptions, ValidationRun
from peakload.contract.validation import ValidationDocument
from peakload.measure.validation import (
    MATTERS_SHARE,
    MIN_MEAN_REQUESTS,
    MIN_TRANSACTION_REQUESTS,
)

RULE = (
    "difference = predicted - measured; noise = sqrt(ci_p^2 + ci_m^2) (95% half-widths: "
    "replications for the prediction, in quadrature with what its calibrated demands' 95% "
    "intervals make of it when the model comes with a calibration.json (predicted_input_ci95), "
    "batch means over the window for the measurement). "
    "agree: |difference| <= bound; agree, within noise: |difference| <= bound + noise; "
    "disagree: beyond bound + noise (the model misses by more than the bound with 95% "
    "confidence). Bounds are relative to the measurement for throughput and times "
    "(a client's mean or p95 compared as queue time only, with no delay tier in the model "
    "and no outside time reported by the server, also agrees within latency_floor_s; a "
    "tier's wait within wait_floor_s), absolute points for utilization and share. "
    "A transaction's predicted mean and p95 against a server reporting its own time outside "
    "the tiers are the model's figure plus that measured outside mean. "
    "detectable = bound + noise, the smallest miss that would have disagreed; decisive: "
    "noise <= bounds.decisive x bound. Verdict: fail when a row disagrees, else "
    "inconclusive when a row that matters (throughput, each tier's utilization, the mean of "
    f"each transaction with >= {MATTERS_SHARE:.0%} of the model's requests) is not decisive, "
    "else pass. "
    f"A transaction's mean row only with >= {MIN_MEAN_REQUESTS} measured requests, its p95 "
    f"and share rows with >= {MIN_TRANSACTION_REQUESTS}. Measured means are controlled for the "
    "demand each request drew, where the server reports it (x-peakload-demand-deviation). "
    "Drill rows (drills.<drill>.<inside|outside>.<figure>): the failing tier's mean wait and "
    "response inside the drill and in the rest of the window; measured half-widths from batch "
    "means of the server's counters."
)


def document(run: ValidationRun, options: ValidateOptions) -> ValidationDocument:
    """``validation.json``, typed (:mod:`peakload.contract.validation`)."""
    return ValidationDocument(
        passed=run.passed,
        verdict=run.verdict.value,
        decisive=sum(r.decisive for r in run.rows),
        max_minutes=options.max_minutes,
        min_window_s=shortest_window(options.min_window_s),
        predict_seconds=options.predict_seconds,
        scenario=str(options.scenario_path),
        serve_scenario=str(options.serve_scenario_path) if options.serve_scenario_path else None,
        host=options.host or "mock (started by peakload)",
        replications=options.replications,
        calibration=str(run.calibration) if run.calibration else None,
        bounds=run.bounds.as_dict(),
        rule=RULE,
        failing=run.failing,
        failing_rows=[f"{r.metric}@{r.level:g}" for r in run.level_rows if r.failed]
        + [r.metric for r in (run.drill.rows if run.drill else []) if r.failed],
        imprecise=sorted({r.metric for r in run.rows if r.imprecise}),
        levels=[level.record() for level in run.levels],
        drill=run.drill.record() if run.drill else run.drill_skipped,
    )


def write_document(run_dir: Path, doc: ValidationDocument) -> Path:
    path = run_dir / "validation.json"
    path.write_text(json.dumps(jsonable(doc.to_dict()), indent=2, allow_nan=False) + "\n")
    return path
