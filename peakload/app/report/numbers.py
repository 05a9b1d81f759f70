"""How figures read on a page: a few significant digits, never 1.73e+03, a
confidence half-width beside its estimate when the run has one."""

from __future__ import annotations

import math
from typing import Any


def num(value: Any, digits: int = 3) -> str:
    """``digits`` significant digits, never in e-notation; ``-`` for nothing."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    if abs(value) >= 10**digits:  # 1,730 rather than 1.73e+03
        return f"{value:,.0f}"
    if 0 < abs(value) < 0.001:  # 4.7e-05 ms is noise, not a figure
        return "< 0.001" if value > 0 else "> -0.001"
    return f"{value:.{digits}g}"


def with_ci(values: dict[str, Any], name: str, scale: float = 1.0, digits: int = 3) -> str:
    """``values[name]`` (times ``scale``), with ``± <name>_ci95`` when the run has it."""
    value = values.get(name)
    if value is None:
        return "-"
    text = num(value * scale, digits)
    ci = values.get(f"{name}_ci95")
    return f"{text} ± {num(ci * scale, 2)}" if ci else text


def ms(values: dict[str, Any], name: str) -> str:
    return with_ci(values, name, 1000.0)


def pct(value: Any) -> str:
    return "-" if value is None else f"{100 * value:.2f}%"
