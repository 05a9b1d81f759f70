"""A scenario's ``[[tiers]]``: a layer of identical servers with one queue, or a delay
that never queues (:class:`TierKind`)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import Field, SerializerFunctionWrapHandler, model_serializer, model_validator

from peakload.core.fields import Name, Strict

MAX_BACKGROUND = 0.95
"""The most background a model carries for a tier that calibrate fitted (a share of its
cores): its requests keep a twentieth of the cores however high the fit put it."""


def carried_background(fitted: float) -> float:
    """The background a calibrated model carries for a tier whose fit found ``fitted``:
    at most :data:`MAX_BACKGROUND`. calibrate writes it so, and its joint draws are
    offsets from it."""
    return min(fitted, MAX_BACKGROUND)


class TierKind(StrEnum):
    """How a tier serves its requests.

    >>> TierKind("delay")
    <TierKind.DELAY: 'delay'>
    """

    QUEUE = "queue"
    """``instances x workers`` servers and one FIFO queue: a request waits when all
    are busy. With ``cores`` set, the requests in service share the cores
    (processor sharing), as a thread pool on a CPU does."""

    DELAY = "delay"
    """An infinite server: every request is served at once and none waits. It
    models the time a response carries that no queue explains (HTTP parsing,
    the framework, JSON, the network), which ``calibrate`` estimates per
    transaction. It has no instances, workers or cost."""


class Tier(Strict):
    """A layer of identical servers (gateway, app, db, ...), or a delay.

    A ``queue`` tier (the default) serves ``servers`` requests at once; the rest
    wait in arrival order, and past ``queue_limit`` waiting requests a new one is
    refused at once. A ``delay`` tier holds each request for its demand and
    never queues (:class:`TierKind`).
    """

    name: Name
    """Referred to by the transactions' ``demand``; tiers are visited in the
    order ``[[tiers]]`` lists them."""

    kind: TierKind = TierKind.QUEUE
    """``queue`` (servers and a queue) or ``delay`` (an infinite server)."""

    instances: int = Field(default=1, ge=1, le=100_000)
    """Machines (or containers) running this tier; required for a queue tier."""

    workers: int = Field(default=1, ge=1, le=100_000)
    """Requests each instance serves at once (threads, processes, connections);
    required for a queue tier."""

    cores: int | None = Field(default=None, ge=1, le=100_000)
    """CPU cores of each instance, or None. When set, up to ``workers`` requests
    are in service at once on an instance and share its ``cores`` by processor
    sharing: each runs at speed ``min(1, cores / in_service)``, so a demand is
    CPU time, not wall time. This is a thread pool on a CPU, as layered queueing
    networks model it. None: each of the ``workers`` serves at full speed."""

    background: float = Field(default=0.0, ge=0.0, lt=1.0)
    """Share of each core's time taken by work no request asks for, with ``cores``
    only: the operating system's and the server's own housekeeping (a database's
    background writers, an event loop's timers, a scheduler's polling). Requests run
    at ``1 - background`` of a core's speed, and the tier's utilization counts the
    background too: ``background + throughput x demand / cores``, as the operating
    system reports a CPU's busy time. ``calibrate`` fits it as the intercept of the
    tier's busy time at load (docs/calibrate.md), which on the real-work stack is 4 to
    9 % of its core where the idle core's own housekeeping is 1.2 %: a request costs
    more CPU on an idle core, so the line near the load it is used at meets zero
    throughput above idle. 0 (the default): every CPU second is some request's."""

    queue_limit: int | None = Field(default=None, ge=0)
    """Waiting requests the tier holds before it refuses (HTTP 503); None for
    unbounded."""

    cost: float = Field(default=1.0, ge=0)
    """Price of one instance, in any unit: sizing minimises the total."""

    @model_validator(mode="after")
    def _kind_fits(self) -> Tier:
        given = self.model_fields_set
        if self.kind is TierKind.DELAY:
            extra = sorted(
                given & {"instances", "workers", "cores", "background", "queue_limit", "cost"}
            )
            if extra:
                raise ValueError(
                    f"tier '{self.name}' is a delay (an infinite server): remove {', '.join(extra)}"
                )
        else:
            missing = [key for key in ("instances", "workers") if key not in given]
            if missing:
                raise ValueError(f"tier '{self.name}': {' and '.join(missing)} required")
            if self.background > 0 and self.cores is None:
                raise ValueError(
                    f"tier '{self.name}': a background takes a share of CPU cores: set cores"
                )
        return self

    @model_serializer(mode="wrap")
    def _only_what_the_kind_uses(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """A delay is written without the servers it does not have, so a scenario
        written back (sized, calibrated) loads again."""
        data: dict[str, Any] = handler(self)
        if self.kind is TierKind.DELAY:
            for key in ("instances", "workers", "cores", "background", "queue_limit", "cost"):
                data.pop(key, None)
        elif self.background == 0:
            data.pop("background", None)  # written only where it was measured or set
        return data

    @property
    def is_delay(self) -> bool:
        """True for an infinite server, which never queues and costs nothing."""
        return self.kind is TierKind.DELAY

    @property
    def servers(self) -> int:
        """c = instances x workers: requests the tier serves at once."""
        return self.instances * self.workers

    @property
    def request_speed(self) -> float:
        """Of a core's speed, what requests get: ``1 - background``."""
        return 1.0 - self.background

    @property
    def total_cores(self) -> int | None:
        """instances x cores, or None when the tier does not share cores."""
        return None if self.cores is None else self.instances * self.cores

    @property
    def busy_capacity(self) -> int:
        """What its utilization is a share of: instances x cores for a tier sharing
        cores (CPU busy over its cores), else its servers (busy over instances x
        workers)."""
        return self.total_cores or self.servers
