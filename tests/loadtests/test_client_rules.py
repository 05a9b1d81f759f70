"""One request under the client rules: retries, replays and the write ledger."""

from __future__ import annotations

import pytest

from loadtests.client_rules import ClientRules, send
from loadtests.ledger import Ledger

RULES = ClientRules(retries=2, retry_delay_s=0.0)


class _Answer:
    def __init__(self, status: int):
        self.status_code = status
        self.error = None
        self.verdict: str | None = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def json(self):
        return {"id": 7}

    def success(self):
        self.verdict = "success"

    def failure(self, message: str):
        self.verdict = message


class _Server:
    """Answers with the given statuses in turn; remembers each answer and its headers."""

    def __init__(self, *statuses: int):
        self.statuses = list(statuses)
        self.answers: list[_Answer] = []
        self.keys: list[str | None] = []

    def request(self, method, path, name, headers, **kwargs):
        self.keys.append(headers.get("Idempotency-Key"))
        self.answers.append(_Answer(self.statuses.pop(0)))
        return self.answers[-1]


def sign(server: _Server, ledger: Ledger) -> object:
    return send(
        server,
        ledger,
        RULES,
        "sign_payment",
        "POST",
        "/sign",
        headers={},
        key="k1",
        answers_on_retry=(409,),
    )


def test_a_409_to_a_retried_write_is_its_replay_and_counts_as_written():
    ledger = Ledger()
    server = _Server(503, 409)  # refused, then: "signed already" (the first took effect)
    assert sign(server, ledger) == {}
    assert [a.verdict for a in server.answers][1] == "success"
    assert server.keys == ["k1", "k1"]  # the same key on the retry
    assert ledger.counts()["sign_payment"] == {"ok": 1, "in_doubt": 0}


def test_a_409_to_a_first_attempt_is_a_failure_and_not_retried():
    ledger = Ledger()
    server = _Server(409)
    assert sign(server, ledger) is None
    assert len(server.answers) == 1 and server.answers[0].verdict.startswith("409")
    assert ledger.counts()["sign_payment"] == {"ok": 0, "in_doubt": 0}


@pytest.mark.parametrize(
    ("statuses", "result", "in_doubt"),
    [((0, 0, 0), None, 1), ((0, 201), {"id": 7}, 0), ((503, 503, 503), None, 0)],
    ids=["no answer stays in doubt", "retried after no answer", "refused three times"],
)
def test_retries_stop_at_the_rules_count_and_unanswered_writes_stay_in_doubt(
    statuses, result, in_doubt
):
    ledger = Ledger()
    server = _Server(*statuses)
    answer = send(server, ledger, RULES, "create_payment", "POST", "/o", headers={}, key="k")
    assert answer == result
    assert len(server.answers) == len(statuses)
    assert ledger.counts()["create_payment"]["in_doubt"] == in_doubt
