"""Hostile and broken clients against the real server process: oversized bodies,
slow lorises, and settings the server cannot start with."""

from __future__ import annotations

import json
import select
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
import requests

from loadtests.mock_process import MockServer

pytestmark = [pytest.mark.slow, pytest.mark.load, pytest.mark.untimed]  # status codes only

MiB = 2**20


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[MockServer]:
    path = tmp_path_factory.mktemp("hostile")
    env = {"PEAKLOAD_HEADER_TIMEOUT_S": "2", "PEAKLOAD_BODY_TIMEOUT_S": "2", "PEAKLOAD_UNITS": "10"}
    mock = MockServer(None, path / "mock.db", env=env)
    try:
        yield mock.wait_ready()
    finally:
        mock.stop()


def _orders(server: MockServer) -> str:
    return f"{server.url}/api/v1/payment-orders"


def test_8_mib_body_gets_a_413_urllib_can_read(server):
    request = urllib.request.Request(
        _orders(server), data=b"x" * (8 * MiB), headers={"Content-Type": "application/json"}
    )
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=30)
    assert caught.value.code == 413
    assert "request body over" in json.loads(caught.value.read())["detail"]


def test_100_mib_body_gets_a_413_requests_can_read(server):
    response = requests.post(_orders(server), data=b"x" * (100 * MiB), timeout=60)
    assert response.status_code == 413
    assert response.headers["connection"] == "close"


def test_chunked_body_without_a_length_gets_a_413(server):
    def chunks():
        for _ in range(64):
            yield b"y" * (64 * 1024)

    response = requests.post(_orders(server), data=chunks(), timeout=60)  # chunked: no length
    assert response.status_code == 413


def test_a_body_within_the_limit_still_reaches_the_route(server):
    response = requests.post(_orders(server), json={"amount": 1}, timeout=10)
    assert response.status_code == 401  # reached auth: the body passed through


def _closed_by_server(sock: socket.socket, trickle: bytes = b"") -> bool:
    """Trickle bytes one a second; True when the server closes the connection: an end of
    stream, or a reset (a byte sent after the server closed makes the kernel answer the
    next read with one)."""
    sock.settimeout(1.0)
    for i in range(15):
        try:
            if sock.recv(1024) == b"":
                return True
        except ConnectionResetError:
            return True
        except TimeoutError:
            pass
        if trickle:
            try:
                sock.sendall(trickle[i % len(trickle) : i % len(trickle) + 1])
            except (BrokenPipeError, ConnectionResetError):
                return True
    return False


def test_slow_loris_headers_are_cut_and_do_not_hold_the_server(server):
    host, port = "127.0.0.1", server.port
    silent = socket.create_connection((host, port))
    trickling = socket.create_connection((host, port))
    trickling.sendall(b"POST /api/v1/auth/token HTTP/1.1\r\nHost: x\r\n")
    try:
        assert _closed_by_server(trickling, b"X-Slow: aaaaaaaaaaaaaaaa")
        assert _closed_by_server(silent)
        assert requests.get(f"{server.url}/healthz", timeout=5).status_code == 200
    finally:
        silent.close()
        trickling.close()


def trickle(port: int) -> bytes | None:
    """Send a body's first byte, then one more each second the server says nothing, and
    read what it answers; None if our own trickle crossed its close (below)."""
    sock = socket.create_connection(("127.0.0.1", port))
    try:
        sock.sendall(
            b"POST /api/v1/payment-orders HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"
        )
        sock.settimeout(1.0)
        answer = b""
        for _ in range(15):
            try:
                chunk = sock.recv(4096)
            except TimeoutError:
                # a byte sent after the server answered and closed makes its kernel reset
                # the connection, which may drop the answer unread: send only while it
                # has nothing for us
                readable, _, _ = select.select([sock], [], [], 0)
                if not readable:
                    sock.sendall(b" ")
                continue
            if not chunk:
                break
            answer += chunk
        return answer
    except ConnectionResetError:
        return None  # the server closed between our look and our byte: try again
    finally:
        sock.close()


def test_a_trickled_body_gets_a_408(server):
    """A body that keeps coming, a byte a second, is still answered 408 once the whole
    of it has taken the body timeout (2 s here): trickling does not keep it open."""
    attempts = (trickle(server.port) for _ in range(3))  # the next only if one crossed
    answer = next((a for a in attempts if a is not None), None)
    assert answer is not None, "every attempt's trickle crossed the server's close"
    assert answer.startswith(b"HTTP/1.1 408"), answer[:80]


@pytest.mark.parametrize(
    ("env", "flags", "names"),
    [
        ({"PEAKLOAD_UNIT_SECRET": "s"}, [], "PEAKLOAD_UNIT_SECRET"),
        ({"PEAKLOAD_SQLITE_SYNCHRONOUS": "FAST"}, [], "PEAKLOAD_SQLITE_SYNCHRONOUS"),
        ({}, ["--db", "postgresql+psycopg://nobody@127.0.0.1:1/none"], "--db"),
    ],
)
def test_bad_settings_are_one_line_and_exit_2(tmp_path, env, flags, names):
    import os

    command = [sys.executable, "-m", "peakload.cli", "serve", "--port", "1", *flags]
    if "--db" not in flags:
        command += ["--db", f"sqlite:///{tmp_path / 'x.db'}"]
    result = subprocess.run(
        command, env={**os.environ, **env}, capture_output=True, text=True, timeout=60
    )
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, result.stderr
    assert len(lines) == 1 and lines[0].startswith("peakload serve:") and names in lines[0]
    assert "Traceback" not in result.stderr
