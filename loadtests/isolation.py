"""The isolation probe: does the service keep one budget unit out of another's records?

After a share :data:`PROBE_SHARE` of its steps, a signed-in user tries to read
an order another unit made (:meth:`Ledger.someone_elses_order`: the last
orders this process saw created) with its own token. The answer must be 404;
a 2xx is a leak, a failed request in Locust's statistics and a count in the
ledger's tally (``summary.json``'s ``isolation``, which the judge reads).
Probes go under the name :data:`PROBE`, outside the scenario's transactions,
so they stay out of the measured statistics.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from loadtests.ledger import Ledger
from peakload.contract.api import API_PREFIX

PROBE = "probe_cross_unit"
PROBE_SHARE = 0.02


def probe_isolation(
    client: Any, ledger: Ledger, unit_code: int, headers: dict[str, str], rng: np.random.Generator
) -> None:
    """Read another unit's order with ``headers`` (this unit's token): 404 expected,
    2xx a leak; nothing is sent before this process saw another unit's order."""
    order = ledger.someone_elses_order(unit_code, rng)
    if order is None:
        return
    with client.request(
        "GET",
        f"{API_PREFIX}/payment-orders/{order}",
        name=PROBE,  # an explicit name: kept under a tasks module's rename_request too
        headers=headers,
        catch_response=True,
    ) as response:
        status = response.status_code
        if 200 <= status < 300:
            response.failure(f"unit {unit_code} read order {order} of another unit")
            ledger.probed(leaked=True)
        elif status == 404:
            response.success()
            ledger.probed(leaked=False)
