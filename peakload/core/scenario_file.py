"""Reading a scenario file, with errors a person can act on.

Every problem becomes one line ``FILE: key.path: what is wrong``, never a
traceback: a TOML syntax error keeps tomllib's line and column, a schema error
names the key path the way the file spells it (``tiers[2].workers``), and an
unknown key suggests the nearest allowed one.
"""

from __future__ import annotations

import difflib
import re
import tomllib
import types
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from peakload.core.scenario import Scenario
from peakload.core.workload import WORKLOAD_KINDS


class ScenarioError(Exception):
    """A scenario file that cannot be used; ``lines`` holds one message per problem."""

    def __init__(self, lines: list[str]):
        super().__init__("\n".join(lines))
        self.lines = lines


def load_scenario(path: str | Path) -> Scenario:
    """Read and check the scenario file at ``path``.

    Raises :class:`ScenarioError`, one line per problem, for a missing,
    unreadable, malformed or invalid file.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError([f"{path}: no such file"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([f"{path}: cannot read: {exc}"]) from None
    return parse_scenario(text, source=str(path))


def parse_scenario(text: str, source: str = "<scenario>") -> Scenario:
    """Check a scenario given as TOML text; ``source`` names it in error lines."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError([f"{source}: not valid TOML: {exc}"]) from None
    if not data:
        raise ScenarioError(
            [f"{source}: empty scenario: needs [scenario], [workload], [[transactions]], [[tiers]]"]
        )
    return scenario_from_dict(data, source)


def scenario_from_dict(data: dict[str, Any], source: str = "<scenario>") -> Scenario:
    """Check a scenario already parsed into a dict (as tomllib returns it)."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError([f"{source}: {line}" for line in describe_errors(exc)]) from None


_PATH_PREFIX = re.compile(r"^[A-Za-z_][\w\-]*(\[\d+\])?(\.[\w\-]+(\[\d+\])?)*: ")


def describe_errors(exc: ValidationError, root: type[BaseModel] = Scenario) -> list[str]:
    """One line per problem, ``key.path: message``, the path spelt as in the file
    whose schema is ``root`` (a scenario, or another file read the same way)."""
    lines = []
    for error in _merge_typos(exc.errors(include_url=False), root):
        loc = error["loc"]
        message = _message(error, loc, root)
        if _PATH_PREFIX.match(message):  # cross-reference errors name their own path
            lines.append(message)
        else:
            lines.append(f"{_format_loc(_resolve(loc, root)[0]) or '(top level)'}: {message}")
    return lines


def _merge_typos(errors: list[Any], root: type[BaseModel]) -> list[Any]:
    """A typo'd key is one mistake: drop the 'missing' line its suggestion explains."""
    missing = {error["loc"] for error in errors if error["type"] == "missing"}
    explained = set()
    for error in errors:
        loc = error["loc"]
        if error["type"] == "extra_forbidden":
            close = difflib.get_close_matches(str(loc[-1]), _allowed_keys(loc[:-1], root), n=1)
            if close and (*loc[:-1], close[0]) in missing:
                explained.add((*loc[:-1], close[0]))
    return [e for e in errors if not (e["type"] == "missing" and e["loc"] in explained)]


def _format_loc(loc: tuple[Any, ...]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _message(error: dict[str, Any], loc: tuple[Any, ...], root: type[BaseModel]) -> str:
    """What is wrong, in the scenario's words; ``loc`` is pydantic's raw location."""
    kind, ctx = error["type"], error.get("ctx", {})
    if kind == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1], root)
        hint = ""
        if allowed:
            close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
            hint = (
                f" (did you mean '{close[0]}'?)" if close else f" (allowed: {', '.join(allowed)})"
            )
        return f"unknown key{hint}"
    if kind == "missing":
        return "required key is missing"
    if kind == "greater_than_equal":
        return f"must be >= {ctx['ge']} (got {error['input']!r})"
    if kind == "greater_than":
        return f"must be > {ctx['gt']} (got {error['input']!r})"
    if kind == "less_than_equal":
        return f"must be <= {ctx['le']} (got {error['input']!r})"
    if kind == "union_tag_invalid" and ctx.get("discriminator") == "'kind'":
        tags = WORKLOAD_KINDS if root is Scenario else ctx.get("expected_tags", "").split(", ")
        kinds = " or ".join(repr(k.strip("'")) for k in tags)
        return f"{_format_loc((*_resolve(loc, root)[0], 'kind'))}: Input should be {kinds}"
    if kind == "union_tag_invalid":
        return f"unknown distribution {ctx.get('tag')!r} (choose one of {', '.join(sorted(_TAGS))})"
    if kind == "union_tag_not_found" and ctx.get("discriminator") == "'kind'":
        return "needs 'kind'"
    if kind == "union_tag_not_found":
        return "a distribution needs 'dist' (for example { dist = \"exponential\", mean = 1.0 })"
    message = str(error["msg"])
    return message.removeprefix("Value error, ")


_TAGS = {"exponential", "deterministic", "lognormal", "gamma", "uniform", "empirical"}


def _allowed_keys(loc: tuple[Any, ...], root: type[BaseModel]) -> list[str]:
    """The keys a model at ``loc`` accepts, for 'did you mean' hints; [] if unknown."""
    model = _resolve(loc, root)[1]
    if isinstance(model, type) and issubclass(model, BaseModel):
        return sorted(f.alias or name for name, f in model.model_fields.items())
    return []


def _resolve(loc: tuple[Any, ...], root: type[BaseModel]) -> tuple[tuple[Any, ...], Any]:
    """Walk pydantic's ``loc`` through the schema.

    Returns the path as the file spells it, without the union members pydantic
    names on the way (``workload.closed.think_time.lognormal.cv`` ->
    ``workload.think_time.cv``), and the type found at its end (None when the
    walk leaves the models, e.g. inside a profile point).
    """
    shown: list[Any] = []
    node: Any = root
    for part in loc:
        node = _unwrap(node)
        members = _tagged_members(node)
        if isinstance(part, str) and part in members:
            node = members[part]  # the tag of a discriminated union: kind, dist
            continue
        if isinstance(part, str) and part.startswith(("tuple[", "list[")):
            continue  # the member of a plain union pydantic tried
        shown.append(part)
        node = _child(node, part)
    return tuple(shown), _unwrap(node)


def _unwrap(annotation: Any) -> Any:
    """``X`` from ``Annotated[X, ...]`` or ``X | None``; other types unchanged."""
    if typing.get_origin(annotation) is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return _unwrap(args[0])
    return annotation


def _tagged_members(annotation: Any) -> dict[str, Any]:
    """For a union of models each tagged by a ``Literal`` field: tag -> model."""
    if typing.get_origin(annotation) not in (typing.Union, types.UnionType):
        return {}
    members = {}
    for arg in typing.get_args(annotation):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            for field in arg.model_fields.values():
                if typing.get_origin(field.annotation) is typing.Literal:
                    members[typing.get_args(field.annotation)[0]] = arg
    return members


def _child(node: Any, part: Any) -> Any:
    """The type one step down: a model's field, a list's item, a dict's value."""
    if isinstance(node, type) and issubclass(node, BaseModel):
        field = node.model_fields.get(part) or next(
            (f for f in node.model_fields.values() if f.alias == part), None
        )
        return None if field is None else field.annotation
    origin = typing.get_origin(node)
    if origin is list and isinstance(part, int):
        return typing.get_args(node)[0]
    if origin is dict:
        return typing.get_args(node)[1]
    return None
