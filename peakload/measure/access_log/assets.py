"""Static assets: the images, style sheets, scripts and fonts a page view pulls in.

A browser that shows a page fetches its assets right after it, without the
user doing anything: they are part of that page view, not requests of their
own. So an asset is *folded* into the page view that fetched it: it is not a
transaction, not a step of a flow and not a request in the mix, and the gap
before it is no think time. It only tells how long the page view kept the
user waiting: the think time before the next page runs from the end of the
last asset, not the end of the page.

An asset is known by its path (the query left out): a file extension of
:data:`ASSET_EXTENSIONS` (``/static/app.3f9c2.js``, ``/img/logo.png``,
``/favicon.ico``, ``/main.js.map``), or a folder named as assets are
(``/static/``, ``/assets/``, ``/_next/static/``, ``/webjars/``...). An API
path that merely ends in ``.json`` is no asset (it answers a user's request).
"""

from __future__ import annotations

import polars as pl

ASSET_EXTENSIONS = (
    # images
    "png", "jpg", "jpeg", "gif", "webp", "avif", "svg", "ico", "bmp", "tif", "tiff", "cur",
    # style sheets and scripts, with their source maps
    "css", "js", "mjs", "cjs", "map", "jsx", "ts",
    # fonts
    "woff", "woff2", "ttf", "otf", "eot",
    # media
    "mp4", "webm", "ogg", "mp3", "wav", "m4a",
    # manifests and other files a page pulls in by itself
    "webmanifest", "wasm",
)  # fmt: skip
"""Extensions (lower case, no dot) of files a page fetches by itself."""

ASSET_FOLDERS = ("static", "assets", "_next", "webjars", "fonts", "images", "img", "css", "js")
"""Folder names (a path segment, any depth) that hold assets whatever their extension."""

_EXTENSION = r"(?i)\.(" + "|".join(ASSET_EXTENSIONS) + r")$"
_FOLDER = r"(?i)(^|/)(" + "|".join(ASSET_FOLDERS) + r")/"


def is_asset(path: pl.Expr) -> pl.Expr:
    """True where ``path`` (without its query) is a static asset."""
    return path.str.contains(_EXTENSION) | path.str.contains(_FOLDER)
