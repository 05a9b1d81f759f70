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
``FILE: key.path: what is wrong``.
"""

from __future__ import annotations

import re
import tomllib
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from peakload.core.json_path import JsonPath
from peakload.core.scenario import LOGIN, Name, Scenario
from peakload.core.scenario_file import ScenarioError, describe_errors
from peakload.core.templates import (
    Placeholder,
    PlaceholderKind,
    Template,
    TemplateError,
    parse_json,
)


class RequestMapError(ScenarioError):
    """A request map that cannot be used; one line per problem, naming the file and key."""


class Method(StrEnum):
    GET = "GET"
    POST = "POST"
    PUT = "PUT"
    PATCH = "PATCH"
    DELETE = "DELETE"
    HEAD = "HEAD"
    OPTIONS = "OPTIONS"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _template(value: str) -> str:
    try:
        Template.parse(value)
    except TemplateError as exc:
        raise ValueError(str(exc)) from None
    return value


def _templates_in(shape: Any) -> list[Template]:
    if isinstance(shape, Template):
        return [shape]
    if isinstance(shape, dict):
        return [t for v in shape.values() for t in _templates_in(v)]
    if isinstance(shape, list):
        return [t for v in shape for t in _templates_in(v)]
    return []


class CaptureSource(StrEnum):
    JSON = "json"
    HEADER = "header"
    REGEX = "regex"


class Capture(_Strict):
    """Where a value comes from in a response: exactly one of ``json`` (a JSON path),
    ``header`` (a response header's name) or ``regex`` (on the body: its first group,
    or the whole match)."""

    json_path: str | None = Field(default=None, alias="json")
    header: str | None = None
    regex: str | None = None
    optional: bool = False
    """An answer may lack it (an empty list): the request still succeeds, the user
    keeps what it captured before (a step that needs a value never captured is not sent)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _one_source(self) -> Capture:
        given = [s for s in (self.json_path, self.header, self.regex) if s is not None]
        if len(given) != 1:
            raise ValueError('give exactly one of json = "$.path", header = "Name", regex = "..."')
        if self.json_path is not None:
            JsonPath.parse(self.json_path)
        if self.regex is not None:
            try:
                re.compile(self.regex)
            except re.error as exc:
                raise ValueError(f"regex '{self.regex}': {exc}") from None
        return self

    @property
    def source(self) -> CaptureSource:
        if self.json_path is not None:
            return CaptureSource.JSON
        return CaptureSource.HEADER if self.header is not None else CaptureSource.REGEX

    @property
    def expression(self) -> str:
        return next(s for s in (self.json_path, self.header, self.regex) if s is not None)

    def describe(self) -> str:
        return f"{self.source.value} {self.expression}"


class Request(_Strict):
    """One HTTP request, as templates."""

    method: Method = Method.GET
    path: str
    """The path (and query) after the host: ``/v2/invoices/{invoice}?full=1``."""
    headers: dict[str, str] = Field(default_factory=dict)
    body: dict[str, Any] | list[Any] | None = None
    """A JSON body; its strings are templates."""
    form: dict[str, str] | None = None
    """A form body (``application/x-www-form-urlencoded``) instead of JSON."""
    success: list[Annotated[int, Field(ge=100, le=599)]] = Field(default_factory=list)
    """The statuses that count as success (default: any 2xx)."""
    capture: dict[Name, Capture] = Field(default_factory=dict)
    """Values kept from the answer for later requests, by name."""

    @field_validator("path")
    @classmethod
    def _path(cls, value: str) -> str:
        if not value.startswith(("/", "{")):
            raise ValueError(
                f"'{value}': a path starts with / (the host comes from --host), or is a "
                "captured path such as {location}"
            )
        return _template(value)

    @field_validator("headers", "form")
    @classmethod
    def _values(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        for text in (value or {}).values():
            _template(text)
        return value

    @field_validator("body")
    @classmethod
    def _body(cls, value: Any) -> Any:
        try:
            parse_json(value)
        except TemplateError as exc:
            raise ValueError(str(exc)) from None
        return value

    @model_validator(mode="after")
    def _one_body(self) -> Request:
        if self.body is not None and self.form is not None:
            raise ValueError("give a JSON body or a form, not both")
        return self

    def ok(self, status: int) -> bool:
        return status in self.success if self.success else 200 <= status < 300

    def templates(self) -> list[Template]:
        texts = [self.path, *self.headers.values(), *(self.form or {}).values()]
        return [Template.parse(t) for t in texts] + _templates_in(parse_json(self.body))


class Transaction(Request):
    """A transaction's request; ``write`` marks one whose effect reconciliation counts."""

    write: bool = False


class SignInKind(StrEnum):
    NONE = "none"
    LOGIN = "login"
    BEARER = "bearer"
    OAUTH2 = "oauth2"


class _Token(_Strict):
    header: str = "Authorization"
    """The request header each later request carries the token in."""
    scheme: str = "Bearer"
    """Written before the token (``Bearer <token>``); "" for the token alone."""


class NoSignIn(_Strict):
    """The service needs no sign-in: users start at once."""

    kind: Literal["none"] = "none"


class LoginSignIn(Request, _Token):
    """A sign-in request; its answer's ``token`` (a capture) goes into ``header``.
    Without ``token`` the session cookie the answer sets is what signs the user in."""

    kind: Literal["login"]
    method: Method = Method.POST
    token: Capture | None = None


class BearerSignIn(_Token):
    """A token given to the run (``{env:VAR}`` or ``{file:PATH}``), sent in ``header``;
    ``check`` is a request each user makes with it first (recorded as the sign-in)."""

    kind: Literal["bearer"]
    token: str
    check: Request | None = None

    @field_validator("token")
    @classmethod
    def _secret(cls, value: str) -> str:
        return _template(value)


class OAuth2SignIn(_Token):
    """OAuth2 client credentials: each user asks ``token_url`` for an access token
    (``grant_type=client_credentials``) and asks again ``refresh_margin_s`` before it
    expires (``expires_in``)."""

    kind: Literal["oauth2"]
    token_url: str
    """A path on --host, or a full URL of another server."""
    client_id: str
    client_secret: str
    scope: str | None = None
    refresh_margin_s: float = Field(default=30.0, ge=0)

    @field_validator("client_id", "client_secret", "token_url")
    @classmethod
    def _secret(cls, value: str) -> str:
        return _template(value)


SignIn = Annotated[
    NoSignIn | LoginSignIn | BearerSignIn | OAuth2SignIn, Field(discriminator="kind")
]


class CountRequest(Request):
    """A request whose answer says how many records of one kind the service holds."""

    value: Capture


class Reconciliation(_Strict):
    """How to ask the service for its records: a count request per write transaction."""

    counts: dict[Name, CountRequest] = Field(default_factory=dict)


class RequestMap(_Strict):
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
