"""What a virtual user sends: the request source of a plan, and the actor it makes.

A closed user (:mod:`loadtests.closed`) and a pooled user (:mod:`loadtests.pool`)
decide *when* to send a transaction; an **actor** decides *what* it sends: it
signs in once (:meth:`Actor.sign_in`) and then runs transactions by name
(:meth:`Actor.run`), True when the step did what it should. A plan's
**request source** makes one actor per user, from one of two public mappings:

- ``requests = "MAP.toml"`` (or ``--requests``): a declarative request map
  (:mod:`loadtests.mapped`);
- ``requests = "module.py"`` (or ``--tasks``): a Python module, a function
  ``(client, user)`` per transaction, the Locust way (:mod:`loadtests.tasks`).

Without either, the plan runs :data:`DEFAULT_REQUESTS`, our mock's API as a
tasks module (``loadtests/maps/treasury.py``), through the same mechanism as a
user's own module: nothing about our mock is built into the users.

The source also names the likely fix when sign-ins or routes fail
(:mod:`loadtests.fail_fast`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from loadtests.ledger import Ledger
from peakload.core.plan import Plan

DEFAULT_REQUESTS = Path(__file__).parent / "maps" / "treasury.py"
"""What the users send when the plan names no request map or tasks module."""


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


def request_source(plan: Plan) -> RequestSource:
    """The plan's request source (see the module's doc)."""
    path = requests_path(plan)
    if path.suffix == ".py":
        from loadtests.tasks import ModuleSource

        return ModuleSource(plan, path)
    from loadtests.map_source import MapSource

    return MapSource(plan, path)


def requests_path(plan: Plan) -> Path:
    """The request map or tasks module the plan's users run (:data:`DEFAULT_REQUESTS`
    when it names none)."""
    return Path(plan.requests) if plan.requests is not None else DEFAULT_REQUESTS
