"""Where a transaction's database work runs: on the event loop or in the thread pool."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import create_engine

from mock_server.api.deps import UnitSession
from mock_server.capacity import Capacity

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend():
    return "asyncio"


def where(engine, unit_code: int) -> int:
    """The thread the action ran on."""
    return threading.get_ident()


@pytest.mark.parametrize(
    ("url", "on_the_loop"),
    [
        ("sqlite://", True),  # in the process, ~50 us: cheaper than a thread hop
        ("postgresql+psycopg://peakload@127.0.0.1:9/none", False),  # round trips: the pool
    ],
)
async def test_a_read_runs_on_the_loop_only_for_sqlite_and_a_write_never(url, on_the_loop):
    engine = create_engine(url)  # never connected: the actions do not touch it
    session = UnitSession(1_000_001, engine, Capacity(None))
    loop_thread = threading.get_ident()
    assert (await session.read("get_payment", where) == loop_thread) is on_the_loop
    assert await session.write("create_payment", where) != loop_thread
    engine.dispose()
