"""A declarative request map, run by Locust: each user's requests, captures and sign-in.

:class:`MapSource` reads the map (:mod:`peakload.core.request_map`) once per
process, with the credentials it names (``{env:...}``, ``{file:...}``);
:class:`MappedActor` is one user. It keeps its own context (what it captured,
its sign-in header, its generator) and sends each transaction under the
transaction's name, so Locust's statistics, our recorder and the scenario
line up, with the same client rules as our own users
(:mod:`loadtests.accountant`): a request with no answer, or refused (503),
is retried after ``retry_delay_s`` up to ``retries`` times with the same
filled values (the same idempotency key); a step that fails gives up the rest
of its flow.

A response that does not hold what the map captures from it is a failed
request; the first such miss of a capture that never worked is a mistake in
the map, and stops the run with one line (:mod:`loadtests.fail_fast`).
"""

from __future__ import annotations

import base64
import functools
import os
import re
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gevent
import numpy as np

from loadtests.ledger import Ledger
from peakload.core.json_path import Absent, JsonPath
from peakload.core.plan import Plan
from peakload.core.request_map import (
    BearerSignIn,
    Capture,
    CaptureSource,
    LoginSignIn,
    NoSignIn,
    OAuth2SignIn,
    Request,
    RequestMap,
    load_request_map,
)
from peakload.core.scenario import LOGIN
from peakload.core.templates import (
    Context,
    PlaceholderKind,
    Template,
    TemplateError,
    fill,
    fill_json,
    parse_json,
    read_secrets,
)
from peakload.core.units import ALL_UNITS, DEV_UNIT_SECRET, FIRST_UNIT

RETRYABLE = (0, 503)
USER_AGENT = "peakload-mapped/1 (user {user})"
"""Each user's User-Agent names it (a map's own ``User-Agent`` header wins): behind a proxy
whose log has no user (nginx's default ``combined``), users on one load generator share a
client address, and the agent is what tells them apart, so ``from-log`` on that log sees
each user's sessions and flows, as it would distinct browsers'."""


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


def _credentials(map_: RequestMap) -> str:
    """Where the sign-in's credentials come from, for the likely-fix line."""
    names = [f"{{{p.kind.value}:{p.argument}}}" for p in map_.sign_in_secrets()] or ["the map"]
    return ", ".join(dict.fromkeys(names))


class MapSource:
    """A request map, read once per process, that makes each user's actor."""

    def __init__(self, plan: Plan, path: str | Path):
        self.plan = plan
        self.path = Path(path)
        self.map = load_request_map(self.path)
        self.secrets = read_secrets(self.map.secrets(), self.path.parent, os.environ)
        self.mistake: Callable[[str], None] = lambda line: None
        self.captured: set[str] = set()  # captures that worked at least once here
        self.writes = tuple(n for n, t in self.map.transactions.items() if t.write)
        self.unit_secret = os.environ.get("PEAKLOAD_UNIT_SECRET", DEV_UNIT_SECRET)
        kind = self.map.sign_in
        sources = _credentials(self.map)
        self.credentials_hint = {
            "none": "the service wants a sign-in: give the request map a [sign_in]",
            "login": f"the service refuses the credentials ({sources}): check them",
            "bearer": f"the service refuses the token ({sources}): expired, or another's?",
            "oauth2": f"the token endpoint refuses the client ({sources}): check id and secret",
        }[kind.kind]
        if any(
            p.kind is PlaceholderKind.UNIT_PASSWORD
            for _, r in self.map.requests()
            for t in r.templates()
            for p in t.placeholders
        ):
            self.credentials_hint = (
                "{unit_password} is HMAC(PEAKLOAD_UNIT_SECRET, unit code): "
                "PEAKLOAD_UNIT_SECRET differs from the server's"
            )

    def route_hint(self, transaction: str) -> str:
        return f"check transactions.{transaction}.method and .path in {self.path}"

    def preparation(self, steps: list[str], entry: int) -> list[str]:
        """The earlier steps of a flow a user entering at ``entry`` runs first: from the
        first one that captures what the steps from ``entry`` on use, every step up to
        the entry (a payment is drafted *and signed* before it is submitted)."""
        needed = set()
        for step in steps[entry:]:
            for template in self.map.transactions[step].templates():
                needed |= {
                    p.argument for p in template.placeholders if p.kind is PlaceholderKind.CAPTURE
                }
        for first, step in enumerate(steps[:entry]):
            if set(self.map.transactions[step].capture) & needed:
                return list(steps[first:entry])
        return []

    def actor(self, client: Any, index: int, rng: np.random.Generator, ledger: Ledger):
        return MappedActor(client, self, index, rng, ledger)

    def missed(self, where: str, capture_name: str, message: str) -> None:
        """A capture missed: a mistake in the map if it never worked in this process."""
        key = f"{where}.capture.{capture_name}"
        if key not in self.captured:
            self.mistake(f"{self.path}: {key}: {message}")


class MappedActor:
    """One user of a request map: signs in as the map says, then runs transactions."""

    def __init__(
        self, client: Any, source: MapSource, index: int, rng: np.random.Generator, ledger: Ledger
    ):
        self.client = client
        self.source = source
        self.map = source.map
        self.ledger = ledger
        workload = source.plan.scenario.workload
        self.retries = workload.retries
        self.retry_delay_s = workload.retry_delay_s
        self.context = Context(
            rng=rng,
            user=index,
            unit_code=FIRST_UNIT + index % ALL_UNITS,
            captures={},
            secrets=source.secrets,
            unit_secret=source.unit_secret,
        )
        self.headers: dict[str, str] = {}
        self.agent = {"User-Agent": USER_AGENT.format(user=index)}
        self.expires_at: float | None = None  # an OAuth2 token's, monotonic

    # --- sign-in -----------------------------------------------------------------

    def sign_in(self) -> bool:
        sign_in = self.map.sign_in
        if isinstance(sign_in, NoSignIn):
            return True
        if isinstance(sign_in, LoginSignIn):
            return self._login(sign_in)
        if isinstance(sign_in, BearerSignIn):
            token = fill(_template(sign_in.token), self.context)
            self.headers = {sign_in.header: _scheme(sign_in.scheme, token)}
            if sign_in.check is None:
                return True
            return self.call(LOGIN, "sign_in.check", sign_in.check) is not None
        assert isinstance(sign_in, OAuth2SignIn)
        return self._oauth2(sign_in)

    def _login(self, sign_in: LoginSignIn) -> bool:
        response = self.call(LOGIN, "sign_in", sign_in)
        if response is None:
            return False
        if sign_in.token is not None:
            token = self.context.captures.get("__token__")
            if token is None:
                return False
            self.headers = {sign_in.header: _scheme(sign_in.scheme, str(token))}
        return True

    def _oauth2(self, sign_in: OAuth2SignIn) -> bool:
        ctx = self.context
        client_id = fill(_template(sign_in.client_id), ctx)
        secret = fill(_template(sign_in.client_secret), ctx)
        form = {"grant_type": "client_credentials"}
        if sign_in.scope:
            form["scope"] = sign_in.scope
        basic = base64.b64encode(
            f"{urllib.parse.quote(client_id)}:{urllib.parse.quote(secret)}".encode()
        ).decode()
        url = fill(_template(sign_in.token_url), ctx)
        with self.client.request(
            "POST",
            url,
            name=LOGIN,
            data=urllib.parse.urlencode(form),
            headers={
                **self.agent,
                "Authorization": f"Basic {basic}",
                "Content-Type": "application/x-www-form-urlencoded",
            },
            catch_response=True,
        ) as response:
            status = response.status_code
            if not 200 <= status < 300:
                response.failure(f"{status or 'no answer'}: token endpoint")
                return False
            try:
                answer = response.json()
                token = answer["access_token"]
            except (ValueError, KeyError, TypeError):
                response.failure("the token endpoint's answer has no access_token")
                self.source.missed("sign_in", "access_token", "no access_token in its answer")
                return False
            response.success()
        lifetime = float(answer.get("expires_in") or 0)
        self.expires_at = time.monotonic() + lifetime if lifetime > 0 else None
        self.headers = {sign_in.header: _scheme(sign_in.scheme, str(token))}
        return True

    def _fresh(self) -> bool:
        """Ask for a new OAuth2 token when this one is about to expire."""
        sign_in = self.map.sign_in
        if not isinstance(sign_in, OAuth2SignIn) or self.expires_at is None:
            return True
        if time.monotonic() < self.expires_at - sign_in.refresh_margin_s:
            return True
        return self._oauth2(sign_in)

    # --- transactions ------------------------------------------------------------

    def run(self, transaction: str) -> bool:
        if not self._fresh():
            return False
        request = self.map.transactions[transaction]
        return self.call(transaction, f"transactions.{transaction}", request) is not None

    def call(self, name: str, where: str, request: Request) -> Any | None:
        """Send ``request`` as ``name`` with the scenario's retries; keep its captures.
        The response on success, None on failure (or when a capture it needs is missing)."""
        ctx = self.context
        try:
            path = fill(_template(request.path), ctx)
            headers = {k: fill(_template(v), ctx) for k, v in request.headers.items()}
            body = fill_json(_parsed_body(request), ctx) if request.body is not None else None
            form = (
                {k: fill(_template(v), ctx) for k, v in request.form.items()}
                if request.form is not None
                else None
            )
        except TemplateError:
            return None  # a step before this one in the flow did not capture what it needs
        write = getattr(request, "write", False)
        key = headers.get("Idempotency-Key") or (ctx.rng.bytes(16).hex() if write else None)
        extra: dict[str, Any] = {"json": body} if body is not None else {}
        if form is not None:
            extra = {"data": urllib.parse.urlencode(form)}
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        for attempt in range(self.retries + 1):
            if write and key:
                self.ledger.sent(name, key)
            with self.client.request(
                request.method.value,
                path,
                name=name,
                headers={**self.agent, **self.headers, **headers},
                catch_response=True,
                **extra,
            ) as response:
                status = response.status_code
                if request.ok(status):
                    # A write took effect on a 2xx; another success status (a 409 that
                    # states a business rule) is an answer that wrote nothing.
                    if write and key:
                        self.ledger.answered(name, key, ok=200 <= status < 300)
                    missing = self._capture(where, request, response)
                    if missing is None:
                        response.success()
                        return response
                    response.failure(missing)
                    return None
                reason = response.error or f"HTTP {status}"
                response.failure(f"{status or 'no answer'}: {str(reason)[:120]}")
            if write and key and status != 0:
                self.ledger.answered(name, key, ok=False)
            if status not in RETRYABLE or attempt == self.retries:
                return None
            gevent.sleep(self.retry_delay_s)
        return None

    def _capture(self, where: str, request: Request, response: Any) -> str | None:
        """Keep the request's captures from ``response``; the first miss, as a message."""
        captures = dict(request.capture)
        if isinstance(request, LoginSignIn) and request.token is not None:
            captures["__token__"] = request.token
        for name, capture in captures.items():
            try:
                self.context.captures[name] = capture_value(capture, response)
            except CaptureMissing as exc:
                if capture.optional:
                    continue
                shown = "token" if name == "__token__" else name
                message = (
                    f"{exc} in the {response.status_code} answer of "
                    f"{request.method.value} {urllib.parse.urlsplit(response.url or '').path}"
                )
                self.source.missed(where, shown, message)
                return message
            self.source.captured.add(f"{where}.capture.{'token' if name == '__token__' else name}")
        return None


_template = functools.lru_cache(maxsize=4096)(Template.parse)
"""A template string parsed once per process (a map has a few dozen)."""
_BODIES: dict[int, tuple[Request, Any]] = {}


def _parsed_body(request: Request) -> Any:
    """The request's JSON body as templates, parsed once per request object. Keyed by
    the object's id and kept beside it: the object itself is checked, so an id reused
    after another map's request was freed never hands back that request's body."""
    cached = _BODIES.get(id(request))
    if cached is None or cached[0] is not request:
        cached = (request, parse_json(request.body))
        _BODIES[id(request)] = cached
    return cached[1]


def _scheme(scheme: str, token: str) -> str:
    return f"{scheme} {token}" if scheme else token


class _Answer:
    """A urllib answer with the three things a capture reads."""

    def __init__(self, status: int, headers: Any, body: bytes):
        self.status_code = status
        self.headers = headers
        self.text = body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        import json

        return json.loads(self.text)


def count_records(host: str, path: str | Path, timeout_s: float = 10.0) -> dict[str, int] | str:
    """The service's record count per write transaction, from the map's
    ``[reconciliation.counts]`` requests; a string says why they could not be had."""
    import urllib.error
    import urllib.request

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
        url = host.rstrip("/") + fill(_template(request.path), ctx)
        headers = {k: fill(_template(v), ctx) for k, v in request.headers.items()}
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
