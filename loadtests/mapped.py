"""A declarative request map, run by Locust: each user's requests, captures and sign-in.

:class:`loadtests.map_source.MapSource` reads the map (:mod:`peakload.core.request_map`) once per
process, with the credentials it names (``{env:...}``, ``{file:...}``);
:class:`MappedActor` is one user. It keeps its own context (what it captured,
its sign-in header, its generator) and sends each transaction under the
transaction's name, so Locust's statistics, our recorder and the scenario
line up, with the same client rules as our own users
(:mod:`loadtests.client_rules`): a request with no answer, or refused (503),
is retried after ``retry_delay_s`` up to ``retries`` times with the same
filled values (the same idempotency key); a step that fails gives up the rest
of its flow.

The value a capture takes is read by :mod:`loadtests.map_values`; the
service's record counts after the run are asked by :mod:`loadtests.map_counts`.
A response that does not hold what the map captures from it is a failed
request; the first such miss of a capture that never worked is a mistake in
the map, and stops the run with one line (:mod:`loadtests.fail_fast`).
"""

from __future__ import annotations

import base64
import time
import urllib.parse
from typing import TYPE_CHECKING, Any

import gevent
import numpy as np

from loadtests.client_rules import RETRYABLE
from loadtests.ledger import Ledger
from loadtests.map_counts import count_records as count_records
from loadtests.map_counts import record_count as record_count
from loadtests.map_values import CaptureMissing as CaptureMissing
from loadtests.map_values import capture_value as capture_value
from loadtests.map_values import parsed_template
from peakload.core.request_map import (
    BearerSignIn,
    LoginSignIn,
    NoSignIn,
    OAuth2SignIn,
    Request,
)
from peakload.core.scenario import LOGIN
from peakload.core.templates import (
    Context,
    TemplateError,
    fill,
    fill_json,
    parse_json,
)
from peakload.core.units import ALL_UNITS, FIRST_UNIT

if TYPE_CHECKING:
    from loadtests.map_source import MapSource

USER_AGENT = "peakload-mapped/1 (user {user})"
"""Each user's User-Agent names it (a map's own ``User-Agent`` header wins): behind a proxy
whose log has no user (nginx's default ``combined``), users on one load generator share a
client address, and the agent is what tells them apart, so ``from-log`` on that log sees
each user's sessions and flows, as it would distinct browsers'."""


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
            run_token=source.plan.run_token,
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
            token = fill(parsed_template(sign_in.token), self.context)
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
        client_id = fill(parsed_template(sign_in.client_id), ctx)
        secret = fill(parsed_template(sign_in.client_secret), ctx)
        form = {"grant_type": "client_credentials"}
        if sign_in.scope:
            form["scope"] = sign_in.scope
        basic = base64.b64encode(
            f"{urllib.parse.quote(client_id)}:{urllib.parse.quote(secret)}".encode()
        ).decode()
        url = fill(parsed_template(sign_in.token_url), ctx)
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
            path = fill(parsed_template(request.path), ctx)
            headers = {k: fill(parsed_template(v), ctx) for k, v in request.headers.items()}
            body = fill_json(_parsed_body(request), ctx) if request.body is not None else None
            form = (
                {k: fill(parsed_template(v), ctx) for k, v in request.form.items()}
                if request.form is not None
                else None
            )
        except TemplateError:
            return None  # a step before this one in the flow did not capture what it needs
        write = getattr(request, "write", False)
        key = headers.get("Idempotency-Key") or (self.ledger.new_key(ctx.rng) if write else None)
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
