"""Reconciliation's server side: the service's records counted before and after a run.

The users' ledgers say, per write transaction, which writes were confirmed
and which stayed in doubt (:mod:`loadtests.ledger`). Only the service can say
how many records those writes made, and only where the mapping names how to
ask it:

- a request map's ``[reconciliation.counts]`` requests (:mod:`loadtests.map_counts`);
- a tasks module's ``record_counts(host)`` (:mod:`loadtests.tasks`; our mock's
  is in ``loadtests/maps/treasury.py``).

:func:`record_counter` gives the runner that question as one function of the
host, asked before Locust starts and after the service has settled;
:func:`reconciliation` turns the answers into the contract's
``reconciliation``: counted, or "not checked" and why, never "0 lost" for
writes nobody could count.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from loadtests.actors import requests_path
from loadtests.ledger import not_checked, reconcile
from loadtests.map_counts import count_records
from loadtests.tasks import TasksError, load_tasks
from peakload.core.plan import Plan

Counts = dict[str, int] | str
"""The service's records per write transaction, or why they could not be had."""
RecordCounter = Callable[[str], Counts]


def record_counter(plan: Plan) -> RecordCounter:
    """How to count the service's records at a host, as the plan's mapping says."""
    path = requests_path(plan)
    if path.suffix != ".py":
        return lambda host: count_records(host, path)
    try:
        counts = getattr(load_tasks(path, plan.scenario), "record_counts", None)
    except TasksError as exc:
        message = str(exc)
        return lambda host: message
    if counts is None:
        return lambda host: (
            f"the tasks module {path.name} names no count of the service's records "
            "(def record_counts(host))"
        )
    return _guarded(counts, path)


def _guarded(counts: Callable[[str], Counts], path: Path) -> RecordCounter:
    """A module's ``record_counts``: whatever it raises is a reason, not a crash."""

    def ask(host: str) -> Counts:
        try:
            return counts(host)
        except Exception as exc:  # the user's code: its error is why nothing was checked
            return f"{path.name}: record_counts() raised {type(exc).__name__}: {exc}"

    return ask


def reconciliation(client: dict[str, dict[str, int]], before: Counts, after: Counts) -> dict:
    """The contract's ``reconciliation`` from the ledgers' ``client`` counts and the
    service's counts before and after the run."""
    if isinstance(before, dict) and isinstance(after, dict):
        return reconcile(client, before, after)
    reason = next((r for r in (before, after) if isinstance(r, str)), None)
    return not_checked(reason or "the service's counts could not be read", client)
