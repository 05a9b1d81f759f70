"""Stop a load test that cannot measure anything, at once, with the reason in one line.

A run whose users cannot sign in, or whose route map is wrong, measures
nothing but its own errors: against a mock with another unit secret, the
issue that asked for this signed in 1,753 times in vain for two minutes and
then printed a table. A :class:`Watch` listens to every request a Locust
process makes and trips on two patterns that are never a measurement:

- **No sign-in works.** The first sign-ins of this process (20, or 5 % of its
  pool, whichever is fewer, and at least :data:`SIGN_IN_FLOOR`) all failed.
  A refusal (503) is the server's load, not a wrong sign-in: it is retried
  and not counted. One successful sign-in disarms this check for good.
- **A route that does not exist.** Every request of one transaction in the
  first :data:`ROUTE_MINUTE_S` seconds failed with 404 or 405: at once when
  :data:`ROUTE_PROBE` of them did, otherwise when the minute ends.
- **Signed in to nothing.** The same with 401 or 403: no sign-in where the
  service wants one, or a token it does not take.

A capture the request map names that is absent from a response is the same
kind of mistake; the declarative user reports it through :meth:`Watch.trip`.

Tripping calls ``abort`` once with one line: what failed, the status, the
method and path, the first line of the answer's body and the likely fix.
The Locust side (:mod:`loadtests.locustfile`) writes that line where the
runner looks for it and stops; the runner stops every process and exits 2.
Errors of any other kind stay measurements, as they were.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from peakload.core.scenario import LOGIN

SIGN_IN_PROBE = 20
SIGN_IN_SHARE = 0.05
SIGN_IN_FLOOR = 3  # one unlucky answer does not stop a small run
ROUTE_MINUTE_S = 60.0
ROUTE_PROBE = 10
WRONG_ROUTE = (404, 405)
WRONG_AUTH = (401, 403)
REFUSED = 503
BODY_CHARS = 160
ABORT_FILE = "abort-{pid}.txt"


def sign_in_probe(pool_users: int, processes: int) -> int:
    """How many failed sign-ins in a row, from a process's first, stop the run."""
    share = math.ceil(SIGN_IN_SHARE * pool_users / max(1, processes))
    return max(SIGN_IN_FLOOR, min(SIGN_IN_PROBE, share))


@dataclass(frozen=True)
class Answer:
    """One failed request as the line names it."""

    status: int
    method: str
    path: str
    first_line: str

    @property
    def route(self) -> str:
        return f"{self.method} {self.path}"

    def describe(self) -> str:
        what = f"HTTP {self.status}" if self.status else "no answer"
        body = f": {self.first_line}" if self.first_line else ""
        return f"{what} on {self.route}{body}"


def answer_of(request_type: str, url: str | None, response: object, exception: object) -> Answer:
    """The status, route and first body line of a request Locust reported."""
    status = getattr(response, "status_code", None) or 0
    path = urlsplit(url or getattr(response, "url", "") or "").path or "?"
    text = ""
    if status:
        try:
            text = getattr(response, "text", "") or ""
        except Exception:  # an undecodable body: name the status alone
            text = ""
    elif exception is not None:
        text = str(exception)
    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    first = lines[0][:BODY_CHARS] if lines else ""
    return Answer(status, request_type.upper(), path, first)


def sign_in_fix(answer: Answer, credentials_hint: str) -> str:
    """The likely fix for a sign-in that fails with ``answer``."""
    status = answer.status
    if status == 0:
        return "nothing answers there: is the service running, is --host right?"
    if status in (401, 403):
        return credentials_hint
    if status in WRONG_ROUTE:
        return "the sign-in route is wrong: check the sign-in's method and path"
    if status in (400, 415, 422):
        return "the service rejects the sign-in's body: check its fields"
    if 300 <= status < 400:
        return "the service redirects: --host may need https:// or a path prefix"
    if status >= 500:
        return "the service fails at sign-in: see its log"
    return "check the sign-in request against the service's API"


@dataclass
class _Tally:
    total: int = 0
    wrong: int = 0  # failed with the same kind of status as ``last``
    last: Answer | None = None


@dataclass
class Watch:
    """Trips when no sign-in works or a route does not exist (see the module's doc).

    ``route_hint(transaction)`` says where that transaction's route is defined;
    ``credentials_hint`` is the likely fix for a 401 or 403 at sign-in.
    """

    abort: Callable[[str], None]
    sign_in_probe: int
    credentials_hint: str
    route_hint: Callable[[str], str]
    watched: frozenset[str] = frozenset()  # the transactions whose routes are checked
    now: Callable[[], float] = time.monotonic
    tripped: str | None = None
    _sign_in_failures: int = 0
    _signed_in: bool = False
    _started: float | None = None
    _minute_over: bool = False
    _routes: dict[str, _Tally] = field(default_factory=dict)

    def trip(self, line: str) -> None:
        """Stop the run with ``line`` (only the first trip counts)."""
        if self.tripped is None:
            self.tripped = line
            self.abort(line)

    def on_request(
        self,
        request_type: str,
        name: str,
        response_time: float = 0.0,
        response_length: int = 0,
        response: object = None,
        exception: object = None,
        url: str | None = None,
        **kwargs: object,
    ) -> None:
        """Locust's ``request`` event: count what the checks need, trip if due."""
        if self.tripped is not None:
            return
        now = self.now()
        if self._started is None:
            self._started = now
        if name == LOGIN:
            self._sign_in(request_type, url, response, exception)
        elif name in self.watched and not self._minute_over:
            self._route(name, request_type, url, response, exception)
        if not self._minute_over and now - self._started >= ROUTE_MINUTE_S:
            self._minute_over = True
            self._end_of_minute()

    def _sign_in(self, request_type, url, response, exception) -> None:
        if self._signed_in:
            return
        if exception is None:
            self._signed_in = True
            return
        answer = answer_of(request_type, url, response, exception)
        if answer.status == REFUSED:
            return
        self._sign_in_failures += 1
        if self._sign_in_failures >= self.sign_in_probe:
            fix = sign_in_fix(answer, self.credentials_hint)
            self.trip(
                f"the first {self._sign_in_failures} sign-ins all failed: "
                f"{answer.describe()}; likely fix: {fix}"
            )

    def _route(self, name, request_type, url, response, exception) -> None:
        tally = self._routes.setdefault(name, _Tally())
        tally.total += 1
        status = getattr(response, "status_code", None) or 0
        kind = WRONG_ROUTE if status in WRONG_ROUTE else WRONG_AUTH
        same = tally.last is None or tally.last.status in kind
        if exception is not None and status in kind and same:
            tally.wrong += 1
            tally.last = answer_of(request_type, url, response, exception)
        if tally.total >= ROUTE_PROBE and tally.wrong == tally.total:
            self._trip_route(name, tally)

    def _end_of_minute(self) -> None:
        for name, tally in self._routes.items():
            if tally.total and tally.wrong == tally.total:
                self._trip_route(name, tally)
                return

    def _trip_route(self, name: str, tally: _Tally) -> None:
        assert tally.last is not None
        if tally.last.status in WRONG_ROUTE:
            fix = f"the route map is wrong: {self.route_hint(name)}"
        else:
            fix = f"the requests are not signed in as the service wants: {self.credentials_hint}"
        self.trip(
            f"every request of {name} failed ({tally.total} of {tally.total} in the first "
            f"minute): {tally.last.describe()}; likely fix: {fix}"
        )
