"""The database: SQLite in WAL mode by default (a file under results/), PostgreSQL
through a DSN (``PEAKLOAD_DB=postgresql+psycopg://...``, the ``postgres`` extra).

Every write runs in its own transaction and is committed before the handler
answers, so a 2xx on a write means the record survives a restart.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event, func, insert, select
from sqlalchemy.engine import make_url

from mock_server.tables import metadata, units
from peakload.core.units import FIRST_UNIT

_PROVINCES = 63  # unit codes are spread over Vietnam's 63 provinces


def make_engine(url: str, synchronous: str = "FULL") -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_size=20, max_overflow=20, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": 30},
        pool_size=20,
        max_overflow=20,
    )

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return engine


class DatabaseUnreachable(RuntimeError):
    """The database URL does not lead to a database the server can use (one line)."""


def check_reachable(url: str, synchronous: str = "FULL") -> None:
    """Connect once before serving, so a wrong ``--db`` is one line, not a traceback
    from inside the server's start-up."""
    try:
        engine = make_engine(url, synchronous)
        with engine.connect():
            pass
        engine.dispose()
    except Exception as exc:  # any driver's error: the message is what the user needs
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DatabaseUnreachable(f"{make_url(url).render_as_string()}: {first}") from None


def prepare(engine: Engine, unit_count: int) -> int:
    """Create the tables and, on first start, the budget units. Returns units present."""
    metadata.create_all(engine)
    with engine.begin() as conn:
        present = conn.execute(select(func.count()).select_from(units)).scalar_one()
        if present < unit_count:
            rows = [
                {
                    "code": code,
                    "name": f"Budget unit {code}",
                    "province": f"{(code - FIRST_UNIT) % _PROVINCES + 1:02d}",
                }
                for code in range(FIRST_UNIT + present, FIRST_UNIT + unit_count)
            ]
            conn.execute(insert(units), rows)
            present = unit_count
    return present
