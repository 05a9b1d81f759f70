"""A seeded PostgreSQL database and a certificate chain for the real service's tests."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine

from mock_server.real.pki import TrustChain
from mock_server.real.seed import prepare

UNITS = 40
ORDERS_PER_UNIT = 30


@pytest.fixture
def seeded_db(postgres_server) -> str:
    url = postgres_server.create_database()
    engine = create_engine(url)
    try:
        assert prepare(engine, UNITS, ORDERS_PER_UNIT) == UNITS * ORDERS_PER_UNIT
    finally:
        engine.dispose()
    return url


@pytest.fixture(scope="session")
def chain_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("pki")
    TrustChain.generate(signers=2).save(path)
    return path
