"""A request map: what each transaction of a scenario sends to a service that is not our mock.

A scenario's transactions are names (``create_invoice``) with service demands;
a load test against our mock knows their requests (the Treasury API). Any
other service gets a request map, a TOML file of its own, named by the
scenario (``[scenario] requests = "invoices.requests.toml"``) or by
``peakload loadtest --requests MAP.toml``::

    [sign_in]                          # how each user signs in (one of four kinds)
    kind = "login"
    method = "POST"
    path = "/v2/sessions"
    body = { user = "{env:SHOP_USER}", password = "{file:shop-password.txt}" }
    token = { json = "$.token" }       # sent as "Authorization: Bearer <token>"

    [transactions.create_invoice]
    method = "POST"
    path = "/v2/invoices"
    headers = { "Idempotency-Key" = "{uuid}" }
    body = { customer = "{int:1:500}", amount = "{amount:10:5000}" }
    success = [201]                    # default: any 2xx
    capture = { invoice = { json = "$.uuid" } }
    write = true                       # counted for reconciliation

    [transactions.approve_invoice]
    method = "POST"
    path = "/v2/invoices/{invoice}/approve"

    [reconciliation.counts.create_invoice]   # ask the service how many it holds
    path = "/v2/invoices/count"
    headers = { Authorization = "Bearer {env:SHOP_ADMIN_TOKEN}" }
    value = { json = "$.count" }

Strings are templates (:mod:`peakload.core.templates`): captures, generated
values, and credentials from the environment or a file, never from the
command line. A **capture** takes a value from a response (a JSON path, a
header, or a regular expression on the body) into the user's context for the
requests after it. Sign-in kinds: ``login`` (a request; its answer's token,
or the session cookie it sets), ``bearer`` (a token from the environment or a
file, optionally checked with one request), ``oauth2`` (client credentials
at a token endpoint, refreshed before they expire) and ``none``.

:func:`load_request_map` reads and checks a file: every problem is one line
``FILE: key.path: what is wrong``. One request's model is in
:mod:`peakload.core.map_request`, the sign-in kinds in :mod:`peakload.core.sign_in`;
both are importable from here.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import Field, ValidationError, model_validator

from peakload.core.map_request import Capture as Capture
from peakload.core.map_request import CaptureSource as CaptureSource
from peakload.core.map_request import CountRequest as CountRequest
from peakload.core.map_request import Method as Method
from peakload.core.map_request import Request as Request
from peakload.core.map_request import Strict
from peakload.core.map_request import Transaction as Transaction
from peakload.core.scenario import LOGIN, Name, Scenario
from peakload.core.scenario_file import ScenarioError, describe_errors
from peakload.core.sign_in import BearerSignIn as BearerSignIn
from peakload.core.sign_in import LoginSignIn as LoginSignIn
from peakload.core.sign_in import NoSignIn as NoSignIn
from peakload.core.sign_in import OAuth2SignIn as OAuth2SignIn
from peakload.core.sign_in import SignIn as SignIn
from peakload.core.sign_in import SignInKind as SignInKind
from peakload.core.templates import (
    Placeholder,
    PlaceholderKind,
    Template,
)


class RequestMapError(ScenarioError):
    """A request map that cannot be used; one line per problem, naming the file and key."""


class Reconciliation(Strict):
    """How to ask the service for its records: a count request per write transaction."""

    counts: dict[Name, CountRequest] = Field(default_factory=dict)


class RequestMap(Strict):
    """A whole request map, checked: every capture a template uses is made somewhere."""

    description: str = ""
    sign_in: SignIn = Field(default_factory=NoSignIn)
    transactions: dict[Name, Transaction] = Field(min_length=1)
    reconciliation: Reconciliation | None = None

    @model_validator(mode="after")
    def _references(self) -> RequestMap:
        made = set(self.captures_made())
        for where, request in self.requests():
            for template in request.templates():
                for p in template.placeholders:
                    if p.kind is PlaceholderKind.CAPTURE and p.argument not in made:
                        known = ", ".join(sorted(made)) or "none"
                        raise ValueError(
                            f"{where}: {{{p.argument}}} is captured nowhere (captures: {known})"
                        )
        counts = self.reconciliation.counts if self.reconciliation else {}
        for name, request in counts.items():
            for template in request.templates():
                for p in template.placeholders:
                    if p.kind is PlaceholderKind.CAPTURE:
                        raise ValueError(
                            f"reconciliation.counts.{name}: {{{p.argument}}} is a capture, but "
                            "a count is asked outside any user's session, before and after the "
                            "run: give it a value of its own ({env:NAME} or {file:PATH})"
                        )
        for name in counts:
            if name not in self.transactions or not self.transactions[name].write:
                raise ValueError(
                    f"reconciliation.counts.{name}: counts records of a write transaction; "
                    f"{name} is "
                    + ("not a write (write = true)" if name in self.transactions else "unknown")
                )
        return self

    def captures_made(self) -> list[str]:
        names = [n for _, r in self.requests() for n in r.capture]
        return names

    def requests(self) -> list[tuple[str, Request]]:
        """Every request of the map with the key that defines it."""
        found: list[tuple[str, Request]] = []
        if isinstance(self.sign_in, LoginSignIn):
            found.append(("sign_in", self.sign_in))
        if isinstance(self.sign_in, BearerSignIn) and self.sign_in.check is not None:
            found.append(("sign_in.check", self.sign_in.check))
        found += [(f"transactions.{n}", t) for n, t in self.transactions.items()]
        return found

    def secrets(self) -> list[Placeholder]:
        """Every ``{env:...}`` and ``{file:...}`` the map reads."""
        templates = [t for _, r in self.requests() for t in r.templates()]
        sign_in = self.sign_in
        if isinstance(sign_in, BearerSignIn):
            templates.append(Template.parse(sign_in.token))
        if isinstance(sign_in, OAuth2SignIn):
            texts = (sign_in.token_url, sign_in.client_id, sign_in.client_secret)
            templates += [Template.parse(t) for t in texts]
        if self.reconciliation is not None:
            templates += [t for r in self.reconciliation.counts.values() for t in r.templates()]
        return [
            p
            for t in templates
            for p in t.placeholders
            if p.kind in (PlaceholderKind.ENV, PlaceholderKind.FILE)
        ]

    def sign_in_secrets(self) -> list[Placeholder]:
        """The ``{env:...}`` and ``{file:...}`` the sign-in reads (its credentials)."""
        sign_in = self.sign_in
        if isinstance(sign_in, LoginSignIn):
            templates = sign_in.templates()
        elif isinstance(sign_in, BearerSignIn):
            templates = [Template.parse(sign_in.token)]
        elif isinstance(sign_in, OAuth2SignIn):
            texts = (sign_in.token_url, sign_in.client_id, sign_in.client_secret)
            templates = [Template.parse(t) for t in texts]
        else:
            templates = []
        return [
            p
            for t in templates
            for p in t.placeholders
            if p.kind in (PlaceholderKind.ENV, PlaceholderKind.FILE)
        ]

    def check_scenario(self, scenario: Scenario, source: str) -> None:
        """Every transaction the scenario's users run has a request here."""
        steps = {step for flow in scenario.flow_list for step in flow.steps}
        missing = sorted(steps - set(self.transactions) - {LOGIN})
        if missing:
            raise RequestMapError(
                [
                    f"{source}: transactions: no request for {', '.join(missing)} "
                    f"(scenario {scenario.name} runs them); add [transactions.{missing[0]}]"
                ]
            )


def load_request_map(path: str | Path) -> RequestMap:
    """Read and check the request map at ``path`` (:class:`RequestMapError` if unusable)."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RequestMapError([f"{path}: no such file"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RequestMapError([f"{path}: cannot read: {exc}"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise RequestMapError([f"{path}: not valid TOML: {exc}"]) from None
    try:
        return RequestMap.model_validate(data)
    except ValidationError as exc:
        raise RequestMapError(
            [f"{path}: {line}" for line in describe_errors(exc, RequestMap)]
        ) from None
