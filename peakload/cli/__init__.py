"""The ``peakload`` command line: one small module per command."""

from peakload.cli.main import main

__all__ = ["main"]
