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
user's own ``numpy.random.Generator``) and ``headers`` (sent with no request
by itself: use it as ``client.get(path, headers=user.headers)``).

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
        self.writes: tuple[str, ...] = ()  # a module's writes are its own business
        self.credentials_hint = (
            f"the service refuses the sign-in made by sign_in() in {self.path}: check "
            "its credentials"
        )

    def route_hint(self, transaction: str) -> str:
        return f"check the requests {transaction}() makes in {self.path}"

    def preparation(self, steps: list[str], entry: int) -> list[str]:
        """A module's functions say nothing of what they need: a user entering a flow
        mid-way runs the flow's earlier steps first (outside any window)."""
        return list(steps[:entry])

    def actor(self, client: Any, index: int, rng: np.random.Generator, ledger: Ledger):
        return ModuleActor(client, self, index, rng)

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

    def __init__(self, client: Any, source: ModuleSource, index: int, rng: np.random.Generator):
        self.client = client
        self.source = source
        self.user = TaskUser(index, FIRST_UNIT + index % ALL_UNITS, rng)

    def sign_in(self) -> bool:
        function = getattr(self.source.module, SIGN_IN, None)
        if function is None:
            return True
        return self.source.call(LOGIN, function, self.client, self.user)

    def run(self, transaction: str) -> bool:
        function = getattr(self.source.module, transaction)
        return self.source.call(transaction, function, self.client, self.user)
