"""Which transaction a request was: method plus a path pattern.

The default map is the mock service's API table (its routes, in docs/mock-service.md),
so a log the mock wrote maps without a file. A real
system's routes come from a TOML file::

    [[routes]]
    method = "POST"
    path = '^/api/v1/payment-orders/\\d+/signature$'
    transaction = "sign_payment"

A path that matches no route is *unknown*: counted per path template
(:func:`~.templates.template`: record ids as ``{id}``, the query left out)
and listed, never guessed. Without a map, a log whose paths are not the
mock's is named by its templates (:mod:`~.templates`).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from peakload.measure.access_log.assets import is_asset
from peakload.measure.access_log.templates import templates

UNKNOWN = "?"


@dataclass(frozen=True)
class Route:
    """One rule: ``method`` (or ``*``) and a regular expression on the path (no query)."""

    method: str
    path: str
    transaction: str


DEFAULT_ROUTES = (
    Route("POST", r"^/api/v1/auth/token$", "login"),
    Route("GET", r"^/api/v1/catalog/budget-codes$", "search_budget_codes"),
    Route("POST", r"^/api/v1/payment-orders$", "create_payment"),
    Route("POST", r"^/api/v1/payment-orders/\d+/signature$", "sign_payment"),
    Route("POST", r"^/api/v1/payment-orders/\d+/submission$", "submit_payment"),
    Route("GET", r"^/api/v1/payment-orders/\d+$", "get_payment"),
    Route("GET", r"^/api/v1/payment-orders$", "list_payments"),
    Route("POST", r"^/api/v1/dossiers$", "submit_dossier"),
    Route("GET", r"^/api/v1/dossiers/\d+$", "get_dossier"),
    Route("POST", r"^/api/v1/foreign-loan-records$", "record_foreign_loan"),
    Route("POST", r"^/api/v1/account-closures$", "close_account"),
    Route("GET", r"^/api/v1/statements$", "get_statements"),
)


class RouteMapError(ValueError):
    """A route file that cannot be used; the message names the file and the key."""


def load_routes(path: str | Path | None) -> tuple[Route, ...]:
    """The routes of a TOML file, or :data:`DEFAULT_ROUTES` when ``path`` is None."""
    if path is None:
        return DEFAULT_ROUTES
    try:
        data = tomllib.loads(Path(path).read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise RouteMapError(f"{path}: {exc}") from None
    routes = []
    for i, item in enumerate(data.get("routes", [])):
        try:
            routes.append(Route(item.get("method", "*").upper(), item["path"], item["transaction"]))
        except KeyError as exc:
            raise RouteMapError(f"{path}: routes[{i}]: missing {exc.args[0]!r}") from None
    if not routes:
        raise RouteMapError(f"{path}: no [[routes]]")
    return tuple(routes)


def _match(routes: tuple[Route, ...], method: str, path: str) -> str:
    for route in routes:
        if route.method in ("*", method) and re.search(route.path, path):
            return route.transaction
    return UNKNOWN


def name_transactions(
    frame: pl.DataFrame, routes: tuple[Route, ...] | None, keep_assets: bool = False
) -> pl.DataFrame:
    """Add ``transaction``, ``pattern`` (method and path template), ``asset`` and ``target``.

    ``routes`` None names each request by its template (:mod:`~.templates`; the
    names come at the end, once the volumes are known); otherwise by the first
    matching route, ``?`` when none does. ``asset`` marks static assets
    (:mod:`~.assets`; never with ``keep_assets``); ``target`` is a 64-bit hash of
    method and path without the query (a client's "one path").

    Rules are matched once per path *template* (:func:`~.templates.template`), on
    one path of that shape, not once per line: a log has a handful of shapes and
    millions of lines. So a rule that tells two paths apart by their digits alone
    is not supported. The templates are computed once per distinct method and
    path of the batch, then joined back to its lines: a path repeats (a third of
    a load test's are distinct).
    """
    # One row per distinct request target, found by a 64-bit hash of method and path:
    # hashing and grouping integers costs a fraction of grouping and joining the strings.
    frame = frame.with_columns(pl.struct("method", "path").hash().alias("request_target"))
    targets = frame.group_by("request_target").agg(pl.col("method").first(), pl.col("path").first())
    bare = pl.col("path").str.split("?").list.first()
    targets = targets.with_columns(
        (pl.col("method") + " " + templates(targets["path"])).alias("pattern"),
        bare.alias("bare_path"),
        (pl.lit(False) if keep_assets else is_asset(bare)).alias("asset"),
        pl.struct(pl.col("method"), bare).hash().alias("target"),
    )
    if routes is None:
        named = pl.col("pattern")
    else:
        shapes = targets.group_by("pattern").agg(
            pl.col("method").first(), pl.col("bare_path").first()
        )
        names = {p: _match(routes, method, bare) for p, method, bare in shapes.iter_rows()}
        named = pl.col("pattern").replace_strict(names, return_dtype=pl.String)
    targets = targets.select(
        "request_target", "pattern", named.alias("transaction"), "asset", "target"
    )
    return frame.join(targets, on="request_target", how="left", maintain_order="left").drop(
        "request_target"
    )
