"""The access-log formats peakload reads, apart from the reader (no polars to import).

The command line offers them as choices before any log is read, so they live
where naming them costs nothing. Each format says what its time stamp stands
for and what its lines cannot tell, so that the scenario's header can say so.

What a server writes by default, and the format that reads it:

==========================  ==================  =====================================
server, configuration        format              the stamp is
==========================  ==================  =====================================
Apache/nginx ``common``      ``common``          no duration: start = end = stamp
Apache/nginx ``combined``    ``combined``        no duration: start = end = stamp
Apache ``... %D``            ``common-usec``,    the start (Apache's ``%t``);
                             ``combined-usec``   end = start + ``%D`` microseconds
Apache ``... %T``            ``common-sec``,     the start; end = start + ``%T`` seconds
                             ``combined-sec``
nginx ``combined``           ``nginx``           the end (``$time_local``);
``$request_time [$msec]``                        start = end - ``$request_time``
IIS W3C extended            ``w3c``             the end, in UTC; start = end - time-taken
JSON lines                   ``jsonl``           as ``--fields`` maps it
==========================  ==================  =====================================
"""

from __future__ import annotations

from enum import StrEnum


class LogFormat(StrEnum):
    """The formats :func:`~.lines.read_batches` understands; ``auto`` looks at the first lines."""

    COMMON = "common"
    COMBINED = "combined"
    COMMON_USEC = "common-usec"
    COMBINED_USEC = "combined-usec"
    COMMON_SEC = "common-sec"
    COMBINED_SEC = "combined-sec"
    NGINX = "nginx"
    W3C = "w3c"
    JSONL = "jsonl"
    AUTO = "auto"

    @property
    def has_durations(self) -> bool:
        """Whether its lines say how long each request took."""
        return self not in (LogFormat.COMMON, LogFormat.COMBINED)

    @property
    def describe(self) -> str:
        """One line for the scenario's header and the console."""
        return _DESCRIPTIONS[self]

    @property
    def missing(self) -> str | None:
        """The figures a log of this format cannot give, or None."""
        if self.has_durations:
            return None
        return (
            "no request durations in this format: think time is the gap between request "
            "time stamps (it includes the server's time), and there are no response-time "
            "figures (no response-time prior for calibrate)"
        )


_DESCRIPTIONS = {
    LogFormat.COMMON: "Common Log Format (Apache/nginx common), no duration",
    LogFormat.COMBINED: "Apache/nginx combined, no duration",
    LogFormat.COMMON_USEC: "Apache common + %D (microseconds; %t is the start)",
    LogFormat.COMBINED_USEC: "Apache combined + %D (microseconds; %t is the start)",
    LogFormat.COMMON_SEC: "Apache common + %T (whole seconds; %t is the start)",
    LogFormat.COMBINED_SEC: "Apache combined + %T (whole seconds; %t is the start)",
    LogFormat.NGINX: "nginx combined + $request_time [+ $msec] ($time_local is the end)",
    LogFormat.W3C: "W3C extended (IIS): #Fields, time-taken in ms, time is the end",
    LogFormat.JSONL: "JSON lines",
    LogFormat.AUTO: "detected from the first lines",
}

DEFAULT_MAX_SKEW_S = 120.0
"""Seconds lines may be out of time order (``--max-skew``): sorted within this window."""

SESSION_GAP_S = 1800.0
"""Seconds of a user's silence that end a session (a longer gap in a working day is a
different sitting); ``--session-gap``."""

MAX_TRANSACTIONS = 25
"""Without a route map, on a log not of the mock: the busiest path templates named as
transactions (:mod:`~.templates`; the rest are ``other``). Here, beside the formats, so
that the command line prints it without importing the reader."""
