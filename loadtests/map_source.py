"""A request map read once per Locust process for its users (:class:`MapSource`): the
map, its credentials, the hints of the fail-fast lines, and which earlier steps of a
flow a user entering it midway must run first; each user is a
:class:`loadtests.mapped.MappedActor`."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from loadtests.ledger import Ledger
from loadtests.mapped import MappedActor
from peakload.core.plan import Plan
from peakload.core.request_map import RequestMap, load_request_map
from peakload.core.templates import PlaceholderKind, read_secrets
from peakload.core.units import DEV_UNIT_SECRET


def _credentials(map_: RequestMap) -> str:
    """Where the sign-in's credentials come from, for the likely-fix line."""
    names = [f"{{{p.kind.value}:{p.argument}}}" for p in map_.sign_in_secrets()] or ["the map"]
    return ", ".join(dict.fromkeys(names))


class MapSource:
    """A request map, read once per process, that makes each user's actor."""

    def __init__(self, plan: Plan, path: str | Path):
        self.plan = plan
        self.path = Path(path)
        self.map = load_request_map(self.path)
        self.secrets = read_secrets(self.map.secrets(), self.path.parent, os.environ)
        self.mistake: Callable[[str], None] = lambda line: None
        self.captured: set[str] = set()  # captures that worked at least once here
        self.writes = tuple(n for n, t in self.map.transactions.items() if t.write)
        self.unit_secret = os.environ.get("PEAKLOAD_UNIT_SECRET", DEV_UNIT_SECRET)
        kind = self.map.sign_in
        sources = _credentials(self.map)
        self.credentials_hint = {
            "none": "the service wants a sign-in: give the request map a [sign_in]",
            "login": f"the service refuses the credentials ({sources}): check them",
            "bearer": f"the service refuses the token ({sources}): expired, or another's?",
            "oauth2": f"the token endpoint refuses the client ({sources}): check id and secret",
        }[kind.kind]
        if any(
            p.kind is PlaceholderKind.UNIT_PASSWORD
            for _, r in self.map.requests()
            for t in r.templates()
            for p in t.placeholders
        ):
            self.credentials_hint = (
                "{unit_password} is HMAC(PEAKLOAD_UNIT_SECRET, unit code): "
                "PEAKLOAD_UNIT_SECRET differs from the server's"
            )

    def route_hint(self, transaction: str) -> str:
        return f"check transactions.{transaction}.method and .path in {self.path}"

    def preparation(self, steps: list[str], entry: int) -> list[str]:
        """The earlier steps of a flow a user entering at ``entry`` runs first: from the
        first one that captures what the steps from ``entry`` on use, every step up to
        the entry (a payment is drafted *and signed* before it is submitted)."""
        needed = set()
        for step in steps[entry:]:
            for template in self.map.transactions[step].templates():
                needed |= {
                    p.argument for p in template.placeholders if p.kind is PlaceholderKind.CAPTURE
                }
        for first, step in enumerate(steps[:entry]):
            if set(self.map.transactions[step].capture) & needed:
                return list(steps[first:entry])
        return []

    def actor(self, client: Any, index: int, rng: np.random.Generator, ledger: Ledger):
        return MappedActor(client, self, index, rng, ledger)

    def missed(self, where: str, capture_name: str, message: str) -> None:
        """A capture missed: a mistake in the map if it never worked in this process."""
        key = f"{where}.capture.{capture_name}"
        if key not in self.captured:
            self.mistake(f"{self.path}: {key}: {message}")
