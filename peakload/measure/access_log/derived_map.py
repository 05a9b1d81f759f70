"""A request map from a log: what each derived transaction sends, as far as a log can say.

A scenario derived from a log names its transactions by path templates
(:mod:`~.templates`); a load test against the real service needs each one's
request (:mod:`peakload.core.request_map`). The log gives the method and the
path, with ``{id}`` where a record's id was; it does not give request bodies,
response bodies or credentials. :func:`derive_request_map` writes what it can
and marks every guess with ``# PLACEHOLDER``:

- each transaction sends its **busiest template** (``other``, the templates
  past ``--max-transactions``, gets none: a comment lists what it merged);
- an ``{id}`` under a collection (``/v2/invoices/{id}/approve``) is a
  **capture** when an earlier step of the flow where the transaction first
  appears POSTs to that collection (``POST /v2/invoices``): the creator
  captures the new record's id from its answer, with the JSON path ``$.id``
  marked as a placeholder (the log has no response bodies), and the later
  paths use it (``/v2/invoices/{invoice}/approve``);
- an id with no creator in the flows is a marked placeholder value,
  ``{int:1:1000}``: never a silent guess;
- a POST, PUT or PATCH sends a marked placeholder body, ``{}``;
- the sign-in is ``kind = "none"``, marked, naming the log's sign-in
  request if there was one (credentials come from the environment, which the
  user fills in).

:func:`render` writes the map as TOML with those comments.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from peakload.measure.access_log.flows import SIGN_IN, DerivedFlow
from peakload.measure.access_log.templates import ID, OTHER, _singular, _word

PLACEHOLDER_ID = "{int:1:1000}"
"""What an id with no creator in the flows becomes (marked)."""
CAPTURE_JSON_PATH = "$.id"
"""The JSON path a creator's capture starts with (marked: the log has no response bodies)."""
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
BODY_METHODS = ("POST", "PUT", "PATCH")

CAPTURE_NOTE = (
    "# PLACEHOLDER: the log cannot show response bodies: check the JSON path of the new id"
)
BODY_NOTE = "# PLACEHOLDER: the log has no request bodies: write the JSON this request sends"
ID_NOTE = (
    "# PLACEHOLDER: {int:1:1000} stands for an id no earlier step of its flow created: "
    "put a real one"
)


@dataclass(frozen=True)
class PathId:
    """One ``{id}`` of a path: the collection it is under and what fills it."""

    collection: str
    """``POST``-able collection path the id belongs to (``/v2/invoices``); "" inside a segment."""
    capture: str | None = None
    """The capture's name, when a creator was found; else a placeholder value."""


@dataclass(frozen=True)
class DerivedRequest:
    """One transaction's request: its busiest template and what fills its ids."""

    name: str
    method: str
    template: str
    """The log's path template, ``{id}`` included."""
    requests: int
    ids: tuple[PathId, ...] = ()
    captures: tuple[str, ...] = ()
    """The ids this request's answer creates, captured for later steps."""

    @property
    def path(self) -> str:
        """The map's path: each ``{id}`` a capture or the placeholder value."""
        literals = [part.replace("{", "{{").replace("}", "}}") for part in self.template.split(ID)]
        out = literals[0]
        for path_id, literal in zip(self.ids, literals[1:], strict=True):
            out += (f"{{{path_id.capture}}}" if path_id.capture else PLACEHOLDER_ID) + literal
        return out

    @property
    def guessed(self) -> bool:
        return any(i.capture is None for i in self.ids)


@dataclass(frozen=True)
class DerivedRequestMap:
    """The requests of a derived scenario's transactions, with what the log could not say."""

    requests: list[DerivedRequest]
    sign_in: tuple[str, int] | None = None
    """The log's sign-in (``POST /v2/login``, requests), if it had one."""
    merged: list[str] = field(default_factory=list)
    """The templates merged into ``other``."""
    other_requests: int = 0


def _split(pattern: str) -> tuple[str, str]:
    method, _, path = pattern.partition(" ")
    return method.upper(), path or "/"


def _ids(path: str) -> list[str]:
    """The collection of each ``{id}`` in ``path``, in order ("" for an id inside a segment)."""
    segments = path.split("/")
    out = []
    for k, segment in enumerate(segments):
        if segment == ID:
            out.append("/".join(segments[:k]) or "/")
        else:
            out += [""] * segment.count(ID)
    return out


def _capture_name(collection: str, taken: dict[str, str]) -> str:
    """A readable name for ids of ``collection``: ``/v2/invoices`` -> ``invoice``."""
    if collection in taken:
        return taken[collection]
    last = collection.rstrip("/").rsplit("/", 1)[-1]
    word = _singular(_word(last)) if last and last != ID else ""
    base = word if re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", word) else "id"
    name, n = base, 1
    while name in taken.values():
        n += 1
        name = f"{base}_{n}"
    taken[collection] = name
    return name


def derive_request_map(
    templates: dict[str, dict[str, int]],
    flows: Sequence[DerivedFlow],
    merged: Sequence[str] = (),
) -> DerivedRequestMap:
    """The request map of a derived workload: ``templates`` per transaction (requests per
    ``METHOD /path`` template), its ``flows`` (most frequent first) and the templates
    ``merged`` into ``other``."""
    busiest = {
        name: max(patterns.items(), key=lambda item: (item[1], item[0]))
        for name, patterns in templates.items()
        if patterns
    }
    creators = {_split(p)[1]: name for name, (p, _) in busiest.items() if _split(p)[0] == "POST"}
    names: dict[str, str] = {}
    captures: dict[str, list[str]] = {}
    requests = []
    ordered = list(dict.fromkeys(s for f in flows for s in f.steps))
    ordered += [n for n in busiest if n not in ordered]
    found: dict[str, list[PathId]] = {}
    for name in ordered:
        if name in (OTHER, SIGN_IN) or name not in busiest:
            continue
        method, path = _split(busiest[name][0])
        first = next((f.steps for f in flows if name in f.steps), ())
        before = set(first[: first.index(name)]) if name in first else set()
        ids = []
        for collection in _ids(path):
            creator = creators.get(collection) if collection else None
            if creator is not None and creator in before:
                capture = _capture_name(collection, names)
                captures.setdefault(creator, [])
                if capture not in captures[creator]:
                    captures[creator].append(capture)
                ids.append(PathId(collection, capture))
            else:
                ids.append(PathId(collection))
        found[name] = ids
    for name, ids in found.items():
        pattern, count = busiest[name]
        method, path = _split(pattern)
        requests.append(
            DerivedRequest(name, method, path, count, tuple(ids), tuple(captures.get(name, ())))
        )
    sign_in = busiest.get(SIGN_IN)
    other = sum(templates.get(OTHER, {}).values())
    return DerivedRequestMap(requests, sign_in, list(merged), other)


def _key(name: str) -> str:
    return name if re.match(r"^[A-Za-z0-9_-]+$", name) else json.dumps(name)


def _string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def render(derived: DerivedRequestMap, scenario_file: str) -> str:
    """The map as TOML, every guess marked ``# PLACEHOLDER`` (see the module)."""
    lines = [
        f"# What each transaction of {scenario_file} sends: written by `peakload scenario "
        "from-log`",
        "# from the log's busiest path template per transaction. A log has no request or",
        "# response bodies and no credentials: fill every '# PLACEHOLDER' before a load test",
        '# (docs/from-log.md, "A request map too").',
        f"description = {_string(f'Derived from the access logs behind {scenario_file}.')}",
        "",
        "[sign_in]",
    ]
    if derived.sign_in is not None:
        pattern, count = derived.sign_in
        method, path = _split(pattern)
        lines += [
            f"# PLACEHOLDER: the log shows a sign-in, transaction login: {method} {path} "
            f"({count:,} requests).",
            '# Replace kind = "none" with how the service signs users in, credentials from the',
            "# environment (docs/your-service.md), e.g.:",
            '#   kind = "login"',
            f"#   method = {_string(method)}",
            f"#   path = {_string(path)}",
            '#   body = { username = "{env:SERVICE_USER}", password = "{env:SERVICE_PASSWORD}" }',
            '#   token = { json = "$.token" }',
        ]
    else:
        lines.append(
            "# PLACEHOLDER: the log shows no sign-in request: if the service wants one, say "
            "how (docs/your-service.md)"
        )
    lines.append('kind = "none"')
    for request in derived.requests:
        lines += ["", f"[transactions.{_key(request.name)}]"]
        lines.append(f"# from {request.method} {request.template} ({request.requests:,} requests)")
        if request.method in METHODS:
            lines.append(f"method = {_string(request.method)}")
        else:
            lines += [
                f"# PLACEHOLDER: the log's method {request.method} is not one a map sends",
                'method = "GET"',
            ]
        if request.guessed:
            lines.append(ID_NOTE)
        lines.append(f"path = {_string(request.path)}")
        if request.method in BODY_METHODS:
            lines += [BODY_NOTE, "body = {}"]
        if request.captures:
            made = ", ".join(
                f'{name} = {{ json = "{CAPTURE_JSON_PATH}" }}' for name in request.captures
            )
            lines += [CAPTURE_NOTE, f"capture = {{ {made} }}"]
    if derived.merged:
        shown = ", ".join(derived.merged[:10])
        more = len(derived.merged) - 10
        lines += [
            "",
            f"# 'other' ({derived.other_requests:,} requests) is no one request: it merges "
            f"{len(derived.merged):,} templates past --max-transactions:",
            f"# {shown}" + (f" and {more:,} more" if more > 0 else "") + ".",
            "# PLACEHOLDER: a load test of a flow with 'other' needs a [transactions.other]:",
            "# write one (say, its busiest template above) or derive again with a larger",
            "# --max-transactions to name them all.",
        ]
    return "\n".join(lines) + "\n"
