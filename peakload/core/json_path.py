"""A JSON path, the subset a capture needs: ``$.order.id``, ``$.items[0].id``, ``$['a b']``.

Parsed once when a request map is read (:meth:`JsonPath.parse` raises
``ValueError`` on bad syntax); :meth:`JsonPath.find` walks a decoded body and
raises :class:`Absent` naming the first step that is not there, with what
was there instead, so a wrong capture is one clear line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_STEP = re.compile(r"\.([A-Za-z_][\w\-]*)|\[(\d+)\]|\[(-\d+)\]|\['([^']*)'\]|\[\"([^\"]*)\"\]")


class Absent(LookupError):
    """The path leads nowhere in this body."""


@dataclass(frozen=True)
class JsonPath:
    text: str
    steps: tuple[str | int, ...]

    @classmethod
    def parse(cls, text: str) -> JsonPath:
        if not text.startswith("$"):
            raise ValueError(f"'{text}': a JSON path starts with $ (e.g. $.id, $.items[0].id)")
        steps: list[str | int] = []
        at = 1
        while at < len(text):
            match = _STEP.match(text, at)
            if match is None:
                raise ValueError(f"'{text}': cannot read the path from '{text[at:]}'")
            name, index, negative, quoted, double = match.groups()
            if index is not None or negative is not None:
                steps.append(int(index if index is not None else negative))
            else:
                steps.append(next(s for s in (name, quoted, double) if s is not None))
            at = match.end()
        return cls(text, tuple(steps))

    def find(self, document: Any) -> Any:
        """The value at this path in ``document``; :class:`Absent` if there is none."""
        here: Any = document
        walked = "$"
        for step in self.steps:
            if isinstance(step, int):
                if not isinstance(here, list) or not -len(here) <= step < len(here):
                    raise Absent(f"{self.text} is absent: {walked} is {_shape(here)}")
                here = here[step]
                walked += f"[{step}]"
            else:
                if not isinstance(here, dict) or step not in here:
                    raise Absent(f"{self.text} is absent: {walked} is {_shape(here)}")
                here = here[step]
                walked += f".{step}"
        return here


def _shape(value: Any) -> str:
    """What was there instead, briefly: an object's keys, a list's length."""
    if isinstance(value, dict):
        keys = ", ".join(list(value)[:8]) + (", ..." if len(value) > 8 else "")
        return f"an object with {keys}" if value else "an empty object"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    return f"{type(value).__name__} {str(value)[:40]!r}" if value is not None else "null"
