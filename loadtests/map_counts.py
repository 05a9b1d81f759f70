"""The service's own record counts, asked through a request map's
``[reconciliation.counts]`` requests after a load test, to reconcile its writes
against what the users were told (:func:`count_records`)."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import numpy as np

from loadtests.map_values import CaptureMissing, capture_value, parsed_template
from peakload.core.request_map import load_request_map
from peakload.core.templates import Context, fill, read_secrets
from peakload.core.units import FIRST_UNIT


class _Answer:
    """A urllib answer with the three things a capture reads."""

    def __init__(self, status: int, headers: Any, body: bytes):
        self.status_code = status
        self.headers = headers
        self.text = body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return json.loads(self.text)


def count_records(host: str, path: str | Path, timeout_s: float = 10.0) -> dict[str, int] | str:
    """The service's record count per write transaction, from the map's
    ``[reconciliation.counts]`` requests; a string says why they could not be had."""
    path = Path(path)
    map_ = load_request_map(path)
    if map_.reconciliation is None or not map_.reconciliation.counts:
        return f"the request map {path.name} names no count request ([reconciliation.counts])"
    ctx = Context(
        rng=np.random.default_rng(0),
        user=0,
        unit_code=FIRST_UNIT,
        captures={},
        secrets=read_secrets(map_.secrets(), path.parent, os.environ),
    )
    counts = {}
    for name, request in map_.reconciliation.counts.items():
        url = host.rstrip("/") + fill(parsed_template(request.path), ctx)
        headers = {k: fill(parsed_template(v), ctx) for k, v in request.headers.items()}
        asked = urllib.request.Request(url, headers=headers, method=request.method.value)
        try:
            with urllib.request.urlopen(asked, timeout=timeout_s) as response:
                answer = _Answer(response.status, response.headers, response.read())
        except (urllib.error.URLError, OSError) as exc:
            return f"reconciliation.counts.{name}: {request.method.value} {request.path}: {exc}"
        try:
            counts[name] = record_count(capture_value(request.value, answer))
        except (CaptureMissing, TypeError, ValueError) as exc:
            return f"reconciliation.counts.{name}.value: {exc}"
    return counts


def record_count(value: Any) -> int:
    """A count from a count request's value: a number, the sum of an object's numbers
    (records by status), or a list's length (the records themselves)."""
    if isinstance(value, dict):
        return sum(record_count(v) for v in value.values())
    if isinstance(value, list):
        return len(value)
    if isinstance(value, bool) or value is None:
        raise TypeError(f"{value!r} is not a count")
    return int(value)
