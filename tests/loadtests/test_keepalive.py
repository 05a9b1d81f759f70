"""Keep-alive must hold past 1,023 open file descriptors, where select() fails."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from geventhttpclient import HTTPClient
from geventhttpclient.connectionpool import ConnectionPool

from loadtests import keepalive
from loadtests.mock_process import MockServer

pytestmark = [pytest.mark.load, pytest.mark.untimed]  # counts of connections


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with MockServer(None, tmp_path_factory.mktemp("ka") / "ka.db") as mock:
        yield mock


@pytest.fixture
def high_descriptors():
    """Hold 1,100 descriptors open so every new socket lands above 1023, as at 3,000 users."""
    pipes = [os.pipe() for _ in range(550)]
    yield
    for a, b in pipes:
        os.close(a)
        os.close(b)


def connections_for(server: MockServer, requests: int) -> int:
    opened = 0
    original = ConnectionPool._create_socket

    def counting(self):
        nonlocal opened
        opened += 1
        return original(self)

    ConnectionPool._create_socket = counting
    try:
        client = HTTPClient("127.0.0.1", server.port, concurrency=1)
        for _ in range(requests):
            response = client.get("/healthz")
            assert response.status_code == 200
            response.read()
        assert client._connection_pool._socket_queue.peek().fileno() > 1023
        client.close()
    finally:
        ConnectionPool._create_socket = original
    return opened


def test_stock_pool_reconnects_for_every_request_above_fd_1023(server, high_descriptors):
    opened = connections_for(server, 20)
    if opened == 1:
        pytest.skip("fixed upstream: loadtests.keepalive.install() is no longer needed")
    assert opened == 20  # the bug loadtests.keepalive fixes


def test_with_the_fix_one_connection_serves_every_request(server, high_descriptors):
    stock = ConnectionPool._is_socket_alive
    keepalive.install()
    try:
        assert connections_for(server, 20) == 1
    finally:
        ConnectionPool._is_socket_alive = stock


def test_a_closed_or_readable_socket_is_not_reused(tmp_path: Path):
    import socket

    a, b = socket.socketpair()
    assert keepalive.socket_is_reusable(a)
    b.sendall(b"x")  # stray bytes on an idle connection: unusable
    assert not keepalive.socket_is_reusable(a)
    b.close()
    a.close()
    assert not keepalive.socket_is_reusable(a)
    assert not keepalive.socket_is_reusable(None)
