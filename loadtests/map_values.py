"""What a request map's requests read and fill, for the users (:mod:`loadtests.mapped`)
and the reconciliation's count requests (:mod:`loadtests.map_counts`) alike: the value
a capture takes from an answer, and each template string parsed once per process."""

from __future__ import annotations

import functools
import re
from typing import Any

from peakload.core.json_path import Absent, JsonPath
from peakload.core.request_map import Capture, CaptureSource
from peakload.core.templates import Template


class CaptureMissing(LookupError):
    """A response without the value a capture takes from it."""


def capture_value(capture: Capture, response: Any) -> Any:
    """The value ``capture`` takes from ``response`` (CaptureMissing if absent)."""
    match capture.source:
        case CaptureSource.JSON:
            try:
                document = response.json()
            except ValueError:
                raise CaptureMissing(f"{capture.expression}: the answer is not JSON") from None
            try:
                return JsonPath.parse(capture.expression).find(document)
            except Absent as exc:
                raise CaptureMissing(str(exc)) from None
        case CaptureSource.HEADER:
            value = response.headers.get(capture.expression)
            if value is None:
                raise CaptureMissing(f"header {capture.expression} is absent")
            return value
        case CaptureSource.REGEX:
            found = re.search(capture.expression, response.text or "")
            if found is None:
                raise CaptureMissing(f"regex {capture.expression} matches nothing in the body")
            return found.group(1) if found.re.groups else found.group(0)
    raise AssertionError(capture.source)


parsed_template = functools.lru_cache(maxsize=4096)(Template.parse)
"""A template string parsed once per process (a map has a few dozen)."""
