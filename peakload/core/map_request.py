"""One request of a request map (:mod:`peakload.core.request_map`): its method,
path, headers and body as templates, the statuses that count as success, and the
values it captures from the answer for the requests after it."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from peakload.core.json_path import JsonPath
from peakload.core.scenario import Name
from peakload.core.templates import Template, TemplateError, parse_json


class Method(StrEnum):
    GET = "GET"
    POST = "POST"
    PUT = "PUT"
    PATCH = "PATCH"
    DELETE = "DELETE"
    HEAD = "HEAD"
    OPTIONS = "OPTIONS"


class Strict(BaseModel):
    """A part of a request map: unknown keys are errors, values fixed once read."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def checked_template(value: str) -> str:
    """``value`` if it parses as a template; a ValueError naming the fault if not."""
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


class Capture(Strict):
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


class Request(Strict):
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
        return checked_template(value)

    @field_validator("headers", "form")
    @classmethod
    def _values(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        for text in (value or {}).values():
            checked_template(text)
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


class CountRequest(Request):
    """A request whose answer says how many records of one kind the service holds."""

    value: Capture
