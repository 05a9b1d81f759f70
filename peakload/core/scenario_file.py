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


class ScenarioError(Exception):
    """A scenario file that cannot be used; ``lines`` holds one message per problem."""

    def __init__(self, lines: list[str]):
        super().__init__("\n".join(lines))
        self.lines = lines


def load_scenario(path: str | Path) -> Scenario:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError([f"{path}: no such file"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([f"{path}: cannot read: {exc}"]) from None
    return parse_scenario(text, source=str(path))


def parse_scenario(text: str, source: str = "<scenario>") -> Scenario:
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
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError([f"{source}: {line}" for line in _describe(exc)]) from None


_PATH_PREFIX = re.compile(r"^[A-Za-z_][\w\-]*(\[\d+\])?(\.[\w\-]+(\[\d+\])?)*: ")


def _describe(exc: ValidationError) -> list[str]:
    errors = [(error, _clean_loc(error["loc"])) for error in exc.errors(include_url=False)]
    lines = []
    for error, loc in _merge_typos(errors):
        message = _message(error, loc)
        if _PATH_PREFIX.match(message):  # cross-reference errors name their own path
            lines.append(message)
        else:
            lines.append(f"{_format_loc(loc) or '(top level)'}: {message}")
    return lines


def _merge_typos(errors: list[tuple[dict[str, Any], tuple[Any, ...]]]) -> list:
    """A typo'd key is one mistake: drop the 'missing' line its suggestion explains."""
    missing = {loc for error, loc in errors if error["type"] == "missing"}
    explained = set()
    for error, loc in errors:
        if error["type"] == "extra_forbidden":
            close = difflib.get_close_matches(str(loc[-1]), _allowed_keys(loc[:-1]), n=1)
            if close and (*loc[:-1], close[0]) in missing:
                explained.add((*loc[:-1], close[0]))
    return [(e, loc) for e, loc in errors if not (e["type"] == "missing" and loc in explained)]


_TAGS = {"exponential", "deterministic", "lognormal", "gamma", "uniform", "empirical"}


def _clean_loc(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """Drop the union tags pydantic inserts (``think_time.lognormal.cv`` -> ``think_time.cv``)."""
    out = []
    for part in loc:
        if isinstance(part, str) and (part in _TAGS or part.startswith(("tuple[", "list["))):
            continue
        out.append(part)
    return tuple(out)


def _format_loc(loc: tuple[Any, ...]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _message(error: dict[str, Any], loc: tuple[Any, ...]) -> str:
    kind, ctx = error["type"], error.get("ctx", {})
    if kind == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1])
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
    if kind == "union_tag_invalid":
        return f"unknown distribution {ctx.get('tag')!r} (choose one of {', '.join(sorted(_TAGS))})"
    if kind == "union_tag_not_found":
        return "a distribution needs 'dist' (for example { dist = \"exponential\", mean = 1.0 })"
    message = str(error["msg"])
    return message.removeprefix("Value error, ")


def _allowed_keys(loc: tuple[Any, ...]) -> list[str]:
    """The keys a model at ``loc`` accepts, for 'did you mean' hints; [] if unknown."""
    model: Any = Scenario
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return []
        field = model.model_fields.get(part) or next(
            (f for f in model.model_fields.values() if f.alias == part), None
        )
        if field is None:
            return []
        model = _inner_model(field.annotation)
    if isinstance(model, type) and issubclass(model, BaseModel):
        return sorted(f.alias or name for name, f in model.model_fields.items())
    return []


def _inner_model(annotation: Any) -> Any:
    """The model inside ``list[X]``, ``X | None`` or ``Annotated[X, ...]``, if there is one."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _inner_model(typing.get_args(annotation)[0])
    if origin in (list, typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            inner = _inner_model(arg)
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                return inner
        return None
    return annotation
