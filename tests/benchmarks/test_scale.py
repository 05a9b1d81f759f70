"""benchmarks/scale.py runs each measurement in a fresh process and reads its JSON back."""

from __future__ import annotations

import pytest

from benchmarks.scale import ROOT, in_fresh_process


def test_a_child_that_fails_stops_the_benchmark_with_its_last_error_line():
    with pytest.raises(SystemExit) as stopped:
        in_fresh_process("benchmarks.scale", "--factors", "one")
    message = str(stopped.value)
    assert message.startswith("benchmarks.scale --factors one failed: ")
    assert "invalid int value: 'one'" in message


def test_a_child_s_last_line_is_read_as_json():
    figures = in_fresh_process(
        "benchmarks.scale", "--child", "1", "--scenario", str(ROOT / "scenarios" / "ci-smoke.toml")
    )
    assert figures["factor"] == 1
    assert figures["requests"] > 10_000
    assert figures["peak_mb"] > 0
