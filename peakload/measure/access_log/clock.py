"""The log's clock: which time zone its requests are put in, and which day is derived.

A scenario's clock is the local time of one day (``"09:00"``). A log's times
are instants; :class:`LogClock` says which local clock they are read on:

- ``--tz`` when given: an IANA name (``Asia/Ho_Chi_Minh``) or a fixed offset
  (``+07:00``);
- else the log's own offset, for logs that write one (Apache's and nginx's
  ``[27/Apr/2020:09:15:02 +0700]``; the first line's offset is the log's);
- else UTC: W3C (IIS writes UTC) and JSON lines with epoch times.

A scenario is one day: a request belongs to the day its start falls on, on
that clock, so a session that crosses midnight is cut there. On a day a zone
changes its offset (daylight saving), the clock is the seconds since that
day's local midnight.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

DAY_S = 86_400.0
_OFFSET = re.compile(r"^(?:UTC)?([+-])(\d{1,2}):?(\d{2})?$")


class ClockError(ValueError):
    """A ``--tz`` that names no zone, or a ``--day`` that is not a date."""


@dataclass(frozen=True)
class LogClock:
    """A time zone (``tzinfo``) and where it came from (``source``), for the header."""

    zone: timezone | ZoneInfo
    source: str

    @classmethod
    def from_option(cls, tz: str) -> LogClock:
        """``--tz``: an IANA name or ``±HH:MM``."""
        text = tz.strip()
        if text.upper() in ("UTC", "Z"):
            return cls(UTC, "--tz UTC")
        match = _OFFSET.match(text)
        if match:
            sign = -1 if match[1] == "-" else 1
            minutes = int(match[2]) * 60 + int(match[3] or 0)
            if minutes > 14 * 60:
                raise ClockError(f"--tz {tz}: an offset is at most 14:00")
            return cls(timezone(sign * timedelta(minutes=minutes)), f"--tz {text}")
        try:
            return cls(ZoneInfo(text), f"--tz {text}")
        except (ZoneInfoNotFoundError, ValueError):
            raise ClockError(
                f"--tz {tz}: neither an IANA time zone (e.g. Asia/Ho_Chi_Minh) nor an offset "
                "(e.g. +07:00)"
            ) from None

    @classmethod
    def from_log(cls, offset_s: int | None) -> LogClock:
        """The offset the log's stamps carry (Apache, nginx)."""
        if offset_s is None:
            return cls.utc("the log's stamps carry no offset")
        zone = UTC if offset_s == 0 else timezone(timedelta(seconds=offset_s))
        return cls(zone, f"the log's own offset, {_format_offset(offset_s)}")

    @classmethod
    def utc(cls, why: str) -> LogClock:
        """UTC, for logs written in it (W3C, epoch times); ``why`` for the header."""
        return cls(UTC, f"{why}; --tz puts it on a local clock")

    @property
    def name(self) -> str:
        if isinstance(self.zone, ZoneInfo):
            return self.zone.key
        offset = self.zone.utcoffset(None)
        return "UTC" if not offset else f"UTC{_format_offset(int(offset.total_seconds()))}"

    def describe(self) -> str:
        return f"{self.name} ({self.source})"

    def midnight(self, day: date) -> float:
        """Epoch seconds of ``day``'s local midnight."""
        return datetime(day.year, day.month, day.day, tzinfo=self.zone).timestamp()

    def days(self, epoch_s: np.ndarray) -> np.ndarray:
        """The local day of each instant, as days since 1970-01-01 (int64)."""
        epoch_s = np.asarray(epoch_s, dtype=float)
        if not len(epoch_s):
            return np.zeros(0, dtype=np.int64)
        first = self._offset(float(epoch_s.min()))
        if first == self._offset(float(epoch_s.max())):
            return np.floor((epoch_s + first) / DAY_S).astype(np.int64)
        # An offset change within these instants (daylight saving): each its own offset.
        offsets = np.array([self._offset(float(t)) for t in epoch_s])
        return np.asarray(np.floor((epoch_s + offsets) / DAY_S).astype(np.int64))

    def _offset(self, epoch_s: float) -> float:
        moment = datetime.fromtimestamp(epoch_s, tz=UTC).astimezone(self.zone)
        offset = moment.utcoffset()
        assert offset is not None, "astimezone() gives an aware datetime, which has an offset"
        return offset.total_seconds()


def _format_offset(offset_s: int) -> str:
    sign = "-" if offset_s < 0 else "+"
    minutes = abs(offset_s) // 60
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def day_of(number: int) -> date:
    """The date of a day number from :meth:`LogClock.days`."""
    return date(1970, 1, 1) + timedelta(days=int(number))


def parse_day(text: str) -> date:
    """``--day YYYY-MM-DD``."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ClockError(f"--day {text}: not a date (YYYY-MM-DD)") from None
