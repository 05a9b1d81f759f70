"""One request under the client rules the simulation follows too: retries and idempotency.

A request that times out (no answer within the scenario's ``timeout_s``) or
is refused (503) is retried after ``retry_delay_s``, up to ``retries`` times,
with the same Idempotency-Key; then the step has failed. Every attempt of a
write is entered in the :class:`~loadtests.ledger.Ledger` (sent, then
answered), so the writes can be reconciled with the service's records after
the run. Two kinds of non-2xx answer are answers, not failures:

- ``answers``: a status that states a business rule (409: the account is
  closed already), on any attempt; it wrote nothing;
- ``answers_on_retry``: a status that, on a *retry*, says the first attempt
  took effect though its answer was lost (409: the order is signed already).
  That is an idempotent replay: the write succeeded, and the ledger counts it.

>>> rules = ClientRules(retries=2, retry_delay_s=1.0)
>>> # answer = send(client, ledger, rules, "sign_payment", "POST", path, headers=h,
>>> #               key=key, answers_on_retry=(409,))
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gevent

from loadtests.ledger import Ledger
from peakload.core.scenario import Scenario

RETRYABLE = (0, 503)  # no answer, or refused: worth another attempt


@dataclass(frozen=True)
class ClientRules:
    """How many times a request is retried, and after how long."""

    retries: int
    retry_delay_s: float

    @classmethod
    def of(cls, scenario: Scenario) -> ClientRules:
        """The scenario's rules (its workload's ``retries`` and ``retry_delay_s``)."""
        return cls(scenario.workload.retries, scenario.workload.retry_delay_s)


def send(
    client: Any,
    ledger: Ledger,
    rules: ClientRules,
    name: str,
    method: str,
    path: str,
    *,
    headers: dict[str, str],
    body: dict | None = None,
    key: str | None = None,
    answers: tuple[int, ...] = (),
    answers_on_retry: tuple[int, ...] = (),
) -> Any | None:
    """Send a request as ``name`` with ``rules``' retries: the body of a 2xx (``{}``
    for an expected non-2xx answer, or a body that is not JSON), None on failure.

    ``key`` makes it a write: the Idempotency-Key every attempt carries, and the
    ledger's entry (see the module's doc)."""
    if key is not None:
        headers = {**headers, "Idempotency-Key": key}
    for attempt in range(rules.retries + 1):
        if key is not None:
            ledger.sent(name, key)
        with client.request(
            method, path, name=name, json=body, headers=headers, catch_response=True
        ) as response:
            status = response.status_code
            replayed = attempt > 0 and status in answers_on_retry
            if 200 <= status < 300 or replayed or status in answers:
                response.success()
                if key is not None:
                    ledger.answered(name, key, ok=200 <= status < 300 or replayed)
                try:
                    return response.json() if 200 <= status < 300 else {}
                except ValueError:
                    return {}
            reason = response.error or f"HTTP {status}"
            response.failure(f"{status or 'no answer'}: {str(reason)[:120]}")
        if key is not None and status != 0:  # no answer: it stays in doubt
            ledger.answered(name, key, ok=False)
        if status not in RETRYABLE or attempt == rules.retries:
            return None
        gevent.sleep(rules.retry_delay_s)
    return None
