"""Request templates: strings with ``{placeholders}``, checked when read, filled per request.

A request map (:mod:`peakload.core.request_map`) writes paths, headers and
JSON bodies as templates. A placeholder is one of:

================== ==========================================================
``{NAME}``         a value captured from an earlier response of this user
``{env:VAR}``      the environment variable VAR (credentials: never the command line)
``{file:PATH}``    the content of PATH, stripped (relative to the map's folder)
``{uuid}``         a fresh random UUID, never the same in two runs (an idempotency key)
``{int:LO:HI}``    an integer from LO to HI, both included
``{amount:LO:HI}`` an amount from LO to HI with two decimals
``{choice:A|B|C}`` one of the listed words
``{unit_code}``    the user's own unit code (1000001 ...), as our mock's users have
``{user}``         the user's index: 0, 1, 2 ... over every generator process
``{unit_password}`` our mock's password for ``{unit_code}`` (from PEAKLOAD_UNIT_SECRET)
================== ==========================================================

``{{`` and ``}}`` stand for literal braces. In a JSON body a string that is
exactly one placeholder becomes the value itself (an integer stays an
integer, a captured object stays an object); anything else is a string.

Every random value comes from the user's own ``numpy.random.Generator``, so a
seed replays a run's choices. A ``{uuid}`` also mixes in the run's own token
(:func:`fresh_uuid`): a key drawn from the seed alone would be the same key in
the next run with that seed, and a service that keeps its keys (as an
idempotent API must, for hours or days) would answer the second run's writes
from the first run's records instead of doing them.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np

from peakload.core.units import DEV_UNIT_SECRET, unit_password

_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class PlaceholderKind(StrEnum):
    """What a placeholder stands for."""

    CAPTURE = "capture"
    ENV = "env"
    FILE = "file"
    UUID = "uuid"
    INT = "int"
    AMOUNT = "amount"
    CHOICE = "choice"
    UNIT_CODE = "unit_code"
    UNIT_PASSWORD = "unit_password"
    USER = "user"


_BARE = {
    PlaceholderKind.UUID,
    PlaceholderKind.UNIT_CODE,
    PlaceholderKind.UNIT_PASSWORD,
    PlaceholderKind.USER,
}


class TemplateError(ValueError):
    """A template that cannot be filled; the message says which placeholder and why."""


@dataclass(frozen=True)
class Placeholder:
    """One ``{...}``: its kind and argument (a capture's or a variable's name, a range)."""

    kind: PlaceholderKind
    argument: str = ""
    low: float = 0.0
    high: float = 0.0
    choices: tuple[str, ...] = ()

    @classmethod
    def parse(cls, text: str) -> Placeholder:
        head, _, rest = text.partition(":")
        if not _:
            if head in _BARE:
                return cls(PlaceholderKind(head))
            if _NAME.match(head):
                return cls(PlaceholderKind.CAPTURE, head)
            raise TemplateError(f"{{{text}}}: not a placeholder (a capture's name, or kind:arg)")
        try:
            kind = PlaceholderKind(head)
        except ValueError:
            kinds = ", ".join(k.value for k in PlaceholderKind if k is not PlaceholderKind.CAPTURE)
            raise TemplateError(f"{{{text}}}: unknown kind '{head}' (kinds: {kinds})") from None
        if kind in (PlaceholderKind.ENV, PlaceholderKind.FILE):
            if not rest:
                raise TemplateError(
                    f"{{{text}}}: names no {'variable' if kind is PlaceholderKind.ENV else 'file'}"
                )
            return cls(kind, rest)
        if kind is PlaceholderKind.CHOICE:
            words = tuple(w for w in rest.split("|") if w)
            if not words:
                raise TemplateError(f"{{{text}}}: lists no choice (choice:A|B|C)")
            return cls(kind, rest, choices=words)
        if kind in (PlaceholderKind.INT, PlaceholderKind.AMOUNT):
            low, sep, high = rest.partition(":")
            try:
                lo, hi = (
                    (int(low), int(high))
                    if kind is PlaceholderKind.INT
                    else (float(low), float(high))
                )
            except ValueError:
                raise TemplateError(f"{{{text}}}: give a range, {head}:LOW:HIGH") from None
            if not sep or hi < lo:
                raise TemplateError(f"{{{text}}}: give a range, {head}:LOW:HIGH with LOW <= HIGH")
            return cls(kind, rest, lo, hi)
        raise TemplateError(f"{{{text}}}: {head} takes no argument")


@dataclass(frozen=True)
class Template:
    """A string with placeholders, parsed once."""

    text: str
    parts: tuple[str | Placeholder, ...]

    @classmethod
    def parse(cls, text: str) -> Template:
        parts: list[str | Placeholder] = []
        at = 0

        def literal(segment: str) -> None:
            if "{" in segment or "}" in segment:
                raise TemplateError(f"'{text}': an unmatched brace (write {{{{ or }}}} for one)")
            if segment:
                parts.append(segment)

        for match in _PLACEHOLDER.finditer(text):
            literal(text[at : match.start()])
            token = match.group(0)
            if token in ("{{", "}}"):
                parts.append(token[0])
            else:
                parts.append(Placeholder.parse(match.group(1)))
            at = match.end()
        literal(text[at:])
        return cls(text, tuple(parts))

    @property
    def placeholders(self) -> list[Placeholder]:
        return [p for p in self.parts if isinstance(p, Placeholder)]

    @property
    def single(self) -> Placeholder | None:
        """The placeholder, when the template is exactly one (a typed JSON value)."""
        return (
            self.parts[0]
            if len(self.parts) == 1 and isinstance(self.parts[0], Placeholder)
            else None
        )


def fresh_uuid(rng: np.random.Generator, run_token: str) -> uuid.UUID:
    """A version-4 UUID from ``rng`` that no other run makes, whatever its seed.

    The 16 bytes drawn from the user's generator are hashed with ``run_token``
    (:attr:`peakload.core.plan.Plan.run_token`, random per run): the draw keeps a
    seeded run's sequence of random numbers as it was, and the token makes the
    key the run's own. Two load tests of one seed against one staging service
    would otherwise send the same Idempotency-Keys, and the second would measure
    replays (cheap lookups, 409s on steps already taken) and count its writes lost.
    """
    digest = hashlib.blake2b(rng.bytes(16), digest_size=16, key=run_token.encode()).digest()
    return uuid.UUID(bytes=digest, version=4)


@dataclass
class Context:
    """What a user fills templates from: its captures, its index and generator."""

    rng: np.random.Generator
    user: int
    unit_code: int
    captures: dict[str, Any]
    secrets: Mapping[tuple[PlaceholderKind, str], str]
    """``env:`` and ``file:`` values, read once per process (:func:`read_secrets`)."""
    unit_secret: str = DEV_UNIT_SECRET
    """Our mock's PEAKLOAD_UNIT_SECRET, for ``{unit_password}``."""
    run_token: str = ""
    """The run's own token, mixed into every ``{uuid}`` (:func:`fresh_uuid`)."""


def _value(p: Placeholder, ctx: Context) -> Any:
    match p.kind:
        case PlaceholderKind.CAPTURE:
            if p.argument not in ctx.captures:
                raise TemplateError(f"{{{p.argument}}} is not captured yet")
            return ctx.captures[p.argument]
        case PlaceholderKind.ENV | PlaceholderKind.FILE:
            return ctx.secrets[(p.kind, p.argument)]
        case PlaceholderKind.UUID:
            return str(fresh_uuid(ctx.rng, ctx.run_token))
        case PlaceholderKind.INT:
            return int(ctx.rng.integers(int(p.low), int(p.high) + 1))
        case PlaceholderKind.AMOUNT:
            return round(float(ctx.rng.uniform(p.low, p.high)), 2)
        case PlaceholderKind.CHOICE:
            return p.choices[int(ctx.rng.integers(len(p.choices)))]
        case PlaceholderKind.UNIT_CODE:
            return str(ctx.unit_code)  # a code, not a number: "1000001"
        case PlaceholderKind.UNIT_PASSWORD:
            return unit_password(ctx.unit_secret, ctx.unit_code)
        case PlaceholderKind.USER:
            return ctx.user
    raise AssertionError(p.kind)


def fill(template: Template, ctx: Context, typed: bool = False) -> Any:
    """The template's text with every placeholder filled (the value itself when
    ``typed`` and the template is one placeholder)."""
    single = template.single
    if typed and single is not None:
        return _value(single, ctx)
    return "".join(p if isinstance(p, str) else _text(_value(p, ctx)) for p in template.parts)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def fill_json(shape: Any, ctx: Context) -> Any:
    """A JSON body: every string in ``shape`` (parsed templates) filled, typed."""
    if isinstance(shape, Template):
        return fill(shape, ctx, typed=True)
    if isinstance(shape, dict):
        return {k: fill_json(v, ctx) for k, v in shape.items()}
    if isinstance(shape, list):
        return [fill_json(v, ctx) for v in shape]
    return shape


def parse_json(shape: Any) -> Any:
    """A JSON body as written, with every string parsed into a :class:`Template`."""
    if isinstance(shape, str):
        return Template.parse(shape)
    if isinstance(shape, dict):
        return {k: parse_json(v) for k, v in shape.items()}
    if isinstance(shape, list):
        return [parse_json(v) for v in shape]
    return shape


def read_secrets(
    needed: list[Placeholder], folder: Path, environ: Mapping[str, str]
) -> dict[tuple[PlaceholderKind, str], str]:
    """Every ``env:`` and ``file:`` value ``needed``; a missing one raises
    :class:`TemplateError` naming it."""
    values: dict[tuple[PlaceholderKind, str], str] = {}
    for p in needed:
        if p.kind is PlaceholderKind.ENV:
            if p.argument not in environ:
                raise TemplateError(f"{{env:{p.argument}}}: the variable {p.argument} is not set")
            values[(p.kind, p.argument)] = environ[p.argument]
        elif p.kind is PlaceholderKind.FILE:
            path = Path(p.argument).expanduser()
            path = path if path.is_absolute() else folder / path
            try:
                values[(p.kind, p.argument)] = path.read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise TemplateError(
                    f"{{file:{p.argument}}}: cannot read {path}: {exc.strerror}"
                ) from None
    return values
