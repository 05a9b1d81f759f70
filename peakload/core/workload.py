"""The workload: who sends the requests, and how many of them there are.

A scenario's ``[workload]`` table is one of two kinds, told apart by ``kind``
the way a distribution is told apart by ``dist``:

- **closed** (:class:`ClosedWorkload`, the default): a population of users,
  ``concurrency`` of them at each moment of the day. Each user thinks for a
  ``think_time``, sends one request, waits for the answer, and thinks again,
  so a slow system slows its own users down: the request rate is an outcome,
  about ``users / (think time + response time)``. This is how people at a
  desk use a web application, and how a Locust user behaves.
- **open** (:class:`OpenWorkload`): requests arrive as a Poisson process at
  ``rate`` requests per second, however slowly they are served, so an
  overloaded system sees its queues grow without bound. This is how
  independent machines or very many occasional visitors load a service.

Both kinds give their load as a :class:`~peakload.core.profile.Profile`, a
piecewise-linear curve over the day (``[[clock, value], ...]`` in the file),
and share the client's rules for a request that fails: abandon it after
``timeout_s``, retry it ``retries`` times, ``retry_delay_s`` apart.

Code that must tell the kinds apart dispatches on the type
(``isinstance(workload, ClosedWorkload)``, ``match``, a table keyed by the
class), not on the ``kind`` string; what both share (``profile``,
``scaled``) is a method of both.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from peakload.core.clock import parse_clock
from peakload.core.distributions import Distribution
from peakload.core.profile import Profile
from peakload.core.stationary import FlowEntry

ProfilePoint = tuple[str, Annotated[float, Field(ge=0)]]
"""One point of a load profile as the file writes it: ``["09:30", 13000]``."""


def _check_profile(points: list[ProfilePoint]) -> list[ProfilePoint]:
    previous = None
    for i, (clock, _) in enumerate(points):
        seconds = parse_clock(clock)
        if previous is not None and seconds <= previous[1]:
            raise ValueError(
                f"point [{i}] at {clock} is not after point [{i - 1}] at {previous[0]}: "
                "points must be in time order"
            )
        previous = (clock, seconds)
    return points


class _Workload(BaseModel):
    """What both kinds share: the load profile and the client's retry rules."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    timeout_s: float = Field(default=30.0, gt=0)
    """Seconds a client waits for an answer before it abandons the attempt (the
    server still finishes the work)."""

    retries: int = Field(default=0, ge=0, le=10)
    """How many times a timed-out or refused attempt is sent again."""

    retry_delay_s: float = Field(default=1.0, ge=0)
    """Seconds between a failed attempt and its retry."""

    _key_rules: ClassVar[tuple[tuple[str, bool, str], ...]] = ()
    """``(key, needed, message)`` in the order checked: a key this kind needs
    (``needed``) or one that belongs to the other kind."""

    _profile_key: ClassVar[str]
    """The key that holds this kind's load profile."""

    @model_validator(mode="before")
    @classmethod
    def _explain_keys(cls, data: Any) -> Any:
        """Say in the scenario's words which key this kind needs or does not take.

        Only when every key is known to one kind or the other: a misspelt key
        gets the loader's "unknown key (did you mean ...)" line instead.
        """
        if isinstance(data, dict) and set(data) <= _ALL_KEYS:
            for key, needed, message in cls._key_rules:
                if (key in data) != needed:
                    raise ValueError(message)
        return data

    @property
    def profile(self) -> Profile:
        """The load over the day, in seconds after midnight.

        Users for a closed workload, requests per second for an open one.
        """
        points: list[ProfilePoint] = getattr(self, self._profile_key)
        return Profile(tuple(parse_clock(c) for c, _ in points), tuple(float(v) for _, v in points))

    def scaled(self, factor: float) -> Self:
        """The same workload with every point of its profile multiplied by ``factor``."""
        points: list[ProfilePoint] = getattr(self, self._profile_key)
        return self.model_copy(update={self._profile_key: [(c, v * factor) for c, v in points]})


class ClosedWorkload(_Workload):
    """A population of users who think, send a request, wait, and think again."""

    kind: Literal["closed"] = "closed"

    concurrency: list[ProfilePoint] = Field(min_length=1)
    """Users at work over the day, ``[[clock, users], ...]``, linear in between."""

    think_time: Distribution
    """Seconds a user thinks before each request it sends."""

    entry: FlowEntry = FlowEntry.STATIONARY
    """Where a user stands when it first goes to work: ``"stationary"`` (mid-flow,
    as a user already at work; the default) or ``"first_step"`` (at a flow's first
    step, no think before it). See :class:`~peakload.core.stationary.FlowEntry`."""

    _key_rules = (
        ("concurrency", True, "a closed workload needs 'concurrency' [[clock, users], ...]"),
        ("rate", False, "'rate' belongs to an open workload; this one is closed"),
        ("think_time", True, "a closed workload needs 'think_time'"),
    )
    _profile_key = "concurrency"

    _profiles = field_validator("concurrency")(_check_profile)


class OpenWorkload(_Workload):
    """Requests arriving as a Poisson process at a rate that varies over the day."""

    kind: Literal["open"] = "open"

    rate: list[ProfilePoint] = Field(min_length=1)
    """Requests per second over the day, ``[[clock, requests_per_s], ...]``, linear
    in between. Each request runs one step of a flow; the steps' shares follow
    the flow weights (``Scenario.step_shares``)."""

    _key_rules = (
        ("rate", True, "an open workload needs 'rate' [[clock, requests_per_s], ...]"),
        ("concurrency", False, "'concurrency' belongs to a closed workload; this one is open"),
        (
            "think_time",
            False,
            "'think_time' belongs to a closed workload: an open workload's requests "
            "arrive at 'rate' whatever the users do",
        ),
        ("entry", False, "'entry' belongs to a closed workload: an open one has no users"),
    )
    _profile_key = "rate"

    _profiles = field_validator("rate")(_check_profile)


WORKLOAD_KINDS: dict[str, type[_Workload]] = {"closed": ClosedWorkload, "open": OpenWorkload}
"""Each ``kind`` a scenario may write, and the class that reads it."""

_ALL_KEYS = {key for cls in WORKLOAD_KINDS.values() for key in cls.model_fields}


def _closed_by_default(data: Any) -> Any:
    """A ``[workload]`` that names no ``kind`` is closed, as it always was."""
    if isinstance(data, dict) and "kind" not in data:
        return {"kind": "closed", **data}
    return data


Workload = Annotated[
    ClosedWorkload | OpenWorkload,
    Field(discriminator="kind"),
    BeforeValidator(_closed_by_default),
]
"""A scenario's workload: a :class:`ClosedWorkload` or an :class:`OpenWorkload`."""
