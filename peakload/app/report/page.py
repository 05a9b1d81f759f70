"""One self-contained HTML page: a verdict first, then sections of tables and figures.

A page is a :class:`Report`: a title, a :class:`Headline` (the pass/fail label and
the one-line answer a reader wants before anything else) and a list of
:class:`Section`. A section is a titled list of blocks, each either
:class:`Html` (markup built by the helpers below, which escape every value) or a
plotly figure. :func:`render` turns a report into one HTML document:

- plotly.js is inlined once, in the head, and only when the page has a figure;
  each figure is a ``<div>`` plus plotly's own call that draws it;
- a Content-Security-Policy forbids every network request (no CDN, no font, no
  image from elsewhere), so the page opens from an e-mail attachment and a
  request that slipped in shows up as a console error, not a silent fetch;
- no hand-written chart JavaScript: plotly writes all of it.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, TypeAlias

import plotly.graph_objects as go
import plotly.offline

CSP = (
    "default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; "
    "style-src 'unsafe-inline'; img-src data:; font-src data:"
)
"""Inline scripts and styles only; nothing is fetched."""

STYLE = """
:root { --pass: #1a7f37; --fail: #c62828; --none: #57606a; --line: #d0d7de; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
       margin: 0 auto; max-width: 1180px; padding: 1.2rem 1.5rem 3rem; color: #1f2328; }
h1 { font-size: 1.5rem; margin: 0 0 .2rem; }
h2 { font-size: 1.2rem; border-bottom: 1px solid var(--line); padding-bottom: .2rem;
     margin-top: 2rem; }
.meta { color: var(--none); margin: 0 0 1rem; }
.verdict { border-left: 6px solid var(--none); background: #f6f8fa; padding: .7rem 1rem;
           margin: 1rem 0; }
.verdict.pass { border-color: var(--pass); } .verdict.fail { border-color: var(--fail); }
#verdict { font-size: 1.6rem; font-weight: 700; margin: 0; }
.pass #verdict { color: var(--pass); } .fail #verdict { color: var(--fail); }
#answer { font-size: 1.15rem; margin: .3rem 0 0; }
.verdict ul { margin: .5rem 0 0; padding-left: 1.2rem; }
nav { font-size: .9rem; } nav a { margin-right: .8rem; }
table { border-collapse: collapse; margin: .6rem 0; font-size: .9rem; }
th, td { border-bottom: 1px solid var(--line); padding: .25rem .6rem; }
th { text-align: left; background: #f6f8fa; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
tr.bad td { color: var(--fail); font-weight: 600; }
pre { background: #f6f8fa; padding: .8rem; overflow-x: auto; font-size: .85rem;
      white-space: pre-wrap; }
.row { display: flex; flex-wrap: wrap; gap: 0 3rem; align-items: flex-start; }
.figure { width: 100%; min-height: 380px; margin: .4rem 0 1rem; }
"""


@dataclass(frozen=True)
class Html:
    """Markup that is already safe: made by :func:`table`, :func:`paragraph`, ..."""

    markup: str


Block: TypeAlias = Html | go.Figure


@dataclass(frozen=True)
class Section:
    """A titled part of the page; ``anchor`` (default: from the title) links the nav."""

    title: str
    blocks: Sequence[Block] = ()
    anchor: str | None = None

    @property
    def id(self) -> str:
        if self.anchor:
            return self.anchor
        return "".join(c if c.isalnum() else "-" for c in self.title.lower()).strip("-")


@dataclass(frozen=True)
class Headline:
    """What the reader sees first. ``passed`` None means the run states no verdict.

    ``label`` is the verdict in a few words ("SLO PASS"); ``answer`` the one-line
    answer ("p95 0.98 s against 2.0 s at 13,000 users"); ``notes`` say why it failed
    or what to watch.
    """

    passed: bool | None
    label: str
    answer: str
    notes: Sequence[str] = ()


@dataclass(frozen=True)
class Report:
    """A page: title, subtitle (kind, scenario, when), verdict and sections.

    ``kind``, ``scenario`` and ``headline`` (a few short figures, name -> text)
    are what the index page lists.
    """

    title: str
    subtitle: str
    verdict: Headline
    sections: list[Section] = field(default_factory=list)
    headline: dict[str, str] = field(default_factory=dict)
    kind: str = ""
    scenario: str = ""


def escape(value: Any) -> str:
    return html.escape(str(value), quote=True)


def paragraph(text: str) -> Html:
    return Html(f"<p>{escape(text)}</p>")


def preformatted(text: str) -> Html:
    return Html(f"<pre>{escape(text)}</pre>")


def link(href: str, text: str) -> Html:
    return Html(f'<a href="{escape(href)}">{escape(text)}</a>')


def bullets(items: Iterable[str | Html]) -> Html:
    cells = "".join(
        f"<li>{item.markup if isinstance(item, Html) else escape(item)}</li>" for item in items
    )
    return Html(f"<ul>{cells}</ul>")


def table(
    columns: Sequence[str], rows: Iterable[Sequence[Any]], bad: Iterable[bool] | None = None
) -> Html:
    """A table; a cell that is a number (or starts like one) is right-aligned,
    a row whose ``bad`` flag is true is shown in red."""
    flags = list(bad) if bad is not None else None
    head = "".join(f"<th>{escape(c)}</th>" for c in columns)
    head = f"<thead><tr>{head}</tr></thead>" if any(columns) else ""
    body = []
    for i, row in enumerate(rows):
        cells = "".join(
            f'<td class="n">{escape(v)}</td>' if _numeric(v) else f"<td>{escape(v)}</td>"
            for v in row
        )
        attr = ' class="bad"' if flags and flags[i] else ""
        body.append(f"<tr{attr}>{cells}</tr>")
    return Html(f"<table>{head}<tbody>{''.join(body)}</tbody></table>")


def _numeric(value: Any) -> bool:
    if isinstance(value, int | float):
        return True
    text = str(value).lstrip("+-±")
    return bool(text) and (text[0].isdigit() or text == "-")


VENDORED_BASIC = Path(__file__).parent / "vendor" / "plotly-basic.min.js"
"""plotly.js's basic partial bundle (scatter, bar, pie): see vendor/README.md."""


@cache
def plotly_js() -> str:
    """The plotly.js inlined once a page: the vendored basic bundle (1.2 MB; every
    figure here is a scatter or a bar) when it is the very plotly.js version the
    installed plotly package writes figures for, else that package's full bundle
    (4.8 MB)."""
    version = plotly.offline.get_plotlyjs_version()
    if VENDORED_BASIC.exists():
        text = VENDORED_BASIC.read_text(encoding="utf-8")
        if f" v{version}\n" in text[:300]:
            return text
    return plotly.offline.get_plotlyjs()


def _figure_html(figure: go.Figure, index: int) -> str:
    return (
        '<div class="figure-wrap">'
        + figure.to_html(
            full_html=False,
            include_plotlyjs=False,
            include_mathjax=False,
            div_id=f"figure-{index}",
            default_width="100%",
            default_height=f"{figure.layout.height or 400}px",
            config={"displaylogo": False, "responsive": True},
        ).replace('class="plotly-graph-div"', 'class="plotly-graph-div figure"', 1)
        + "</div>"
    )


def render(report: Report) -> str:
    """The whole page as one string."""
    figures = 0
    parts = []
    for section in report.sections:
        parts.append(f'<section id="{escape(section.id)}"><h2>{escape(section.title)}</h2>')
        for block in section.blocks:
            if isinstance(block, Html):
                parts.append(block.markup)
            else:
                figures += 1
                parts.append(_figure_html(block, figures))
        parts.append("</section>")
    verdict = report.verdict
    state = {True: "pass", False: "fail", None: "none"}[verdict.passed]
    notes = (
        "<ul>" + "".join(f"<li>{escape(n)}</li>" for n in verdict.notes) + "</ul>"
        if verdict.notes
        else ""
    )
    nav = " ".join(f'<a href="#{escape(s.id)}">{escape(s.title)}</a>' for s in report.sections)
    script = f"<script>{plotly_js()}</script>" if figures else ""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(report.title)}</title><style>{STYLE}</style>{script}</head>\n"
        f'<body data-figures="{figures}"><header><h1>{escape(report.title)}</h1>'
        f'<p class="meta">{escape(report.subtitle)}</p>'
        f'<div class="verdict {state}"><p id="verdict">{escape(verdict.label)}</p>'
        f'<p id="answer">{escape(verdict.answer)}</p>{notes}</div>'
        f"<nav>{nav}</nav></header>\n<main>{''.join(parts)}</main></body></html>\n"
    )
