"""An MkDocs hook that writes the pages that restate something else: the CLI reference
from the parser itself, and the home page from the README.

Each page under ``cli/`` is what ``peakload <command> --help`` prints (and,
for a command with subcommands, each ``peakload <command> <sub> --help``),
built when the site is built: the reference cannot drift from the code,
because it *is* the code's own help. ``mkdocs.yml`` lists the pages in its
``nav``; a command added to :data:`peakload.cli.main.COMMANDS` without a nav
entry fails ``mkdocs build --strict``. The home page is ``README.md`` with its links
into ``docs/`` made relative to the site, so the landing page is written once.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files

HELP_COLUMNS = "100"
"""argparse wraps help at the terminal's width; the pages use one fixed width."""


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:  # argparse keeps subparsers only here
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _block(title: str, parser: argparse.ArgumentParser) -> str:
    return f"## `{title}`\n\n```text\n{parser.format_help().rstrip()}\n```\n"


def reference_pages() -> Iterator[tuple[str, str]]:
    """(command name, Markdown page) for the top-level help and every command."""
    os.environ["COLUMNS"] = HELP_COLUMNS
    from peakload.cli.main import build_parser

    top = build_parser()
    commands = _subcommands(top)
    listing = "\n".join(f"- [`peakload {name}`]({name}.md)" for name in commands)
    yield (
        "index",
        "# Command line\n\nGenerated from `peakload --help` when the site is built.\n\n"
        f"{listing}\n\n{_block('peakload', top)}",
    )
    for name, parser in commands.items():
        blocks = [_block(f"peakload {name}", parser)]
        blocks += [
            _block(f"peakload {name} {sub}", subparser)
            for sub, subparser in _subcommands(parser).items()
        ]
        yield name, f"# peakload {name}\n\nGenerated from its `--help`.\n\n" + "\n".join(blocks)


README = Path(__file__).resolve().parents[2] / "README.md"


def home_page() -> str:
    """README.md, its ``docs/`` links made relative to the site's root."""
    return README.read_text().replace("](docs/", "](")


def on_files(files: Files, config: MkDocsConfig) -> Files:
    for name, text in reference_pages():
        files.append(File.generated(config, f"cli/{name}.md", content=text))
    files.append(File.generated(config, "index.md", content=home_page()))
    return files
