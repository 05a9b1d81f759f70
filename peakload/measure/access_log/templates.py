"""Routes without a map: request paths as templates, templates as readable names.

A real service's log has no route table beside it. Its paths still have a
shape: ``/api/v1/orders/48213/sign`` and ``/api/v1/orders/48377/sign`` are
one operation on two records. :func:`template` finds that shape: the query
is dropped and a path segment that identifies a record becomes ``{id}``:

- a run of digits (``48213``; inside a segment, two digits or more:
  ``INV-2020-0042`` becomes ``INV-{id}-{id}``, ``v1`` stays);
- a UUID (``3f2b9c1e-8d4a-4c7e-9b1f-2a6d5e4c3b2a``);
- a long hex string (16 digits or more: a hash, an object id);
- a long base64-like token (20 characters or more of letters, digits and
  ``-_=+~`` with at least one digit and one letter: an opaque key).

A template is named (:func:`name_templates`) by what it does, as a person
would: ``POST /api/v1/orders/{id}/sign`` is ``sign_order``,
``GET /api/v1/orders/{id}`` is ``get_order``, ``GET /api/v1/orders`` is
``list_orders``, ``POST /api/v1/orders`` is ``create_order``,
``POST /api/v1/carts/{id}/items`` is ``create_cart_item``, and a sign-in
(``POST .../login``, ``.../token``) is ``login``, which flows treat as the
sign-in. Two templates that would share a name both get their whole path in
theirs, then a number in template order: the names depend only on the
templates, so the same log gives the same names run after run.

Past the :data:`MAX_TRANSACTIONS` busiest templates (by requests), the rest
are merged into one transaction, :data:`OTHER`.
"""

from __future__ import annotations

import re
from collections import Counter

import polars as pl

from peakload.measure.access_log.formats import MAX_TRANSACTIONS

OTHER = "other"
ID = "{id}"

_UUID = r"^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$"
_HEX = r"^[0-9A-Fa-f]{16,}$"
_TOKEN = r"^[A-Za-z0-9_=+~-]{20,}$"


def _by_segment(bare: pl.Expr) -> pl.Expr:
    """Segment by segment (a list per path, slow): for paths with a long segment."""
    segment = pl.element()
    token = (
        segment.str.contains(_TOKEN)
        & segment.str.contains(r"[0-9]")
        & segment.str.contains(r"[A-Za-z]")
    )
    whole = (
        segment.str.contains(r"^[0-9]+$")
        | segment.str.contains(_UUID)
        | segment.str.contains(_HEX)
        | token
    )
    shaped = pl.when(whole).then(pl.lit(ID)).otherwise(segment.str.replace_all(r"[0-9]{2,}", ID))
    return bare.str.split("/").list.eval(shaped).list.join("/")


def _by_pattern(bare: pl.Expr) -> pl.Expr:
    """The same for paths without a segment of 16 characters or more (no UUID, hex or
    token can be there), by regular expressions on the whole path: single-digit segments
    (twice, as a match takes the slash after it), then runs of two digits or more."""
    single = r"/[0-9](/|$)"
    once = bare.str.replace_all(single, f"/{ID}$1")
    return once.str.replace_all(single, f"/{ID}$1").str.replace_all(r"[0-9]{2,}", ID)


LONG_SEGMENT = r"[^/]{16,}"


def templates(paths: pl.Series) -> pl.Series:
    """Each path's template: no query, no trailing slash, record-naming segments as ``{id}``.

    Meant for the distinct paths of a batch, not for every line. Most paths have no
    long segment and are templated by regular expressions on the whole path; the
    rest segment by segment.
    """
    frame = pl.DataFrame({"bare": paths.str.split("?").list.first().str.strip_chars_end("/")})
    frame = frame.with_row_index("row").with_columns(
        pl.col("bare").str.contains(LONG_SEGMENT).alias("long")
    )
    long = frame.filter(pl.col("long"))
    short = frame.filter(~pl.col("long"))
    joined = pl.concat(
        [
            short.select("row", _by_pattern(pl.col("bare")).alias("template")),
            long.select("row", _by_segment(pl.col("bare")).alias("template")),
        ]
    ).sort("row")["template"]
    return joined.set(joined == "", "/").alias(paths.name)


def template(path: str) -> str:
    """One path's template (see :func:`templates`)."""
    return str(templates(pl.Series("path", [path]))[0])


_VERSION = re.compile(r"^v\d+(\.\d+)*$", re.IGNORECASE)
_PREFIXES = {"api", "rest", "services", "service"}
_PAGE_SUFFIX = re.compile(r"\.[A-Za-z][A-Za-z0-9]{0,7}$")  # .html, .php, .aspx, .png
_SIGN_IN = {"login", "signin", "sign_in", "logon", "token", "tokens"}
_VERBS = {"GET": "get", "HEAD": "get", "PUT": "update", "PATCH": "update", "DELETE": "delete"}
SIGN_IN_NAME = "login"


def _word(segment: str) -> str:
    text = _PAGE_SUFFIX.sub("", segment)
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", text)  # camelCase -> camel_case
    return re.sub(r"[^0-9A-Za-z]+", "_", text).strip("_").lower()


def _singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _plural(word: str) -> bool:
    return _singular(word) != word


def _parts(template_text: str) -> tuple[str, list[str]]:
    method, _, path = template_text.partition(" ")
    segments = [s for s in path.split("/") if s]
    while segments and (segments[0].lower() in _PREFIXES or _VERSION.match(segments[0])):
        segments = segments[1:]
    kept = [s if s == ID else _word(s) for s in segments]
    return method.upper(), [s for s in kept if s]


def readable_name(template_text: str) -> str:
    """A name for one template (``POST /api/v1/orders/{id}/sign`` -> ``sign_order``)."""
    method, parts = _parts(template_text)
    verb = _VERBS.get(method, method.lower() or "request")
    if not parts or parts == [ID]:
        return "home" if verb == "get" else f"{verb}_home"
    last = parts[-1]
    literals = [p for p in parts if p != ID]
    if last == ID:
        owner = _singular(literals[-1]) if literals else "item"
        return f"{verb}_{owner}"
    if method == "POST" and last in _SIGN_IN:
        return SIGN_IN_NAME
    if len(parts) >= 3 and parts[-2] == ID:  # an action or a part of one record
        owner = _singular(parts[-3]) if parts[-3] != ID else "item"
        if _plural(last):  # a collection of the record's: its items, its comments
            verb = {"GET": "list", "HEAD": "list", "POST": "create"}.get(method, verb)
            return f"{verb}_{owner}_{_singular(last) if verb == 'create' else last}"
        if method == "POST":  # an action on the record: sign, pay, cancel
            return f"{last}_{owner}"
        return f"{verb}_{owner}_{last}"
    if method in ("GET", "HEAD"):
        return f"list_{last}" if _plural(last) else f"get_{last}"
    if method == "POST":
        return f"create_{_singular(last)}" if _plural(last) else f"post_{last}"
    return f"{verb}_{last}"


def _long_name(template_text: str) -> str:
    method, parts = _parts(template_text)
    verb = _VERBS.get(method, method.lower() or "request")
    words = [p if p != ID else "id" for p in parts] or ["home"]
    return "_".join([verb, *words])


def _valid(name: str) -> str:
    name = name[:60]
    return name if re.match(r"^[A-Za-z_]", name) else f"t_{name}"


def name_templates(
    volumes: Counter[str], max_transactions: int = MAX_TRANSACTIONS
) -> dict[str, str]:
    """Each template's transaction name: the ``max_transactions`` busiest named by
    :func:`readable_name` (collisions made unique), the rest :data:`OTHER`.

    Busiest first, ties broken by the template, so the choice is deterministic.
    """
    ranked = sorted(volumes, key=lambda t: (-volumes[t], t))
    kept, tail = ranked[:max_transactions], ranked[max_transactions:]
    base = {t: _valid(readable_name(t)) for t in kept}
    counts: Counter[str] = Counter(base.values())
    names = {t: (_valid(_long_name(t)) if counts[base[t]] > 1 else base[t]) for t in kept}
    taken: set[str] = {OTHER} if tail else set()
    out: dict[str, str] = {}
    for t in sorted(kept):
        name, n = names[t], 1
        while name in taken:
            n += 1
            name = f"{names[t]}_{n}"
        taken.add(name)
        out[t] = name
    out.update(dict.fromkeys(tail, OTHER))
    return out
