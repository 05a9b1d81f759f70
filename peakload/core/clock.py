"""The simulated wall clock: scenario times are "HH:MM" or "HH:MM:SS" of one day."""

from __future__ import annotations

import re

_CLOCK = re.compile(r"^(\d{1,2}):([0-5]\d)(?::([0-5]\d(?:\.\d+)?))?$")


def parse_clock(text: str) -> float:
    """Seconds after midnight for ``"09:30"`` or ``"09:30:15"``; ValueError otherwise."""
    match = _CLOCK.match(text.strip()) if isinstance(text, str) else None
    if not match:
        raise ValueError(f"'{text}' is not a clock time HH:MM or HH:MM:SS")
    hours, minutes, seconds = int(match[1]), int(match[2]), float(match[3] or 0)
    if hours > 24 or (hours == 24 and (minutes or seconds)):
        raise ValueError(f"'{text}' is past 24:00")
    return hours * 3600 + minutes * 60 + seconds


def format_clock(seconds: float, with_seconds: bool = False) -> str:
    """``"HH:MM"`` (or ``"HH:MM:SS"``) for seconds after midnight."""
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}" if with_seconds else f"{hours:02d}:{minutes:02d}"


def format_instant(seconds: float) -> str:
    """``"HH:MM"`` on a whole minute, else ``"HH:MM:SS"``: as short as the time is exact,
    so a 20-second window reads ``10:00-10:00:20``, never ``10:00-10:00``."""
    return format_clock(seconds, with_seconds=round(seconds) % 60 != 0)


def parse_window(text: str) -> tuple[str, str]:
    """``"09:00-11:00"`` -> ``("09:00", "11:00")``, checked and ordered."""
    parts = text.split("-")
    if len(parts) != 2:
        raise ValueError(f"window '{text}' must look like HH:MM-HH:MM")
    start, end = (p.strip() for p in parts)
    if parse_clock(end) <= parse_clock(start):
        raise ValueError(f"window '{text}' ends before it starts")
    return start, end
