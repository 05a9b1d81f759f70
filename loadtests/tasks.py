"""A Python request mapping, the Locust way: ``peakload loadtest --tasks mymodule.py``.

The module holds one function per transaction, named as the scenario names
it, taking Locust's HTTP client and the user::

    def create_invoice(client, user):
        response = client.post("/v2/invoices", json={"amount": 120.5})
        response.raise_for_status()
        user.vars["invoice"] = response.json()["uuid"]

    def approve_invoice(client, user):
        client.post(f"/v2/invoices/{user.vars['invoice']}/approve").raise_for_status()

and optionally ``sign_in(client, user)``, each user's sign-in (recorded as
``login``). Every request a function makes is named after its transaction
(Locust's ``rename_request``), so timing, failures and naming are Locust's
own and line up with the scenario. A step fails when its function raises
(``response.raise_for_status()``, or any error); the user then gives up the
rest of its flow, as with every other request source.

``user`` carries ``vars`` (a dict kept for the user's life: ids to reuse),
``index`` (0, 1, 2 ... over all processes), ``unit_code`` and ``rng`` (the
user's own ``numpy.random.Generator``), ``headers`` (sent with no request
by itself: use it as ``client.get(path, headers=user.headers)``),
``scenario`` (its workload's ``retries`` and ``retry_delay_s``, for a module
that follows the client rules) and ``ledger`` (see ``WRITES`` below).

A module may also define, each optional:

- ``WRITES``: a tuple of its write transactions. Their functions enter each
  attempt in ``user.ledger`` (``sent(transaction, key)`` before it,
  ``answered(transaction, key, ok)`` after), keyed by the write's
  Idempotency-Key, so the writes can be reconciled.
- ``record_counts(host) -> dict[str, int] | str``: the service's records per
  write transaction (a string says why they cannot be had), asked before and
  after the run by the runner's own process: lost and duplicated writes are
  counted (:mod:`loadtests.reconciliation`). Without it the report says
  "not checked".
- ``preparation(steps, entry) -> list[str]``: the earlier steps of a flow a
  user entering it at ``steps[entry]`` runs first, during setup (default:
  all of them).
- ``CREDENTIALS_HINT``: the likely fix printed when every sign-in is refused.
- ``ROUTE_HINT``: the likely fix printed when every request of a transaction
  answers 404 or 405 (default: check the requests its function makes).

peakload's own default users are such a module: ``loadtests/maps/treasury.py``.

A function that raises a ``LookupError``, ``TypeError``, ``AttributeError`` or
``NameError`` before it ever completed (a wrong key in an answer, a typo) is
a mistake in the module, not a measurement: the run stops with one line
naming the function, the error and its line (:mod:`loadtests.fail_fast`).
"""

from __future__ import annotations

import importlib.util
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from loadtests.ledger import Ledger
from peakload.core.plan import Plan
from peakload.core.scenario import LOGIN, Scenario
from peakload.core.units import ALL_UNITS, FIRST_UNIT

SIGN_IN = "sign_in"
MISTAKES = (LookupError, TypeError, AttributeError, NameError)


class TasksError(ValueError):
    """A tasks module that cannot be used (one line, naming the file)."""


def load_tasks(path: str | Path, scenario: Scenario) -> ModuleType:
    """Import the module at ``path``; every step the scenario runs needs a function."""
    path = Path(path)
    if not path.is_file():
        raise TasksError(f"{path}: no such file")
    spec = importlib.util.spec_from_file_location(f"peakload_tasks_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise TasksError(f"{path}: not a Python module")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # the user's module: any error there is theirs, in one line
        where = traceback.extract_tb(exc.__traceback__)[-1]
        raise TasksError(
            f"{path}: cannot import it: {type(exc).__name__}: {exc} (line {where.lineno})"
        ) from None
    steps = sorted({s for flow in scenario.flow_list for s in flow.steps} - {LOGIN})
    missing = [s for s in steps if not callable(getattr(module, s, None))]
    if missing:
        raise TasksError(
            f"{path}: no function for {', '.join(missing)} (scenario {scenario.name} runs "
            f"them); add def {missing[0]}(client, user): ..."
        )
    return module


@dataclass
class TaskUser:
    """What a task function knows of its user."""

    index: int
    unit_code: int
    rng: np.random.Generator
    scenario: Scenario
    ledger: Ledger
    vars: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)


class ModuleSource:
    """A tasks module, imported once per process, that makes each user's actor."""

    def __init__(self, plan: Plan, path: str | Path):
        self.plan = plan
        self.path = Path(path)
        self.module = load_tasks(self.path, plan.scenario)
        self.mistake: Callable[[str], None] = lambda line: None
        self.completed: set[str] = set()  # functions that returned at least once
        self.writes: tuple[str, ...] = tuple(getattr(self.module, "WRITES", ()))
        self.credentials_hint: str = getattr(
            self.module,
            "CREDENTIALS_HINT",
            f"the service refuses the sign-in made by sign_in() in {self.path}: check "
            "its credentials",
        )

    def route_hint(self, transaction: str) -> str:
        hint = getattr(self.module, "ROUTE_HINT", None)
        if hint is not None:
            return f"{transaction}: {hint}"
        return f"check the requests {transaction}() makes in {self.path}"

    def preparation(self, steps: list[str], entry: int) -> list[str]:
        """The module's ``preparation(steps, entry)``; without one, a user entering a
        flow mid-way runs the flow's earlier steps first (outside any window)."""
        prepare = getattr(self.module, "preparation", None)
        if prepare is not None:
            return list(prepare(steps, entry))
        return list(steps[:entry])

    def actor(self, client: Any, index: int, rng: np.random.Generator, ledger: Ledger):
        return ModuleActor(client, self, index, rng, ledger)

    def call(self, name: str, function: Callable, client: Any, user: TaskUser) -> bool:
        try:
            with client.rename_request(name):
                function(client, user)
        except MISTAKES as exc:
            if name not in self.completed:
                where = [
                    f
                    for f in traceback.extract_tb(exc.__traceback__)
                    if f.filename == str(self.path)
                ]
                line = f" (line {where[-1].lineno})" if where else ""
                self.mistake(
                    f"{self.path}: {function.__name__}() raised {type(exc).__name__}: "
                    f"{exc}{line}; fix the module"
                )
            return False
        except Exception:  # a failed request (raise_for_status) or a refused step
            return False
        self.completed.add(name)
        return True


class ModuleActor:
    """One user of a tasks module."""

    def __init__(
        self,
        client: Any,
        source: ModuleSource,
        index: int,
        rng: np.random.Generator,
        ledger: Ledger,
    ):
        self.client = client
        self.source = source
        unit_code = FIRST_UNIT + index % ALL_UNITS
        self.user = TaskUser(index, unit_code, rng, source.plan.scenario, ledger)

    def sign_in(self) -> bool:
        function = getattr(self.source.module, SIGN_IN, None)
        if function is None:
            return True
        return self.source.call(LOGIN, function, self.client, self.user)

    def run(self, transaction: str) -> bool:
        function = getattr(self.source.module, transaction)
        return self.source.call(transaction, function, self.client, self.user)
