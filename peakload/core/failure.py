"""A scenario's ``[[failures]]``: N-1 drills, tier instances lost for a stretch of the
day, and the checks that they name a tier that has them."""

from __future__ import annotations

from pydantic import Field, field_validator

from peakload.core.clock import parse_clock
from peakload.core.fields import Name, Strict, check_clock
from peakload.core.tier import Tier


class Failure(Strict):
    """An N-1 drill: ``instances`` of a tier lost from ``start`` to ``end`` (scenario clock).

    The simulator takes ``instances x workers`` servers from the tier for that
    span, the mock takes as many slots on the load test's scenario clock, and
    ``peakload size`` builds its own N-1 checks from this type. Requests in
    service when the instances go finish; the lost slots are not handed on.
    """

    tier: Name
    start: str
    end: str
    instances: int = Field(default=1, ge=1)

    _clock = field_validator("start", "end")(check_clock)

    @property
    def start_s(self) -> float:
        return parse_clock(self.start)

    @property
    def end_s(self) -> float:
        return parse_clock(self.end)

    def active(self, clock_s: float) -> bool:
        return self.start_s <= clock_s < self.end_s

    @property
    def key(self) -> str:
        """``"app 09:07-09:13"``: the drill's one name, as both engines key a summary's
        ``drills`` section and ``validate`` names its rows (``drills.<key>.inside...``)."""
        return f"{self.tier} {self.start}-{self.end}"

    @property
    def label(self) -> str:
        """``"app 09:07-09:13 (1 instance)"``: the key and what is lost, for a person."""
        lost = f"{self.instances} instance{'s' if self.instances != 1 else ''}"
        return f"{self.key} ({lost})"


def check_failures(failures: list[Failure], tiers: dict[str, Tier]) -> None:
    for i, failure in enumerate(failures):
        tier = tiers.get(failure.tier)
        if tier is None:
            raise ValueError(
                f"failures[{i}].tier: unknown tier '{failure.tier}' (tiers are: {', '.join(tiers)})"
            )
        if tier.is_delay:
            raise ValueError(
                f"failures[{i}].tier: '{tier.name}' is a delay (an infinite server): "
                "it has no instances to lose"
            )
        if failure.end_s <= failure.start_s:
            raise ValueError(f"failures[{i}].end: {failure.end} is not after start {failure.start}")
        if failure.instances > tier.instances:
            raise ValueError(
                f"failures[{i}].instances: {failure.instances} lost, but tier "
                f"'{tier.name}' has {tier.instances}"
            )
