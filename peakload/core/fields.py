"""What every table of a scenario file shares: no unknown keys and frozen
(:class:`Strict`), names of one shape (:data:`Name`), clock strings checked
(:func:`check_clock`)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from peakload.core.clock import parse_clock

Name = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z_][A-Za-z0-9_\-]*$")]
"""A name for a scenario, tier, transaction or flow: letters, digits, ``_`` and ``-``."""


class Strict(BaseModel):
    """A table of the file: a key it does not know is an error, not a setting ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def check_clock(value: str) -> str:
    """A field validator: ``value`` is an ``HH:MM[:SS]`` clock, or the error says why not."""
    parse_clock(value)
    return value
