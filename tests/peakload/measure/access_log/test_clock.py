"""The log's clock: --tz parsing, local days and midnights, daylight saving."""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np
import pytest

from peakload.measure.access_log.clock import ClockError, LogClock, day_of, parse_day


def _epoch(*args) -> float:
    return datetime(*args, tzinfo=UTC).timestamp()


def test_offsets_and_names_are_read():
    assert LogClock.from_option("+07:00").name == "UTC+07:00"
    assert LogClock.from_option("-0330").name == "UTC-03:30"
    assert LogClock.from_option("UTC").name == "UTC"
    assert LogClock.from_option("Asia/Ho_Chi_Minh").name == "Asia/Ho_Chi_Minh"
    with pytest.raises(ClockError, match="at most 14:00"):
        LogClock.from_option("+15:00")
    with pytest.raises(ClockError, match="not a date"):
        parse_day("2020-13-01")


def test_a_day_is_local():
    """17:30 UTC on the 26th is 00:30 on the 27th in Hanoi."""
    hanoi = LogClock.from_option("+07:00")
    days = hanoi.days(np.array([_epoch(2020, 4, 26, 16, 59), _epoch(2020, 4, 26, 17, 30)]))
    assert [day_of(d) for d in days] == [date(2020, 4, 26), date(2020, 4, 27)]
    assert hanoi.midnight(date(2020, 4, 27)) == _epoch(2020, 4, 26, 17, 0)


def test_daylight_saving_moves_the_offset_within_a_batch():
    """Paris goes from +01:00 to +02:00 at 01:00 UTC on 29 March 2020: 22:30 UTC on the
    29th is already the 30th there, 22:30 UTC on the 28th still the 28th."""
    paris = LogClock.from_option("Europe/Paris")
    stamps = np.array([_epoch(2020, 3, 28, 22, 30), _epoch(2020, 3, 29, 22, 30)])
    assert [day_of(d) for d in paris.days(stamps)] == [date(2020, 3, 28), date(2020, 3, 30)]
    assert paris.midnight(date(2020, 3, 30)) == _epoch(2020, 3, 29, 22, 0)
