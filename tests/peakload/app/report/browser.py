"""Open a report page in headless Chromium (Debian's ``chromium``, driven by Playwright
with the system executable; never a downloaded browser) and collect what a reader
would see and what the page did: console errors, requests, figures, the verdict."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[4]
ARTIFACTS = ROOT / "results" / "test-artifacts"


def chromium_path() -> str | None:
    """``PEAKLOAD_CHROMIUM``, else ``chromium`` (Debian) or ``chromium-browser`` on PATH."""
    return (
        os.environ.get("PEAKLOAD_CHROMIUM")
        or shutil.which("chromium")
        or shutil.which("chromium-browser")
    )


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require_browser() -> str:
    """The chromium executable; without one, skip locally and fail in CI (CI=true),
    where a missing browser means .ci/run did not install it."""
    path = chromium_path()
    reason = None
    if path is None:
        reason = "chromium is not installed (apt-get install -y chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            reason = "the playwright package is not installed (pip install -e '.[dev]')"
    if reason is None:
        return path
    if in_ci():
        pytest.fail(f"browser tests need a browser in CI: {reason}")
    pytest.skip(f"{reason}; these tests fail instead of skipping when CI=true")


@dataclass
class Loaded:
    """What a page did and showed once loaded."""

    url: str
    console_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    figures_declared: int = 0
    figure_boxes: list[dict[str, float]] = field(default_factory=list)
    traces_per_figure: list[int] = field(default_factory=list)
    verdict: str = ""
    answer: str = ""
    screenshot: Path | None = None


def open_page(browser, path: Path, screenshot: str | None) -> Loaded:
    """Load ``path`` from disk, wait for every figure to be drawn, take a full-page
    screenshot into ``results/test-artifacts/<screenshot>.png``."""
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    url = path.resolve().as_uri()
    loaded = Loaded(url)
    page.on(
        "console",
        lambda m: loaded.console_errors.append(m.text) if m.type == "error" else None,
    )
    page.on("pageerror", lambda e: loaded.console_errors.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: loaded.console_errors.append(f"failed: {r.url}"))
    page.on("request", lambda r: loaded.requests.append(r.url))
    # Anything but the file itself is refused before it leaves, and still recorded.
    page.route(
        "**/*", lambda route: route.continue_() if route.request.url == url else route.abort()
    )
    try:
        page.goto(url, wait_until="load")
        loaded.figures_declared = int(page.locator("body").get_attribute("data-figures") or 0)
        page.wait_for_function(
            "n => document.querySelectorAll('.js-plotly-plot .main-svg').length >= n",
            arg=loaded.figures_declared,
            timeout=30_000,
        )
        page.wait_for_timeout(300)  # plotly's responsive resize settles
        for figure in page.locator(".js-plotly-plot").all():
            loaded.figure_boxes.append(figure.bounding_box() or {"width": 0, "height": 0})
            loaded.traces_per_figure.append(figure.locator("g.trace").count())
        loaded.verdict = page.locator("#verdict").inner_text()
        loaded.answer = page.locator("#answer").inner_text()
        if screenshot:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            loaded.screenshot = ARTIFACTS / f"{screenshot}.png"
            page.screenshot(path=str(loaded.screenshot), full_page=True)
            print(f"screenshot: {loaded.screenshot}")
    finally:
        page.close()
    return loaded


def assert_clean(loaded: Loaded) -> None:
    """No console error, no request beyond the file, every declared figure drawn
    at a non-zero size with at least one trace."""
    assert loaded.console_errors == []
    assert loaded.requests == [loaded.url]
    assert loaded.figures_declared >= 1
    assert len(loaded.figure_boxes) == loaded.figures_declared
    for box in loaded.figure_boxes:
        assert box["width"] > 100 and box["height"] > 100, box
    assert all(n >= 1 for n in loaded.traces_per_figure), loaded.traces_per_figure
