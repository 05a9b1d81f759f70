"""The fail-fast watch: which failures stop a run, and the one line it stops with.

The answers here are what our mock and Locust's FastHttpSession report (status,
body, the URL); the end-to-end case (a mock with another unit secret) is in
``test_wrong_secret.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from loadtests import fail_fast
from loadtests.fail_fast import Watch

LOGIN_URL = "http://127.0.0.1:8000/api/v1/auth/token"
UNAUTHORIZED = '{"detail":"unknown unit code or wrong password"}'


@dataclass
class Response:
    status_code: int
    text: str = ""


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def watch(probe: int = 3, clock: Clock | None = None) -> tuple[Watch, list[str]]:
    lines: list[str] = []
    return (
        Watch(
            abort=lines.append,
            sign_in_probe=probe,
            credentials_hint="PEAKLOAD_UNIT_SECRET differs from the server's",
            route_hint=lambda name: f"check transactions.{name}",
            watched=frozenset({"create_invoice", "get_invoice"}),
            now=clock or Clock(),
        ),
        lines,
    )


def sign_in(w: Watch, status: int, text: str = "", url: str = LOGIN_URL) -> None:
    failed = None if 200 <= status < 300 else RuntimeError(f"{status}")
    w.on_request("POST", "login", 5.0, 0, Response(status, text), failed, url=url)


def test_the_probe_is_20_or_5_percent_whichever_is_fewer_and_at_least_3():
    assert fail_fast.sign_in_probe(60, 1) == 3
    assert fail_fast.sign_in_probe(200, 1) == 10
    assert fail_fast.sign_in_probe(13_000, 1) == 20
    assert fail_fast.sign_in_probe(13_000, 4) == 20  # per process: 163 each, 5 % is 9
    assert fail_fast.sign_in_probe(1_000, 4) == 13


def test_failed_sign_ins_stop_the_run_with_status_route_body_and_fix():
    w, lines = watch(probe=3)
    sign_in(w, 401, UNAUTHORIZED)
    sign_in(w, 401, UNAUTHORIZED)
    assert lines == []
    sign_in(w, 401, UNAUTHORIZED)
    assert lines == [
        "the first 3 sign-ins all failed: HTTP 401 on POST /api/v1/auth/token: "
        f"{UNAUTHORIZED}; likely fix: PEAKLOAD_UNIT_SECRET differs from the server's"
    ]
    sign_in(w, 401, UNAUTHORIZED)
    assert len(lines) == 1  # once


def test_one_sign_in_that_works_disarms_the_check():
    w, lines = watch(probe=3)
    sign_in(w, 401, UNAUTHORIZED)
    sign_in(w, 200, '{"access_token":"t"}')
    for _ in range(50):
        sign_in(w, 401, UNAUTHORIZED)
    assert lines == []


def test_a_refusal_is_load_not_a_wrong_sign_in():
    w, lines = watch(probe=3)
    for _ in range(10):
        sign_in(w, 503, '{"detail":"app queue full"}')
    assert lines == []


@pytest.mark.parametrize(
    ("status", "fix"),
    [
        (0, "nothing answers there"),
        (404, "the sign-in route is wrong"),
        (422, "rejects the sign-in's body"),
        (500, "see its log"),
    ],
)
def test_the_likely_fix_follows_the_status(status, fix):
    w, lines = watch(probe=3)
    for _ in range(3):
        sign_in(w, status, "" if status == 0 else "Not Found")
    assert len(lines) == 1 and fix in lines[0], lines


def route(w: Watch, name: str, status: int, url: str = "http://h/v2/invoice") -> None:
    failed = None if status < 400 else RuntimeError(str(status))
    w.on_request("POST", name, 3.0, 0, Response(status, '{"detail":"Not Found"}'), failed, url=url)


def test_a_route_that_answers_only_404_stops_the_run_after_ten_requests():
    w, lines = watch()
    for _ in range(9):
        route(w, "create_invoice", 404)
    assert lines == []
    route(w, "create_invoice", 404)
    assert lines == [
        "every request of create_invoice failed (10 of 10 in the first minute): HTTP 404 on "
        'POST /v2/invoice: {"detail":"Not Found"}; likely fix: the route map is wrong: '
        "check transactions.create_invoice"
    ]


def test_a_few_wrong_route_answers_stop_the_run_when_the_first_minute_ends():
    clock = Clock()
    w, lines = watch(clock=clock)
    route(w, "get_invoice", 200)
    route(w, "create_invoice", 405)
    route(w, "create_invoice", 405)
    clock.t = 59.0
    route(w, "get_invoice", 200)
    assert lines == []
    clock.t = 61.0
    route(w, "get_invoice", 200)
    assert len(lines) == 1 and "create_invoice failed (2 of 2" in lines[0]


def test_a_route_that_works_once_or_fails_otherwise_is_a_measurement():
    clock = Clock()
    w, lines = watch(clock=clock)
    route(w, "create_invoice", 201)
    for _ in range(30):
        route(w, "create_invoice", 404)  # a record gone: an answer worth measuring
        route(w, "get_invoice", 500)  # a server error: a measurement
    clock.t = 120.0
    route(w, "get_invoice", 200)
    assert lines == []


def test_a_transaction_refused_401_throughout_names_the_sign_in():
    w, lines = watch()
    for _ in range(10):
        route(w, "create_invoice", 401)
    assert len(lines) == 1
    assert "create_invoice failed (10 of 10" in lines[0] and "HTTP 401" in lines[0]
    assert "not signed in as the service wants: PEAKLOAD_UNIT_SECRET" in lines[0]


def test_mixed_404_and_401_answers_are_measurements():
    w, lines = watch()
    for _ in range(10):
        route(w, "create_invoice", 404)
        route(w, "create_invoice", 401)
    assert lines == []
