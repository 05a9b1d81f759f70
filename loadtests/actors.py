"""What a virtual user sends: the request source of a plan, and the actor it makes.

A closed user (:mod:`loadtests.closed`) and a pooled user (:mod:`loadtests.pool`)
decide *when* to send a transaction; an **actor** decides *what* it sends: it
signs in once (:meth:`Actor.sign_in`) and then runs transactions by name
(:meth:`Actor.run`), True when the step did what it should. A plan's
**request source** makes one actor per user:

- without a request map, our mock's Treasury API (:class:`TreasurySource`:
  :class:`~loadtests.accountant.Accountant`, with its write ledger and
  isolation probe);
- ``requests = "MAP.toml"`` (or ``--requests``): a declarative request map
  (:mod:`loadtests.mapped`);
- ``requests = "module.py"`` (or ``--tasks``): a Python module, a function
  ``(client, user)`` per transaction, the Locust way (:mod:`loadtests.tasks`).

The source also names the likely fix when sign-ins or routes fail
(:mod:`loadtests.fail_fast`).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np

from loadtests.accountant import Accountant
from loadtests.ledger import WRITES, Ledger
from loadtests.roster import preparation
from peakload.core.plan import Plan
from peakload.core.units import ALL_UNITS, DEV_UNIT_SECRET, FIRST_UNIT


class Actor(Protocol):
    """One user's requests: a sign-in, then transactions by name."""

    def sign_in(self) -> bool: ...

    def run(self, transaction: str) -> bool: ...


class RequestSource(Protocol):
    """Makes each user's actor; names the likely fix for what fail-fast sees."""

    credentials_hint: str
    writes: tuple[str, ...]
    """The write transactions the ledger follows (reconciliation)."""
    mistake: Callable[[str], None]
    """Called with one line when the source sees a mistake in itself (a capture
    that never worked): the run stops (set by the locustfile)."""

    def route_hint(self, transaction: str) -> str: ...

    def preparation(self, steps: list[str], entry: int) -> list[str]:
        """The earlier steps of ``steps`` a user entering at ``entry`` runs first,
        during setup, to hold what that step acts on (:mod:`loadtests.closed`)."""
        ...

    def actor(self, client: Any, index: int, rng: np.random.Generator, ledger: Ledger) -> Actor: ...


class TreasurySource:
    """Our mock's API, as :class:`~loadtests.accountant.Accountant` speaks it."""

    credentials_hint = (
        "the unit passwords are HMAC(PEAKLOAD_UNIT_SECRET, unit code): "
        "PEAKLOAD_UNIT_SECRET differs from the server's"
    )

    def __init__(self, plan: Plan):
        self.plan = plan
        self.mistake: Callable[[str], None] = lambda line: None
        self.writes: tuple[str, ...] = WRITES
        self.secret = os.environ.get("PEAKLOAD_UNIT_SECRET", DEV_UNIT_SECRET)

    def route_hint(self, transaction: str) -> str:
        return (
            f"{transaction} is a route of peakload's mock API (loadtests/accountant.py); "
            "a service with another API needs a request map (--requests MAP.toml or --tasks)"
        )

    def preparation(self, steps: list[str], entry: int) -> list[str]:
        return preparation(steps, entry)

    def actor(self, client: Any, index: int, rng: np.random.Generator, ledger: Ledger) -> Actor:
        unit_code = FIRST_UNIT + index % ALL_UNITS  # each user its own unit
        return Accountant(client, self.plan.scenario, unit_code, self.secret, rng, ledger)


def request_source(plan: Plan) -> RequestSource:
    """The plan's request source (see the module's doc)."""
    if plan.requests is None:
        return TreasurySource(plan)
    if plan.requests.endswith(".py"):
        from loadtests.tasks import ModuleSource

        return ModuleSource(plan, plan.requests)
    from loadtests.map_source import MapSource

    return MapSource(plan, plan.requests)
